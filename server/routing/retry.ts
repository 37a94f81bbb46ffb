// Transactions that lost a lock race are retried, not reported: a PostgreSQL deadlock victim or
// serialization failure, or SQLite's "database is locked" when another process held the write
// lock past the busy timeout. Everything else is a real error and propagates at once.
// P2028: no connection for the transaction in time (a busy pool), worth another try.
const RETRYABLE_CODES = new Set(["P2034", "P1008", "P2028", "40P01", "40001", "SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT"]);

export function isRetryable(err: unknown, depth = 0): boolean {
  if (typeof err !== "object" || err === null || depth > 4) return false;
  const e = err as { code?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
  if (typeof e.code === "string" && RETRYABLE_CODES.has(e.code)) return true;
  if (typeof e.originalCode === "string" && RETRYABLE_CODES.has(e.originalCode)) return true;
  if (typeof e.message === "string" && /deadlock detected|database is locked|could not serialize/i.test(e.message)) return true;
  return isRetryable(e.cause, depth + 1) || isRetryable(e.meta?.driverAdapterError, depth + 1);
}

export async function withRetry<T>(run: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      if (i >= attempts || !isRetryable(err)) throw err;
      // Jitter, so the processes that collided do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * i));
    }
  }
}
