// Per-process connection-rate limit: after a restart every client comes back at once; past the
// budget a handshake is refused with `unavailable` ("retry later") before any database work, and
// each refused client is given its own appointment (retryAfterMs): the refused are spread over the
// coming refill slots, one slot each, so they return when there is room instead of all at once
// after the same random delay (which refused most of them again and stretched the tail).
import { TokenBucket } from "../auth/rate-limit.ts";
import { Counter } from "prom-client";
import type { Metrics } from "../metrics.ts";

export interface ConnectionRate {
  /** handshakes accepted at once */
  burst: number;
  /** refill per second */
  perSecond: number;
}

/**
 * Generous on purpose: the limit is there to shed a crowd the process cannot take, not to pace
 * one it can (at the former 200 a second, 5,000 returning widgets needed 23 s by arithmetic
 * alone). PARLEY_CONNECTION_BURST / PARLEY_CONNECTIONS_PER_SECOND lower it for small machines.
 */
export const DEFAULT_CONNECTION_RATE: ConnectionRate = { burst: 1_000, perSecond: 1_000 };

/** Appointments are never further out than this: a client must not be parked for minutes. */
const MAX_RETRY_AFTER_MS = 30_000;
/** Nor sooner than this: a refused client comes back no faster than a round trip is worth. */
const MIN_RETRY_AFTER_MS = 100;

type Next = (err?: Error) => void;

/** One budget for the whole process, shared by every namespace it is installed on. */
export function connectionLimiter(rate: ConnectionRate, onRefused?: () => void, now: () => number = Date.now): (socket: unknown, next: Next) => void {
  const bucket = new TokenBucket(rate.burst, rate.perSecond, now);
  const slotMs = 1000 / rate.perSecond;
  // The next free slot handed to a refused client; moves one slot on per refusal.
  let nextSlot = 0;
  return (_socket, next) => {
    if (bucket.take()) return next();
    onRefused?.();
    const t = now();
    nextSlot = Math.max(nextSlot, t) + slotMs;
    // A little jitter inside the slot, so clients given neighbouring slots do not collide.
    const retryAfterMs = Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, nextSlot - t + Math.random() * slotMs)));
    next(Object.assign(new Error("Server busy, retry later"), { data: { code: "unavailable", retryAfterMs } }));
  };
}

/** Counts refusals in the app's registry (parley_connections_refused_total). */
export function countRefusals(metrics: Metrics): () => void {
  const counter = new Counter({ name: "parley_connections_refused_total", help: "Handshakes refused by the connection-rate limit", registers: [metrics.registry] });
  return () => counter.inc();
}
