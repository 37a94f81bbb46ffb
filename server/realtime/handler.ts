// Wraps a socket event: rate limit, authorize (the event's row of auth/policy.ts SOCKET_EVENTS,
// read at run time), validate (zod), run, ack. The only place that turns a thrown error into an
// error ack, so every event answers the same way.
import type { z } from "zod";
import type { Logger } from "../logger.ts";
import type { TokenBucket } from "../auth/rate-limit.ts";
import { authorizeEvent, type Principal } from "../auth/policy.ts";
import { DomainError, toErrorBody } from "../errors.ts";
import type { Ack } from "../protocol.ts";
import { illFormedPath } from "../well-formed-text.ts";

export interface HandlerContext {
  bucket: TokenBucket;
  log: Logger;
  event: string;
  /** the namespace and the connection's caller, for the policy gate */
  nsp: "agent" | "visitor";
  principal: Principal;
}

export function formatZodError(err: z.ZodError): string {
  const first = err.issues[0];
  if (!first) return "Invalid payload";
  const where = first.path.length ? first.path.join(".") : "payload";
  return `${where}: ${first.message}`;
}

/**
 * Returns a Socket.IO listener. `args` are whatever the client sent: the payload may be missing
 * or anything at all, and the ack may be absent (then errors are only logged at debug).
 */
export function handle<S extends z.ZodType, R>(
  ctx: HandlerContext,
  schema: S,
  run: (input: z.infer<S>) => Promise<R>,
): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const last = args[args.length - 1];
    const ack = typeof last === "function" ? (last as (r: Ack<R>) => void) : undefined;
    const payload = ack && args.length < 2 ? undefined : args[0];
    const reply = (r: Ack<R>) => {
      if (ack) ack(r);
    };
    if (!ctx.bucket.take()) {
      reply({ ok: false, error: { code: "rate_limited", message: "Too many requests; slow down" } });
      return;
    }
    try {
      authorizeEvent(ctx.principal, ctx.nsp, ctx.event);
    } catch (err) {
      if (!(err instanceof DomainError)) ctx.log.error({ err, event: ctx.event }, "socket event refused");
      reply({ ok: false, error: toErrorBody(err) });
      return;
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      reply({ ok: false, error: { code: "bad_request", message: formatZodError(parsed.error) } });
      return;
    }
    const bad = illFormedPath(parsed.data);
    if (bad !== null) {
      reply({ ok: false, error: { code: "bad_request", message: `${bad}: text is not valid Unicode (or holds a NUL character)` } });
      return;
    }
    run(parsed.data).then(
      (data) => reply({ ok: true, data }),
      (err: unknown) => {
        if (!(err instanceof DomainError)) ctx.log.error({ err, event: ctx.event }, "socket handler failed");
        reply({ ok: false, error: toErrorBody(err) });
      },
    );
  };
}
