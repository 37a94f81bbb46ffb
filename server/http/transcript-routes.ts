// Transcript downloads: one conversation in json/csv/txt/html, and the streamed bulk export.
// Callers: an agent session or an API token with transcripts:read; a visitor (their own
// conversation, TXT only) with `Authorization: Bearer v_...` from the site's own pages, which is
// why that one route answers CORS for the site's allowed origins.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Router, type Request, type Response } from "express";
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { normalizeOrigin, originAllowed } from "../auth/origins.ts";
import { allowedOriginsOf } from "../sites/service.ts";
import { visitorByToken } from "../visitors/service.ts";
import { DomainError } from "../errors.ts";
import { authorizeTranscript, hasTranscriptScope, TRANSCRIPT_SCOPE, type TranscriptReader } from "../transcripts/access.ts";
import { CONTENT_TYPES, isTranscriptFormat, TRANSCRIPT_FORMATS, type TranscriptFormat } from "../transcripts/formats.ts";
import { buildTranscript } from "../transcripts/json.ts";
import { transcriptCsv } from "../transcripts/csv.ts";
import { transcriptText } from "../transcripts/txt.ts";
import { transcriptHtml, TRANSCRIPT_HTML_CSP } from "../transcripts/html.ts";
import { parseExportQuery, planExport } from "../transcripts/export-filter.ts";
import { countingMessages, csvChunks, exportTranscripts, ndjsonChunks, type ExportEvent } from "../transcripts/export-stream.ts";
import { withAbsoluteUrls } from "../attachments/dto.ts";
import { callerOf, visitorTokenOf as visitorToken } from "./authn.ts";
import { route } from "./routes-kit.ts";

export { TRANSCRIPT_SCOPE };

const ID = /^[A-Za-z0-9_-]{1,64}$/;

async function staffReader(db: Db, req: Request): Promise<TranscriptReader> {
  if (visitorToken(req)) throw new DomainError("forbidden", "Visitors can download only their own plain-text transcript");
  const caller = await callerOf(db, req);
  if (!caller) throw new DomainError("unauthorized", "Sign in or send an API token");
  if (caller.kind === "token" && !hasTranscriptScope(caller.scopes)) throw new DomainError("forbidden", `This token lacks the ${TRANSCRIPT_SCOPE} scope`);
  return caller;
}

/** CORS for a site's own pages: the allowed origin is echoed, nothing else is. */
function allowSiteOrigin(req: Request, res: Response, site: { allowedOrigins: string }): boolean {
  res.append("Vary", "Origin");
  const origin = req.headers.origin;
  if (!origin || !originAllowed(origin, allowedOriginsOf(site))) return false;
  res.setHeader("Access-Control-Allow-Origin", origin);
  res.setHeader("Access-Control-Expose-Headers", "Content-Disposition");
  return true;
}

function sameOrigin(req: Request, origin: string): boolean {
  return normalizeOrigin(origin) !== null && new URL(origin).host === req.headers.host;
}

function download(res: Response, format: TranscriptFormat | "ndjson", filename: string, inline = false): void {
  res.setHeader("Content-Type", CONTENT_TYPES[format]);
  res.setHeader("Content-Disposition", `${inline ? "inline" : "attachment"}; filename="${filename}"`);
  res.setHeader("Cache-Control", "no-store");
}

/** JSON and HTML leave Parley: their attachment links are absolute, on `publicUrl`. */
async function* absoluteAttachmentUrls(events: AsyncIterable<ExportEvent>, publicUrl: string): AsyncGenerator<ExportEvent> {
  for await (const e of events) yield e.kind === "messages" ? { ...e, messages: withAbsoluteUrls(e.messages, publicUrl) } : e;
}

export function transcriptRoutes(db: Db, log: Logger, publicUrl = ""): Router {
  const r = Router();

  const findConversation = (id: string) =>
    ID.test(id)
      ? db.conversation.findUnique({ where: { id }, select: { id: true, siteId: true, visitorId: true, site: { select: { allowedOrigins: true } } } })
      : Promise.resolve(null);

  // Preflight for the widget's `Authorization` header. Only an origin the conversation's site
  // allows gets an answer a browser accepts.
  r.options(
    "/conversations/:id/transcript.txt",
    route(async (req, res) => {
      const conv = await findConversation(String(req.params.id));
      if (conv && allowSiteOrigin(req, res, conv.site)) {
        res.setHeader("Access-Control-Allow-Methods", "GET");
        res.setHeader("Access-Control-Allow-Headers", "Authorization");
        res.setHeader("Access-Control-Max-Age", "600");
      }
      res.status(204).end();
    }),
  );

  r.get(
    "/conversations/:id/transcript.:format",
    route(async (req, res) => {
      const format = String(req.params.format);
      if (!isTranscriptFormat(format)) {
        throw new DomainError("bad_request", `Unknown transcript format "${format.slice(0, 20)}": use ${TRANSCRIPT_FORMATS.join(", ")}`);
      }
      const id = String(req.params.id);
      const token = visitorToken(req);
      let reader: TranscriptReader;
      let conv: Awaited<ReturnType<typeof findConversation>>;
      if (token) {
        conv = await findConversation(id);
        if (!conv) throw new DomainError("not_found", "No such conversation");
        if (format === "txt") allowSiteOrigin(req, res, conv.site);
        const origin = req.headers.origin;
        if (origin && !sameOrigin(req, origin) && !originAllowed(origin, allowedOriginsOf(conv.site))) {
          throw new DomainError("forbidden", "This origin may not read transcripts of this site");
        }
        const visitor = await visitorByToken(db, conv.siteId, token);
        if (!visitor) throw new DomainError("unauthorized", "Unknown visitor token");
        reader = { kind: "visitor", visitorId: visitor.id, siteId: visitor.siteId };
      } else {
        const caller = await callerOf(db, req);
        if (!caller) throw new DomainError("unauthorized", "Sign in or send an API token");
        reader = caller;
        // Scope first, so a token without it cannot even learn which conversation ids exist.
        if (caller.kind === "token" && !hasTranscriptScope(caller.scopes)) throw new DomainError("forbidden", `This token lacks the ${TRANSCRIPT_SCOPE} scope`);
        conv = await findConversation(id);
        if (!conv) throw new DomainError("not_found", "No such conversation");
      }
      const grant = await authorizeTranscript(db, reader, conv, format, req.query.notes === "1");
      const built = await buildTranscript(db, conv.id, { notes: grant.notes });
      const transcript = format === "json" || format === "html" ? { ...built, messages: withAbsoluteUrls(built.messages, publicUrl) } : built;
      const filename = `transcript-${conv.id}.${format}`;
      switch (format) {
        case "json":
          download(res, format, filename);
          res.send(JSON.stringify(transcript));
          return;
        case "csv":
          download(res, format, filename);
          res.send(transcriptCsv(transcript, { bom: req.query.bom === "1" }));
          return;
        case "txt":
          download(res, format, filename);
          res.send(transcriptText(transcript, grant.audience));
          return;
        case "html":
          // Inline, so it opens in the browser ready to print (or save as PDF).
          download(res, format, filename, true);
          res.setHeader("Content-Security-Policy", TRANSCRIPT_HTML_CSP);
          res.send(transcriptHtml(transcript, grant.audience));
          return;
      }
    }),
  );

  r.get(
    "/transcripts/export",
    route(async (req, res) => {
      const reader = await staffReader(db, req);
      const plan = await planExport(db, parseExportQuery(req.query), reader);
      const started = Date.now();
      let messages = 0;
      const events = countingMessages(exportTranscripts(db, plan), (n) => (messages += n));
      const chunks = plan.format === "csv" ? csvChunks(events, { bom: plan.bom }) : ndjsonChunks(absoluteAttachmentUrls(events, publicUrl));
      download(res, plan.format, `parley-export-${new Date().toISOString().slice(0, 10)}.${plan.format}`);
      try {
        // pipeline waits on the socket's backpressure and ends the generator if the client leaves;
        // byte mode keeps at most one chunk queued ahead of the socket.
        await pipeline(Readable.from(chunks, { objectMode: false }), res);
      } catch (err) {
        // The status line is long gone: a failure can only cut the response short, which the
        // client sees as an incomplete download rather than a truncated "success".
        if ((err as { code?: string }).code === "ERR_STREAM_PREMATURE_CLOSE") log.debug({ messages }, "transcript export aborted by the client");
        else log.error({ err, messages }, "transcript export failed mid-stream");
        res.destroy();
        return;
      }
      log.info({ caller: reader.kind, format: plan.format, messages, ms: Date.now() - started }, "transcripts exported");
    }),
  );
  return r;
}
