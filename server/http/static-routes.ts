// Browser assets built into dist/ by `npm run build`: the widget and the console.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router } from "express";
import helmet from "helmet";

export const DIST = fileURLToPath(new URL("../../dist/", import.meta.url));

/**
 * The console page's policy: helmet's defaults, plus blob: images so a pasted or picked image
 * previews in the upload tray before it is sent. Attachments themselves are same-origin URLs
 * ('self' for img-src and media-src); nothing else is widened.
 */
const consoleCsp = helmet.contentSecurityPolicy({
  directives: { ...helmet.contentSecurityPolicy.getDefaultDirectives(), "img-src": ["'self'", "data:", "blob:"], "media-src": ["'self'"] },
});

export function staticRoutes(): Router {
  const r = Router();
  const widgetDir = path.join(DIST, "widget");
  const consoleDir = path.join(DIST, "console");
  r.get("/widget.js", (_req, res, next) => {
    const file = path.join(widgetDir, "widget.js");
    if (!existsSync(file)) return next();
    // Short cache: the loader is the one URL site owners embed; the app files it loads are hashed.
    res.setHeader("Cache-Control", "public, max-age=300");
    res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
    res.sendFile(file);
  });
  r.use("/widget", express.static(widgetDir, { index: false, maxAge: "1h" }));
  r.use("/console", consoleCsp);
  r.use("/console", express.static(consoleDir, { index: "index.html" }));
  r.get(/^\/console(\/.*)?$/, (_req, res, next) => {
    const index = path.join(consoleDir, "index.html");
    if (!existsSync(index)) return next();
    res.sendFile(index);
  });
  return r;
}
