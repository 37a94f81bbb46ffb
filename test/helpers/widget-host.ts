// Widget browser tests: a host page on a different origin than Parley (a tiny HTTP server on
// 127.0.0.1, reached as http://localhost:PORT while Parley is http://127.0.0.1:PORT), a site
// that allows it, and handles on the launcher and the chat iframe.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Frame, Page } from "playwright-core";
import { addSite, type TestServer } from "./server.ts";

export interface HostPages {
  origin: string;
  url(path?: string): string;
  /** sets the HTML served at `path` */
  set(path: string, html: string): void;
  close(): Promise<void>;
}

export async function startHostPages(): Promise<HostPages> {
  const pages = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    // Browsers ask for a favicon on their own; a 404 would show up as a console error.
    if (path === "/favicon.ico") return void res.writeHead(204).end();
    const html = pages.get(path);
    res.writeHead(html === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path = "/") => origin + path,
    set: (path, html) => void pages.set(path, html),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A host page with the embed snippet (and whatever the test puts before it). */
export function hostHtml(parleyUrl: string, siteKey: string, opts: { head?: string; body?: string } = {}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>${opts.head ?? ""}</head><body><h1>Our shop</h1>${opts.body ?? ""}
<script async src="${parleyUrl}/widget.js" data-parley-site="${siteKey}"></script></body></html>`;
}

/** A site that allows the host pages' origin, for `server`. */
export async function hostSite(server: TestServer, host: HostPages, settings?: object) {
  const site = await addSite(server, "Shop", [host.origin]);
  if (settings) await server.app.database.prisma.site.update({ where: { id: site.id }, data: { settings: JSON.stringify(settings) } });
  return site;
}

export const launcher = (page: Page) => page.locator("parley-widget button.l");

/** The chat iframe's frame, once it has loaded. */
export async function chatFrame(page: Page): Promise<Frame> {
  const handle = await page.locator("parley-widget iframe").elementHandle();
  const frame = await handle?.contentFrame();
  if (!frame) throw new Error("no chat iframe");
  await frame.waitForSelector("#parley-app .app");
  return frame;
}

/** Opens the widget from the launcher and returns the chat frame. */
export async function openChat(page: Page): Promise<Frame> {
  await launcher(page).click();
  return chatFrame(page);
}
