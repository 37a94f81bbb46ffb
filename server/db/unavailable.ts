// Whether an error means "the database cannot be reached" (as opposed to a bug or a bad query):
// those are answered `unavailable` so clients keep the message in their outbox and retry.
const CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "P1001", "P1002", "P1008", "P1017", "P2024", "57P01", "57P03", "08000", "08003", "08006"]);
const MESSAGES = /connection terminated|connection refused|server closed the connection|can't reach database|timeout exceeded when trying to connect|connection (?:is )?(?:closed|ended)|econnrefused|econnreset/i;

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 5) return false;
  const e = err as { code?: unknown; errorCode?: unknown; message?: unknown; cause?: unknown; name?: unknown };
  if (typeof e.code === "string" && CODES.has(e.code)) return true;
  if (typeof e.errorCode === "string" && CODES.has(e.errorCode)) return true;
  if (e.name === "PrismaClientInitializationError") return true;
  if (typeof e.message === "string" && MESSAGES.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}
