// Recognising constraint violations, so idempotency rests on unique keys and not on
// read-then-write.
export function isUniqueViolation(err: unknown, depth = 0): boolean {
  if (typeof err !== "object" || err === null || depth > 4) return false;
  const e = err as { code?: unknown; kind?: unknown; originalCode?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
  if (e.code === "P2002" || e.kind === "UniqueConstraintViolation" || e.originalCode === "23505") return true;
  // Driver adapters sometimes surface the raw driver error instead of P2002, and direct
  // statements (db/sql.ts) always do.
  if (e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || e.code === "23505") return true;
  // A raw statement's violation through Prisma is P2010 with the adapter's error in meta.
  return (e.cause !== err && isUniqueViolation(e.cause, depth + 1)) || isUniqueViolation(e.meta?.driverAdapterError, depth + 1);
}
