// Recognising constraint violations, so idempotency rests on unique keys and not on
// read-then-write.
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (e.code === "P2002") return true;
  // Driver adapters sometimes surface the raw driver error instead of P2002.
  if (e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "23505") return true;
  return e.cause !== undefined && e.cause !== err && isUniqueViolation(e.cause);
}
