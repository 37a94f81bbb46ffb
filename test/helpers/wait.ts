// Awaiting socket events and acks in tests: never sleep, always time out with a clear message.
import type { Socket } from "socket.io-client";

export const DEFAULT_TIMEOUT = 10_000;

/** Resolves with the first `event` payload that matches `predicate`. */
export function waitFor<T = unknown>(socket: Socket, event: string, predicate: (payload: T) => boolean = () => true, timeoutMs = DEFAULT_TIMEOUT): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Emits with an ack and resolves with what the server answered. */
export function emitAck<T = unknown>(socket: Socket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(DEFAULT_TIMEOUT).emitWithAck(event, ...args) as Promise<T>;
}

/** Collects every payload of `event` into an array (for ordering and duplicate checks). */
export function collect<T = unknown>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (p: T) => seen.push(p));
  return seen;
}

/** Resolves once `check()` is true, re-checking whenever `socket` receives any event. */
export function until(check: () => boolean, socket: Socket, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.offAny(listener);
      reject(new Error(`condition not met within ${timeoutMs} ms`));
    }, timeoutMs);
    // onAny runs before the event's own listeners (which may be what updates the state), so
    // look after they ran.
    const listener = () =>
      queueMicrotask(() => {
        if (!check()) return;
        clearTimeout(timer);
        socket.offAny(listener);
        resolve();
      });
    socket.onAny(listener);
  });
}
