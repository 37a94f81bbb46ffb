// Errors the domain raises on purpose. Anything else reaching an adapter is "internal" and is
// answered with a generic message (the details go to the log only).
import type { ErrorBody, ErrorCode } from "./protocol.ts";
import { isDatabaseUnavailable } from "./db/unavailable.ts";

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof DomainError) return { code: err.code, message: err.message };
  // The database is down: the client keeps the message in its outbox and retries.
  if (isDatabaseUnavailable(err)) return { code: "unavailable", message: "Service temporarily unavailable; retry later" };
  return { code: "internal", message: "Something went wrong on our side. Please try again." };
}
