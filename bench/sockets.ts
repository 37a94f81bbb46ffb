// Small socket helpers for the load workers: every wait has a deadline.
import type { Socket } from "socket.io-client";
import type { VisitorSessionDto } from "../server/protocol.ts";

/** Resolves with the first `event` payload; rejects on connect_error or after `timeoutMs`. */
export function firstEvent<T>(socket: Socket, event: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.disconnect();
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
    socket.once("connect_error", (err: Error) => {
      clearTimeout(timer);
      socket.disconnect();
      reject(err);
    });
  });
}

export const connected = (socket: Socket, timeoutMs: number): Promise<void> => firstEvent<void>(socket, "connect", timeoutMs);
export const sessionOf = (socket: Socket, timeoutMs: number): Promise<VisitorSessionDto> => firstEvent<VisitorSessionDto>(socket, "session", timeoutMs);

/** Runs `fn` over `items`, `size` at a time, keeping the order of the results. */
export async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  return out;
}
