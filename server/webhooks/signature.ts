// Delivery signatures: HMAC-SHA256, keyed with the endpoint's secret, over
// `${timestamp}.${rawBody}` (timestamp in Unix seconds, also sent as a header), so a receiver
// can reject both forged bodies and replays of old ones.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-parley-signature";
export const TIMESTAMP_HEADER = "x-parley-timestamp";
export const EVENT_ID_HEADER = "x-parley-event-id";
export const EVENT_TYPE_HEADER = "x-parley-event-type";

export function signatureOf(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex")}`;
}

/** What a receiver does (the README shows the same check in ten lines). */
export function verifySignature(secret: string, timestamp: string, rawBody: string, header: string, nowSeconds = Date.now() / 1000, toleranceSeconds = 300): boolean {
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureOf(secret, timestamp, rawBody));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
