// The widget's size budget and start-up, measured for real: the gzip size of the built files, and
// what Chromium actually downloads from Parley to show the launcher, open the chat and send a
// message (loader ≤ 3 KB, all of it ≤ 30 KB); time from navigation to the launcher; no layout
// shift on the host page. The figures are printed with every run.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { expect, it } from "vitest";
import type { ConversationSummaryDto } from "../../server/protocol.ts";
import { appAssets, WIDGET_DIR } from "../../server/http/widget-assets.ts";
import { onlineAgent } from "../helpers/clients.ts";
import { addAgent } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { launcher, openChat, useWidgetEnv, say } from "../helpers/widget-host.ts";

const LOADER_BUDGET = 3 * 1024;
const TOTAL_BUDGET = 30 * 1024;

const env = useWidgetEnv();

const gz = (file: string) => gzipSync(readFileSync(`${WIDGET_DIR}/${file}`), { level: 9 }).length;

it("the built files fit the budget (gzip)", () => {
  const assets = appAssets();
  expect(assets, "run npm run build first").not.toBeNull();
  const sizes = { loader: gz("widget.js"), app: gz(assets!.js), css: gz(assets!.css) };
  console.log(`widget files (gzip): loader ${sizes.loader} B, app ${sizes.app} B, css ${sizes.css} B, together ${sizes.loader + sizes.app + sizes.css} B`);
  expect(sizes.loader).toBeLessThanOrEqual(LOADER_BUDGET);
  expect(sizes.loader + sizes.app + sizes.css).toBeLessThanOrEqual(TOTAL_BUDGET);
  // A visitor in another language also downloads that one catalogue: the budget holds for the largest.
  const catalogues = Object.entries(assets!.catalogues).map(([locale, file]) => ({ locale, bytes: gz(file) }));
  expect(catalogues.length).toBeGreaterThanOrEqual(7);
  const largest = catalogues.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const withLargest = sizes.loader + sizes.app + sizes.css + largest.bytes;
  console.log(`widget with the largest catalogue (${largest.locale}, ${largest.bytes} B gzip): together ${withLargest} B`);
  expect(withLargest).toBeLessThanOrEqual(TOTAL_BUDGET);
});

it("a visitor downloads at most 30 KB to open the chat and send a message; the launcher comes fast and shifts nothing", async () => {
  const { server, host, site, page } = await env.setup({
    head: `<script>window.__cls = 0; new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__cls += e.value; }).observe({ type: "layout-shift", buffered: true });</script>`,
    body: "<p>Some content the widget must not move.</p>",
  });
  await addAgent(server, { email: "ana@example.com", name: "Ana" });
  const agent = await onlineAgent(server, "ana@example.com");
  const downloads: Promise<{ url: string; bytes: number }>[] = [];
  page.on("requestfinished", (req) => {
    if (!req.url().startsWith(server.url)) return;
    downloads.push(req.sizes().then((s) => ({ url: req.url().slice(server.url.length), bytes: s.responseBodySize })));
  });

  await page.goto(host.url("/"));
  await launcher(page).waitFor();
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    return { launcher: performance.getEntriesByName("parley:launcher")[0].startTime, domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
  });
  const loaderBytes = (await Promise.all(downloads)).filter((d) => d.url === "/widget.js")[0]?.bytes ?? Infinity;

  const frame = await openChat(page);
  const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
  await say(frame, "Hello");
  await assigned;
  await frame.locator(".me .st").getByText("Delivered").waitFor();

  const all = await Promise.all(downloads);
  const total = all.reduce((sum, d) => sum + d.bytes, 0);
  console.log(
    `widget downloads (bytes on the wire): ${all.map((d) => `${d.url.split("?")[0]} ${d.bytes}`).join(", ")}; total ${total} B\n` +
      `launcher visible ${timing.launcher.toFixed(0)} ms after navigation start (DOMContentLoaded ${timing.domContentLoaded.toFixed(0)} ms, load ${timing.load.toFixed(0)} ms)`,
  );
  expect(loaderBytes).toBeLessThanOrEqual(LOADER_BUDGET);
  expect(total).toBeLessThanOrEqual(TOTAL_BUDGET);
  // Every file of the chat is in the count (the app is not inlined somewhere we do not look).
  expect(all.map((d) => d.url.split("?")[0].replace(/\.[A-Z0-9]+\./, ".H."))).toEqual(
    expect.arrayContaining(["/widget.js", `/api/v1/widget/config/${site.key}`, `/widget/frame/${site.key}`, "/widget/app.H.css", "/widget/app.H.js"]),
  );
  expect(timing.launcher).toBeLessThan(3000);
  expect(await page.evaluate(() => (window as unknown as { __cls: number }).__cls)).toBe(0);
});
