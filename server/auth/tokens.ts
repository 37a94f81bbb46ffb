// Opaque bearer secrets (visitor tokens, session cookies, API tokens): random, stored only as
// a SHA-256 hash, so a database leak does not hand out live credentials.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export function newToken(prefix = ""): string {
  return prefix + randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function hmacHex(secret: string, value: string): string {
  return createHmac("sha256", secret).update(value).digest("hex");
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The one-time first-admin setup token: valid only while no agent exists. */
export function setupToken(secret: string): string {
  return hmacHex(secret, "parley:first-admin-setup");
}
