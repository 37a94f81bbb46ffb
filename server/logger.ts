// Structured logs. Anything that could carry a secret or a customer's words is redacted, so a
// careless log call cannot leak them at any level.
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

export const REDACT_PATHS = [
  "password",
  "*.password",
  "token",
  "*.token",
  "body",
  "*.body",
  "cookie",
  "*.cookie",
  "req.headers.cookie",
  "req.headers.authorization",
  "headers.cookie",
  "headers.authorization",
  "secret",
  "*.secret",
];

/** `destination` defaults to stdout; tests pass a stream to read what would be written. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { app: "parley" }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } };
  return destination ? pino(options, destination) : pino(options);
}
