// The built widget files (dist/widget, written by widget/build.mjs): the app's hashed file names
// from the build manifest, and gzip copies served to browsers that accept them.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { NextFunction, Request, Response } from "express";
import { DIST } from "./static-routes.ts";
import type { AppAssets } from "./widget-pages.ts";

export const WIDGET_DIR = path.join(DIST, "widget");
const ASSET = /^[A-Za-z0-9_.-]+\.(js|css)$/;
const TYPES: Record<string, string> = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };

let cached: { mtimeMs: number; assets: AppAssets } | null = null;

/** The app's file names, or null before `npm run build`. Re-read when the build changes. */
export function appAssets(dir = WIDGET_DIR): AppAssets | null {
  const file = path.join(dir, "manifest.json");
  if (!existsSync(file)) return null;
  const mtimeMs = statSync(file).mtimeMs;
  if (cached?.mtimeMs !== mtimeMs) {
    const m = JSON.parse(readFileSync(file, "utf8")) as { app?: { js?: unknown; css?: unknown }; catalogues?: unknown };
    if (typeof m.app?.js !== "string" || typeof m.app.css !== "string") return null;
    const catalogues: Record<string, string> = {};
    if (typeof m.catalogues === "object" && m.catalogues !== null) {
      for (const [locale, f] of Object.entries(m.catalogues)) if (typeof f === "string" && ASSET.test(f)) catalogues[locale] = f;
    }
    cached = { mtimeMs, assets: { js: m.app.js, css: m.app.css, catalogues } };
  }
  return cached.assets;
}

export function acceptsGzip(req: Request): boolean {
  return /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
}

/**
 * Serves `name`'s precompressed copy when there is one and the browser takes gzip; otherwise
 * leaves the request to the plain static files.
 */
export function sendPrecompressed(req: Request, res: Response, next: NextFunction, name: string, cacheControl: string): void {
  const match = ASSET.exec(name);
  const gz = path.join(WIDGET_DIR, name + ".gz");
  if (!match || !acceptsGzip(req) || !existsSync(gz)) return next();
  res.setHeader("Content-Type", TYPES[match[1]]);
  res.setHeader("Content-Encoding", "gzip");
  res.setHeader("Vary", "Accept-Encoding");
  res.setHeader("Cache-Control", cacheControl);
  res.sendFile(gz);
}

/** Hashed build outputs (app.<hash>.js) never change, so browsers may keep them for good. */
export function isHashed(name: string): boolean {
  return /\.[A-Z0-9]{8,}\.(js|css)$/i.test(name);
}
