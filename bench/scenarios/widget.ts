// widget: gzip sizes of the loader and of the whole widget, and in headless Chromium, on a host
// page of another origin, the time from the page's load event until the launcher is on screen
// and until the chat is usable (launcher clicked as soon as it shows). Baseline: the same host
// page without the snippet. One agent is online, so the chat opens on the message box.
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { launchBrowser, type Browser } from "../../test/helpers/browser.ts";
import type { Harness } from "../harness.ts";
import { row, type ScenarioOutcome } from "../report.ts";
import { summarize } from "../stats.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DIST = path.join(root, "dist", "widget");

/** Runs in the host page before its own scripts: notes the first frame the launcher is laid out. */
const WATCH_LAUNCHER = `(() => {
  if (window.top !== window) return;
  const started = performance.now();
  const look = () => {
    const host = document.querySelector("parley-widget");
    const b = host && host.shadowRoot && host.shadowRoot.querySelector("button.l");
    if (b) {
      const r = b.getBoundingClientRect();
      const cs = getComputedStyle(b);
      if (r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none" && Number(cs.opacity) > 0) {
        window.__parleyLauncherAt = performance.now();
        return;
      }
    }
    if (performance.now() - started < 15000) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();`;

const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

interface PageTiming {
  loadEvent: number;
  launcherAfterLoad: number | null;
  usableAfterLoad: number | null;
  errors: string[];
  widgets: number;
}

async function loadPage(browser: Browser, url: string, withWidget: boolean): Promise<PageTiming> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.addInitScript(WATCH_LAUNCHER);
    await page.goto(url, { waitUntil: "load", timeout: 30_000 });
    const loadEvent = await page.evaluate(() => (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).loadEventStart);
    if (!withWidget) return { loadEvent, launcherAfterLoad: null, usableAfterLoad: null, errors, widgets: 0 };
    await page.waitForFunction(() => (window as { __parleyLauncherAt?: number }).__parleyLauncherAt !== undefined, undefined, { timeout: 15_000 });
    const launcherAt = await page.evaluate(() => (window as { __parleyLauncherAt?: number }).__parleyLauncherAt as number);
    await page.locator("parley-widget button.l").click({ timeout: 15_000 });
    const handle = await page.locator("parley-widget iframe").elementHandle({ timeout: 15_000 });
    const frame = await handle?.contentFrame();
    if (!frame) throw new Error("the chat iframe did not appear");
    await frame.locator("#parley-app .app .ft textarea").first().waitFor({ state: "visible", timeout: 15_000 });
    const usableAt = await page.evaluate(() => performance.now());
    const widgets = await page.locator("parley-widget").count();
    return { loadEvent, launcherAfterLoad: launcherAt - loadEvent, usableAfterLoad: usableAt - loadEvent, errors, widgets };
  } finally {
    await context.close();
  }
}

async function hostPages(pages: Record<string, string>): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const html = pages[(req.url ?? "/").split("?")[0]];
    if (req.url === "/favicon.ico") return void res.writeHead(204).end();
    res.writeHead(html === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    // localhost vs Parley's 127.0.0.1: a different origin, as on a real site.
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Our shop</h1><p>${"Products and prices. ".repeat(40)}</p>${body}</body></html>`;

export async function widget(h: Harness): Promise<ScenarioOutcome> {
  const manifestFile = path.join(DIST, "manifest.json");
  if (!existsSync(manifestFile)) {
    return { baseline: "empty host page", rows: [], delivery: null, failures: [], skipped: "dist/widget is not built (run npm run build)", details: {} };
  }
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { app: { js: string; css: string } };
  const loaderGz = gz(path.join(DIST, "widget.js"));
  const appGz = gz(path.join(DIST, manifest.app.js)) + gz(path.join(DIST, manifest.app.css));
  const fullGz = loaderGz + appGz;

  const runs = h.quick ? 1 : 10;
  const db = await h.database();
  const server = await h.startServer("widget", "parley", db);
  const pages: Record<string, string> = {};
  const host = await hostPages(pages);
  let browser: Browser | null = null;
  try {
    const siteKey = await server.child.call("createSite", { name: "Shop", origins: [host.origin] });
    pages["/empty"] = page("");
    pages["/shop"] = page(`<script async src="${server.url}/widget.js" data-parley-site="${siteKey}"></script>`);
    const [agent] = await server.child.call("seedAgents", { count: 1, maxChats: 10 });
    const [worker] = await h.workers();
    await worker.call("assignSetup", { url: server.url, siteKey, origin: server.url, agents: [agent], visitors: 0, timeoutMs: 30_000 });
    browser = await launchBrowser();
    const empty: PageTiming[] = [];
    const shop: PageTiming[] = [];
    // Alternate the two pages so background noise falls on both alike.
    for (let i = 0; i < runs; i++) {
      empty.push(await loadPage(browser, `${host.origin}/empty`, false));
      shop.push(await loadPage(browser, `${host.origin}/shop`, true));
    }
    const load = summarize(shop.map((t) => t.loadEvent));
    const loadEmpty = summarize(empty.map((t) => t.loadEvent));
    const launcher = summarize(shop.map((t) => t.launcherAfterLoad ?? NaN));
    const usable = summarize(shop.map((t) => t.usableAfterLoad ?? NaN));
    const errors = shop.flatMap((t) => t.errors);
    const failures: string[] = [];
    if (errors.length) failures.push(`console errors on the host page: ${[...new Set(errors)].slice(0, 3).join(" | ")}`);
    const doubled = shop.filter((t) => t.widgets !== 1).length;
    if (doubled) failures.push(`${doubled} page loads without exactly one widget`);
    return {
      baseline: "empty host page",
      rows: [
        row("loader gzip", "KB", loaderGz / 1024, null, "≤ 3 KB", loaderGz <= 3 * 1024),
        row("full widget gzip (loader + app JS + CSS)", "KB", fullGz / 1024, null, "≤ 30 KB", fullGz <= 30 * 1024),
        row(`host page load event (median of ${runs})`, "ms", load.p50, loadEmpty.p50),
        row("launcher visible after load, median", "ms", launcher.p50, null, "≤ 100 ms", h.quick ? null : launcher.p50 <= 100),
        row("launcher visible after load, max", "ms", launcher.max, null),
        row("chat usable after load (click at launcher), median", "ms", usable.p50, null),
        row("chat usable after load, max", "ms", usable.max, null),
      ],
      // Page loads with the widget: each must show exactly one launcher.
      delivery: { sent: runs, received: shop.filter((t) => t.launcherAfterLoad !== null).length, duplicates: shop.filter((t) => t.widgets > 1).length, lost: shop.filter((t) => t.launcherAfterLoad === null).length, errors: errors.length },
      failures,
      skipped: null,
      details: { runs, sizes: { loaderGz, appGz, fullGz, files: manifest }, load, loadEmpty, launcher, usable, pages: { empty, shop } },
    };
  } finally {
    await browser?.close();
    await host.close();
    await h.closeSockets();
    await server.stop();
    await db.drop();
  }
}
