// Attachments over HTTP (docs/attachments.md). Upload: the raw request body is the file, read as
// a stream and refused with 413 the moment it passes the site's limit, so a client can never make
// the server hold more than maxBytes per upload; a per-process cap on concurrent uploads bounds
// the total. Download: served inert (nosniff, a sandboxing CSP, `attachment` for anything that is
// not an image or audio), so an uploaded document can never run script on Parley's origin.
import { Router, type Request, type Response } from "express";
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { hashToken } from "../auth/tokens.ts";
import type { Principal } from "../auth/policy.ts";
import { DomainError } from "../errors.ts";
import { prepareUpload, readAttachment, storeAttachment, type UploadLimits } from "../attachments/service.ts";
import { contentDispositionName } from "../attachments/names.ts";
import type { BlobReader } from "../attachments/blobs.ts";
import { z } from "zod";
import { callerOf, visitorTokenOf } from "./authn.ts";
import { parseBody, route } from "./routes-kit.ts";

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The upload's query string (docs/attachments.md); the body is the file itself. */
const uploadQuery = z.object({
  conversationId: z.string({ error: "conversationId is required" }).regex(ID, "conversationId is not a conversation id"),
  name: z.string({ error: "name is required" }).min(1, "name is required").max(1000, "name may be at most 1000 characters"),
  durationMs: z
    .string()
    .regex(/^\d{1,9}$/, "durationMs must be a whole number of milliseconds")
    .transform(Number)
    .optional(),
});
export const ATTACHMENT_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";
/** after a 413 the rest of the body is not read; the connection is closed after this grace */
const REFUSED_BODY_GRACE_MS = 2000;

/** A visitor token (the widget's), an agent session or an API token (downloads only, with conversations:read; checked downstream). */
async function principalOf(db: Db, req: Request): Promise<Principal> {
  const token = visitorTokenOf(req);
  if (token) {
    const v = await db.visitor.findUnique({ where: { tokenHash: hashToken(token) }, select: { id: true, siteId: true, externalId: true } });
    if (!v) throw new DomainError("unauthorized", "Unknown visitor token");
    return { kind: "visitor", siteId: v.siteId, visitorId: v.id, identified: v.externalId !== null };
  }
  const caller = await callerOf(db, req);
  if (!caller) return { kind: "anonymous" };
  return caller.kind === "agent" ? caller : { kind: "token", scopes: caller.scopes };
}

/** Stops reading a refused body: the client has its answer; the connection goes after a grace. */
function dropBody(req: Request, res: Response): void {
  req.pause();
  res.on("finish", () => setTimeout(() => req.socket.destroy(), REFUSED_BODY_GRACE_MS).unref());
}

/**
 * The body; "too_large" as soon as it passes `max` (reading stops there: nothing more is
 * buffered); null when the client went away. Event listeners rather than `for await`, because
 * leaving an async iterator destroys the socket before the 413 could reach the client.
 */
function readBounded(req: Request, max: number): Promise<Buffer<ArrayBuffer> | "too_large" | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (result: Buffer<ArrayBuffer> | "too_large" | null) => {
      req.off("data", onData).off("end", onEnd).off("error", onGone).off("close", onGone);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > max) {
        req.pause();
        finish("too_large");
      } else chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks, total));
    const onGone = () => finish(null);
    req.on("data", onData).on("end", onEnd).on("error", onGone).on("close", onGone);
  });
}

export function attachmentRoutes(db: Db, log: Logger, limits: UploadLimits, readBlob: BlobReader): Router {
  const r = Router();
  let inFlight = 0;
  let downloadsInFlight = 0;

  r.post(
    "/attachments",
    route(async (req, res) => {
      // Who first: an anonymous or foreign caller learns nothing about the input's validity.
      const principal = await principalOf(db, req);
      if (principal.kind === "anonymous") throw new DomainError("unauthorized", "Send the visitor token or sign in");
      if (principal.kind === "token") throw new DomainError("forbidden", "Attachments are uploaded by a conversation's visitor or an agent");
      const { conversationId, name, durationMs } = parseBody(uploadQuery, req.query);
      const declared = Number(req.headers["content-length"] ?? NaN);
      const target = await prepareUpload(db, principal, { conversationId, ip: req.ip ?? "", declaredBytes: Number.isSafeInteger(declared) && declared > 0 ? declared : undefined }, limits);
      if (declared > target.settings.maxBytes) {
        res.setHeader("Connection", "close");
        dropBody(req, res);
        throw new DomainError("too_large", `Files may be at most ${target.settings.maxBytes} bytes`);
      }
      if (inFlight >= limits.concurrency) {
        res.setHeader("Retry-After", "1");
        res.setHeader("Connection", "close");
        dropBody(req, res);
        throw new DomainError("rate_limited", "The server is busy receiving other files; retry in a moment");
      }
      inFlight++;
      try {
        const started = Date.now();
        const data = await readBounded(req, target.settings.maxBytes);
        if (data === null) return; // the client aborted the upload: nobody is left to answer
        if (data === "too_large") {
          res.setHeader("Connection", "close");
          dropBody(req, res);
          throw new DomainError("too_large", `Files may be at most ${target.settings.maxBytes} bytes`);
        }
        const attachment = await storeAttachment(db, target, { name, durationMs: durationMs ?? null, data });
        log.info({ attachmentId: attachment.id, conversationId, uploader: target.uploader.kind, mime: attachment.mime, size: attachment.size, ms: Date.now() - started }, "attachment uploaded");
        res.status(201).json({ attachment });
      } finally {
        inFlight--;
      }
    }),
  );

  r.get(
    "/attachments/:id",
    route(async (req, res) => {
      const id = String(req.params.id);
      if (!ID.test(id)) throw new DomainError("not_found", "No such attachment");
      // A download holds its whole file (and, while reading, its hex text: ~3× the size) until
      // sent: a per-process cap bounds that memory (40 parallel 10 MiB downloads were ~300 MB).
      if (downloadsInFlight >= limits.downloadConcurrency) {
        res.setHeader("Retry-After", "1");
        throw new DomainError("rate_limited", "The server is busy sending other files; retry in a moment");
      }
      downloadsInFlight++;
      let released = false;
      const release = () => {
        if (!released) downloadsInFlight--;
        released = true;
      };
      // "finish": the last byte is with the OS; "close": the client went away first
      res.once("finish", release).once("close", release);
      const { dto, data } = await readAttachment(db, await principalOf(db, req), id, readBlob);
      const inline = (dto.kind === "image" || dto.kind === "audio") && req.query.download !== "1";
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("Content-Security-Policy", ATTACHMENT_CSP);
      res.setHeader("Content-Type", dto.mime === "text/plain" ? "text/plain; charset=utf-8" : dto.mime);
      res.setHeader("Content-Disposition", inline ? "inline" : `attachment; filename*=${contentDispositionName(dto.name)}`);
      res.setHeader("Cache-Control", "private, max-age=86400");
      res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
      res.setHeader("Content-Length", String(data.length));
      res.end(data);
    }),
  );
  return r;
}
