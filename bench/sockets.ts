// Small socket helpers for the load workers: every wait has a deadline.
import type { Socket } from "socket.io-client";
import type { VisitorSessionDto } from "../server/protocol.ts";

type Refusal = Error & { data?: { code?: string; retryAfterMs?: number } };

/**
 * A handshake Parley refused as `unavailable` (its per-process connection-rate limit) is tried
 * again after the delay the server suggests, as the widget and the console do; socket.io-client
 * itself never retries a refusal. Returns false for any other error.
 */
export function retryIfBusy(socket: Socket, err: Refusal, isClosed: () => boolean = () => false): boolean {
  if (err.data?.code !== "unavailable") return false;
  const delay = err.data.retryAfterMs ?? 3_000 + Math.random() * 3_000;
  setTimeout(() => {
    if (!isClosed() && !socket.connected) socket.connect();
  }, delay);
  return true;
}

/** Resolves with the first `event` payload; rejects on a (non-busy) refusal or after `timeoutMs`. */
export function firstEvent<T>(socket: Socket, event: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      done = true;
      clearTimeout(timer);
      socket.off("connect_error", onError);
      fn();
    };
    const timer = setTimeout(() => {
      finish(() => {
        socket.disconnect();
        reject(new Error(`no ${event} within ${timeoutMs} ms`));
      });
    }, timeoutMs);
    const onError = (err: Refusal) => {
      if (retryIfBusy(socket, err, () => done)) return;
      finish(() => {
        socket.disconnect();
        reject(err);
      });
    };
    socket.once(event, (payload: T) => finish(() => resolve(payload)));
    socket.on("connect_error", onError);
  });
}

export const connected = (socket: Socket, timeoutMs: number): Promise<void> => firstEvent<void>(socket, "connect", timeoutMs);
export const sessionOf = (socket: Socket, timeoutMs: number): Promise<VisitorSessionDto> => firstEvent<VisitorSessionDto>(socket, "session", timeoutMs);

/** Why an ack never came: its timeout, or the connection dropped first (socket.io-client's wording). */
export function ackFailure(err: Error): "ack_timeout" | "disconnected" {
  return /disconnected/.test(err.message) ? "disconnected" : "ack_timeout";
}

/** Runs `fn` over `items`, `size` at a time, keeping the order of the results. */
export async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  return out;
}
