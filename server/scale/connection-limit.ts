// Per-process connection-rate limit: after a restart every client comes back at once; past the
// budget a handshake is refused with `unavailable` ("retry later") before any database work, and
// the clients retry after a jittered delay instead of this process falling over.
import { TokenBucket } from "../auth/rate-limit.ts";
import { Counter } from "prom-client";
import type { Metrics } from "../metrics.ts";

export interface ConnectionRate {
  /** handshakes accepted at once */
  burst: number;
  /** refill per second */
  perSecond: number;
}

export const DEFAULT_CONNECTION_RATE: ConnectionRate = { burst: 400, perSecond: 200 };

type Next = (err?: Error) => void;

/** One budget for the whole process, shared by every namespace it is installed on. */
export function connectionLimiter(rate: ConnectionRate, onRefused?: () => void): (socket: unknown, next: Next) => void {
  const bucket = new TokenBucket(rate.burst, rate.perSecond);
  return (_socket, next) => {
    if (bucket.take()) return next();
    onRefused?.();
    const retryAfterMs = Math.ceil(1000 + Math.random() * 4000);
    next(Object.assign(new Error("Server busy, retry later"), { data: { code: "unavailable", retryAfterMs } }));
  };
}

/** Counts refusals in the app's registry (parley_connections_refused_total). */
export function countRefusals(metrics: Metrics): () => void {
  const counter = new Counter({ name: "parley_connections_refused_total", help: "Handshakes refused by the connection-rate limit", registers: [metrics.registry] });
  return () => counter.inc();
}
