// Per-process connection-rate limit: after a restart every client comes back at once; past the
// budget a handshake is refused with `unavailable` ("retry later") before any database work, and
// each refused client is given its own appointment (retryAfterMs): the refused are spread over the
// coming refill slots, one slot each, so they return when there is room instead of all at once
// after the same random delay (which refused most of them again and stretched the tail).
import { TokenBucket } from "../auth/rate-limit.ts";
import { Counter } from "prom-client";
import type { ConnectionRate } from "../config.ts";
import type { Metrics } from "../metrics.ts";

/** Appointments are never further out than this: a refusal is cheap, a client parked long is not. */
const MAX_RETRY_AFTER_MS = 10_000;
/** Refill slots are measured from finishing handshakes, but never assumed slower than this. */
const MAX_SLOT_MS = 50;

/** listen() backlog (the kernel caps it at net.core.somaxconn). */
export const LISTEN_BACKLOG = 4096;
/** Nor sooner than this: a refused client comes back no faster than a round trip is worth. */
const MIN_RETRY_AFTER_MS = 100;

type Next = (err?: Error) => void;

function busy(retryAfterMs: number): Error {
  return Object.assign(new Error("Server busy, retry later"), { data: { code: "unavailable", retryAfterMs } });
}

/**
 * Appointments for refused clients: one slot each, `slotMs()` apart from now on (the next free
 * slot moves one on per refusal), so the refused return spread over the time the server needs
 * for them, with a little jitter inside the slot so neighbours do not collide.
 */
function appointments(slotMs: () => number, now: () => number): () => number {
  let nextSlot = 0;
  return () => {
    const t = now();
    const slot = slotMs();
    nextSlot = Math.max(nextSlot, t) + slot;
    return Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, nextSlot - t + Math.random() * slot)));
  };
}

/** One budget for the whole process, shared by every namespace it is installed on. */
export function connectionLimiter(rate: ConnectionRate, onRefused?: () => void, now: () => number = Date.now): (socket: unknown, next: Next) => void {
  const bucket = new TokenBucket(rate.burst, rate.perSecond, now);
  const nextAppointment = appointments(() => 1000 / rate.perSecond, now);
  return (_socket, next) => {
    if (bucket.take()) return next();
    onRefused?.();
    next(busy(nextAppointment()));
  };
}

/** What the gate needs of a Socket.IO server socket: its engine connection, to notice it closing. */
interface GatedSocket {
  conn: { once(event: "close", fn: () => void): unknown; off(event: "close", fn: () => void): unknown };
}

/** The place each admitted handshake holds, until it connects, is refused or its connection closes. */
const places = new WeakMap<object, () => void>();

/**
 * Wraps a namespace middleware that runs after the gate: a handshake it refuses gives its place
 * back at once. Socket.IO tells nobody about a refusal; before this, a refused handshake kept its
 * place for the whole hold, so one client sending 64 handshakes with a bad site key filled the
 * gate and every visitor and agent was refused as busy for 10 s, again and again (review finding).
 */
export function releasingOnRefusal<S extends object, E extends Error>(middleware: (socket: S, next: (err?: E) => void) => void): (socket: S, next: (err?: E) => void) => void {
  return (socket, next) =>
    middleware(socket, (err) => {
      if (err) places.get(socket)?.();
      next(err);
    });
}

interface GatedNamespace {
  use(fn: (socket: GatedSocket, next: Next) => void): unknown;
  on(event: "connection", fn: (socket: GatedSocket) => void): unknown;
}

/**
 * Handshakes in flight (admitted, their middleware's database work not done) are capped at what
 * the process finishes within QUEUE_BUDGET_MS at the pace it has been finishing them, and never
 * below MIN_IN_FLIGHT. The rate limit alone let a crowd in faster than the database answered:
 * thousands of handshakes queued behind each other, clients timed out and came back while the
 * server still worked for the ones that had left (the 5,000-client bench then lost 90 % of them
 * for good). A fixed cap of 64 refused half of a restart's crowd once a handshake took ~1 ms, and
 * a refusal costs more than the wait: socket.io-client drops its connection on a refused
 * handshake and starts over (reconnect bench, three runs each: p95 6.8 s at 64, 4.6 s uncapped).
 */
export const MIN_IN_FLIGHT = 64;
const QUEUE_BUDGET_MS = 2_000;
/** A handshake not heard of again (refused later in the chain, client gone) frees its place after this. */
const HANDSHAKE_HOLD_MS = 10_000;

/**
 * The admission policy of a process, first middleware on each namespace: the handshake rate
 * (`rate`) and the handshakes in flight (`maxInFlight`, fixed; by default what the process
 * finishes in QUEUE_BUDGET_MS). A refusal costs no database work and says when to come back;
 * in-flight refusals are spaced by how fast handshakes have been finishing.
 */
export function limitConnections(namespaces: GatedNamespace[], rate: ConnectionRate, opts: { maxInFlight?: number; onRefused?: () => void; now?: () => number } = {}): void {
  const now = opts.now ?? Date.now;
  const rateLimit = connectionLimiter(rate, opts.onRefused, now);
  let inFlight = 0;
  // The pace that makes the cap MIN_IN_FLIGHT, where a stalled handshake sends it back.
  const slowMs = QUEUE_BUDGET_MS / MIN_IN_FLIGHT;
  // Milliseconds between finished handshakes while busy, smoothed; starts at the configured rate.
  // Starting at the floor instead (until a pace is measured) was tried: it refused a restart's
  // crowd before the first handshakes had finished, and refused clients start over (reconnect
  // bench, three runs: p95 4.9-7.0 s and up to 3,766 refusals, against 4.5-4.8 s and none).
  // A stall is caught by the hold timeout below instead.
  let serviceMs = 1000 / rate.perSecond;
  let measured = false;
  const maxInFlight = () => opts.maxInFlight ?? Math.max(MIN_IN_FLIGHT, Math.floor(QUEUE_BUDGET_MS / serviceMs));
  // Only gaps measured under load say how fast the server serves handshakes.
  const underLoad = Math.min(opts.maxInFlight ?? MIN_IN_FLIGHT, MIN_IN_FLIGHT) / 2;
  let lastDone = 0;
  const nextAppointment = appointments(() => Math.min(MAX_SLOT_MS, serviceMs), now);
  const held = new WeakMap<GatedSocket, () => void>();
  for (const nsp of namespaces) {
    nsp.use((socket, next) => {
      if (inFlight >= maxInFlight()) {
        opts.onRefused?.();
        return next(busy(nextAppointment()));
      }
      rateLimit(socket, (err) => {
        if (err) return next(err);
        inFlight++;
        let holding = true;
        const release = (done: boolean) => {
          if (!holding) return;
          holding = false;
          clearTimeout(timer);
          if (done && inFlight >= underLoad) {
            const t = now();
            if (lastDone) {
              const gap = Math.min(1000, Math.max(0.1, t - lastDone));
              // The first measurement replaces the configured rate outright.
              serviceMs = measured ? 0.9 * serviceMs + 0.1 * gap : gap;
              measured = true;
            }
            lastDone = t;
          } else if (done) lastDone = 0;
          inFlight--;
        };
        const closed = () => release(false);
        const timer = setTimeout(() => {
          // Not finished in all this time: whatever the pace was, it is not now (a database
          // gone slow finishes nothing, so nothing else would bring the cap down).
          serviceMs = Math.max(serviceMs, slowMs);
          closed();
        }, HANDSHAKE_HOLD_MS);
        timer.unref?.();
        // One listener per handshake, taken off again: a connection retrying many handshakes
        // must not pile up listeners (MaxListenersExceededWarning).
        socket.conn.once("close", closed);
        places.set(socket, () => {
          socket.conn.off("close", closed);
          release(false);
        });
        held.set(socket, () => {
          socket.conn.off("close", closed);
          release(true);
        });
        next();
      });
    });
    nsp.on("connection", (socket) => held.get(socket)?.());
  }
}

/** Counts refusals in the app's registry (parley_connections_refused_total). */
export function countRefusals(metrics: Metrics): () => void {
  const counter = new Counter({ name: "parley_connections_refused_total", help: "Handshakes refused by the connection-rate limit", registers: [metrics.registry] });
  return () => counter.inc();
}
