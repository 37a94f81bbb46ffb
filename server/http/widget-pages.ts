// HTML the server writes for the widget: the iframe page that hosts the chat app, and /demo.
// Values go in escaped (attributes, text) or as JSON made safe to sit inside a <script> block.
import type { WidgetBootDto } from "../protocol.ts";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end its <script> element or open a comment, whatever strings it holds. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export interface AppAssets {
  js: string;
  css: string;
  /** locale → hashed catalogue file, loaded by the app only for the language it shows */
  catalogues: Record<string, string>;
}

export function framePage(boot: WidgetBootDto, assets: AppAssets): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(boot.siteName)}</title><link rel="stylesheet" href="/widget/${escapeHtml(assets.css)}">` +
    `<script defer src="/widget/${escapeHtml(assets.js)}"></script></head><body>` +
    `<script type="application/json" id="parley-boot">${scriptJson(boot)}</script><div id="parley-app"></div></body></html>`
  );
}

/** The Content-Security-Policy of the iframe page: only Parley itself, framed only by the site. */
export function frameCsp(ancestors: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    // blob: the chat shows attachments it fetched with the visitor's bearer token
    "img-src 'self' data: blob:",
    "media-src blob:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors 'self'${ancestors.map((a) => " " + a).join("")}`,
  ].join("; ");
}

export function demoPage(input: { siteKey: string; snippet: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Parley demo</title>
<link rel="icon" href="data:,">
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#1b1b1f}
pre{background:#f3f3f6;padding:1rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all;border-radius:6px}
code{font-size:.9em}
</style></head><body>
<main>
<h1>Parley demo</h1>
<p>This page stands in for your website. The chat button in the bottom corner is the Parley widget, loaded by the snippet below. Open it and send a message, then answer it from the <a href="/console/">agent console</a>.</p>
<p>To put the widget on your own site, add the site in the console (or with <code>parley site add</code>) and paste its snippet before <code>&lt;/body&gt;</code>:</p>
<pre><code>${escapeHtml(input.snippet)}</code></pre>
</main>
<script async src="/widget.js" data-parley-site="${escapeHtml(input.siteKey)}"></script>
</body></html>
`;
}

export const DEMO_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
