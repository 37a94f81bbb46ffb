// HTTP for the widget: its public config (CORS), the iframe page with its CSP, the gzip copies
// of its files, and /demo, a host page with the Demo site's snippet.
import { gzipSync } from "node:zlib";
import { Router, type Request, type Response } from "express";
import { z } from "zod";
import type { Db } from "../db/client.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { normalizeOrigin, requestOrigin } from "../auth/origins.ts";
import { TokenBucket } from "../auth/rate-limit.ts";
import { DomainError } from "../errors.ts";
import type { WidgetBootDto } from "../protocol.ts";
import { DEMO_SITE_NAME, embedSnippet } from "../sites/service.ts";
import { siteForOrigin, widgetConfig } from "../sites/widget-config.ts";
import { acceptsGzip, appAssets, isHashed, sendPrecompressed } from "./widget-assets.ts";
import { DEMO_CSP, demoPage, escapeHtml, frameCsp, framePage } from "./widget-pages.ts";
import { route, sendError } from "./routes-kit.ts";

const siteKey = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "a site key");

function parseKey(req: Request): string {
  const parsed = siteKey.safeParse(req.params.siteKey);
  if (!parsed.success) throw new DomainError("bad_request", "siteKey: not a site key");
  return parsed.data;
}

/** Per-address budget for the public endpoints: generous for real pages, a brake for floods. */
function limiter(burst: number, perSecond: number) {
  const buckets = new Map<string, TokenBucket>();
  return (req: Request): boolean => {
    const key = req.ip ?? "unknown";
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size > 10_000) buckets.clear();
      buckets.set(key, (bucket = new TokenBucket(burst, perSecond)));
    }
    return bucket.take();
  };
}

function sendHtml(req: Request, res: Response, status: number, html: string): void {
  res.status(status).setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Vary", "Accept-Encoding");
  if (acceptsGzip(req)) {
    res.setHeader("Content-Encoding", "gzip");
    res.end(gzipSync(html));
  } else res.end(html);
}

export function widgetRoutes(db: Db, config: Config, log: Logger): Router {
  const r = Router();
  const allow = limiter(60, 5);

  r.options("/api/v1/widget/config/:siteKey", (req, res) => {
    res.setHeader("Access-Control-Allow-Origin", req.headers.origin ?? "*");
    res.setHeader("Access-Control-Allow-Methods", "GET");
    res.setHeader("Vary", "Origin");
    res.status(204).end();
  });

  r.get(
    "/api/v1/widget/config/:siteKey",
    route(async (req, res) => {
      // Readable from any page: a page that may not embed the site must still learn why, so the
      // loader can say so in the console. The answer holds nothing private.
      res.setHeader("Access-Control-Allow-Origin", req.headers.origin ?? "*");
      res.setHeader("Vary", "Origin");
      res.setHeader("Cache-Control", "no-store");
      res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
      if (!allow(req)) throw new DomainError("rate_limited", "Too many requests; slow down");
      // Parley's own pages (/demo, the iframe) ask same-origin, without an Origin header.
      const found = await siteForOrigin(db, parseKey(req), requestOrigin(req.headers.origin, req.headers.referer, req.headers.host), req.headers.host);
      if (!found.ok) {
        log.info({ origin: req.headers.origin, code: found.config.code }, "widget refused for this page");
        res.json(found.config);
        return;
      }
      res.json(await widgetConfig(db, found.site, req.headers["accept-language"]));
    }),
  );

  r.get(
    "/widget/frame/:siteKey",
    route(async (req, res) => {
      if (!allow(req)) throw new DomainError("rate_limited", "Too many requests; slow down");
      res.setHeader("Cache-Control", "no-store");
      const hostOrigin = normalizeOrigin(String(req.query.origin ?? ""));
      const found = hostOrigin ? await siteForOrigin(db, parseKey(req), hostOrigin, req.headers.host) : null;
      const assets = appAssets();
      if (!found?.ok || !assets) {
        res.setHeader("Content-Security-Policy", "default-src 'none'");
        const why = !found ? "The embedding page's origin is missing." : !found.ok ? found.config.message : "The widget is not built: run npm run build.";
        sendHtml(req, res, !found || !found.ok ? 403 : 503, `<!doctype html><meta charset="utf-8"><title>Parley</title><p>${escapeHtml(why)}</p>`);
        return;
      }
      const config = await widgetConfig(db, found.site);
      if (!config.enabled) throw new DomainError("internal", "widget config disabled for an allowed site");
      const boot: WidgetBootDto = {
        siteKey: found.site.key,
        siteName: config.siteName,
        hostOrigin: hostOrigin as string,
        settings: config.settings,
        foreground: config.foreground,
        online: config.online,
        catalogues: assets.catalogues,
      };
      // helmet's defaults forbid framing; this page exists to be framed, by the site's origins only.
      res.removeHeader("X-Frame-Options");
      // Its own requests must say where they come from (see requestOrigin); others learn nothing.
      res.setHeader("Referrer-Policy", "same-origin");
      res.setHeader("Content-Security-Policy", frameCsp(found.site.allowedOrigins));
      res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
      sendHtml(req, res, 200, framePage(boot, assets));
    }),
  );

  r.get("/widget.js", (req, res, next) => {
    res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
    // Short cache: the loader is the one URL site owners embed; the app files it loads are hashed.
    sendPrecompressed(req, res, next, "widget.js", "public, max-age=300");
  });
  r.get("/widget/:file", (req, res, next) => {
    const file = String(req.params.file);
    sendPrecompressed(req, res, next, file, isHashed(file) ? "public, max-age=31536000, immutable" : "public, max-age=300");
  });

  r.get(
    "/demo",
    route(async (req, res) => {
      const demo = await db.site.findFirst({ where: { name: DEMO_SITE_NAME }, orderBy: { createdAt: "asc" } });
      if (!demo) return sendError(res, "not_found", "There is no Demo site in this database");
      res.setHeader("Content-Security-Policy", DEMO_CSP);
      res.setHeader("Referrer-Policy", "same-origin");
      sendHtml(req, res, 200, demoPage({ siteKey: demo.key, snippet: embedSnippet(config.publicUrl, demo.key) }));
    }),
  );
  return r;
}
