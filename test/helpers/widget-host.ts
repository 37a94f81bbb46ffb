// Widget browser tests: a host page on a different origin than Parley (a tiny HTTP server on
// 127.0.0.1, reached as http://localhost:PORT while Parley is http://127.0.0.1:PORT), a site
// that allows it, and handles on the launcher and the chat iframe.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContextOptions, Frame, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { launchBrowser, type Browser, type BrowserContext, type LaunchOptions } from "./browser.ts";
import { closeAllClients } from "./clients.ts";
import { addSite, startServer, type TestServer } from "./server.ts";

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

/**
 * One browser per test file, and per test whatever it starts (servers, host pages, contexts,
 * proxies), closed after each test, failed or not, newest first.
 */
export function useWidgetEnv(launch: LaunchOptions = {}) {
  let browser: Browser | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    browser = await launchBrowser(launch);
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    closeAllClients();
    for (const close of cleanups.splice(0).reverse()) await close();
  });
  const track = <T>(value: T, close: () => Promise<void> | void): T => {
    cleanups.push(close);
    return value;
  };
  const env = {
    track,
    get browser(): Browser {
      if (!browser) throw new Error("the browser is not up yet");
      return browser;
    },
    async server(opts?: Parameters<typeof startServer>[0]): Promise<TestServer> {
      const server = await startServer(opts);
      return track(server, () => server.close());
    },
    async hostPages(): Promise<HostPages> {
      const host = await startHostPages();
      return track(host, () => host.close());
    },
    async context(options?: BrowserContextOptions): Promise<BrowserContext> {
      const context = await env.browser.newContext(options);
      context.setDefaultTimeout(15_000);
      return track(context, () => context.close());
    },
    /** Parley, a host page on another origin embedding the snippet, a site allowing it, a page. */
    async setup(opts: { settings?: object; head?: string; body?: string; context?: BrowserContextOptions } = {}) {
      const server = await env.server();
      const host = await env.hostPages();
      const site = await hostSite(server, host, opts.settings);
      host.set("/", hostHtml(server.url, site.key, { head: opts.head, body: opts.body }));
      const context = await env.context(opts.context);
      const page = await context.newPage();
      return { server, host, site, context, page };
    },
  };
  return env;
}

/** Types a message into the chat's message box and sends it with Enter, as a visitor does. */
export async function say(frame: Frame, text: string): Promise<void> {
  await frame.locator("textarea").fill(text);
  await frame.locator("textarea").press("Enter");
}
