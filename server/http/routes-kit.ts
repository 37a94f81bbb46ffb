// JSON error responses with stable codes; unknown errors become a generic 500.
import type { NextFunction, Request, Response } from "express";
import type { z } from "zod";
import { DomainError, toErrorBody } from "../errors.ts";
import type { ErrorCode } from "../protocol.ts";
import { formatZodError } from "../realtime/handler.ts";
import { illFormedPath } from "../well-formed-text.ts";
import type { Db } from "../db/client.ts";
import { requireAgent, type Caller } from "./authn.ts";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  blocked: 403,
  too_large: 413,
  unsupported_type: 415,
  not_eligible: 409,
  unavailable: 503,
  internal: 500,
};

export function sendError(res: Response, code: ErrorCode, message: string): void {
  res.status(STATUS[code]).json({ error: { code, message } });
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new DomainError("bad_request", formatZodError(parsed.error));
  const bad = illFormedPath(parsed.data);
  if (bad !== null) throw new DomainError("bad_request", `${bad}: text is not valid Unicode (or holds a NUL character)`);
  return parsed.data;
}

/** Wraps an async route so a thrown error reaches the error handler. */
export function route(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };
}

export function errorHandler(log: { error: (o: object, m: string) => void }) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number };
    // body-parser's own errors: oversize and malformed JSON are the client's fault.
    if (e.type === "entity.too.large") return sendError(res, "too_large", "Request body too large");
    if (e.type === "entity.parse.failed" || e.status === 400) return sendError(res, "bad_request", "Malformed JSON body");
    if (!(err instanceof DomainError)) log.error({ err }, "http handler failed");
    const body = toErrorBody(err);
    sendError(res, body.code, body.message);
  };
}

/** A route that needs a signed-in agent. */
export function requireAgentRoute(
  db: Db,
  fn: (caller: Extract<Caller, { kind: "agent" }>, req: Request, res: Response) => Promise<void>,
) {
  return route(async (req, res) => fn(await requireAgent(db, req), req, res));
}
