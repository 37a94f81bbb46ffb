// Host pages that fight the widget, in real Chromium: aggressive global CSS and a broken
// Array.prototype polyfill (the widget still works, and leaves the page as it was), a page whose
// origin the site does not allow (no widget, a clear console warning), and Parley down (no
// launcher, nothing thrown).
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { Ack, ConversationSummaryDto, MessageDto } from "../../server/protocol.ts";
import { DIST } from "../../server/http/static-routes.ts";
import { watchErrors } from "../helpers/browser.ts";
import { ok, onlineAgent } from "../helpers/clients.ts";
import { addAgent, addSite } from "../helpers/server.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { hostHtml, launcher, openChat, useWidgetEnv, say } from "../helpers/widget-host.ts";

const env = useWidgetEnv();

const HOSTILE_HEAD = `
<script>
  window.__globals = Object.getOwnPropertyNames(window);
  // A polyfill gone wrong: every array helper broken, junk enumerable on every array.
  for (const name of ["forEach", "map", "filter", "some", "every", "reduce", "find", "findIndex", "includes", "indexOf", "join", "slice", "concat", "flat", "keys", "values", "entries"]) {
    Array.prototype[name] = function () { throw new Error("broken polyfill: " + name); };
  }
  Array.prototype.toJSON = function () { return "broken"; };
  Array.prototype.junk = "enumerable junk";
  Array.from = function () { throw new Error("broken polyfill: from"); };
  window.Parley = window.Parley || function () { (Parley.q = Parley.q || []).push(arguments); };
  // Playwright's own page.evaluate needs a working Array.prototype, so the page reports itself.
  Parley("on", "ready", function () { document.body.setAttribute("data-ready", "1"); });
  Parley("on", "message", function (m) {
    if (m.authorKind !== "agent") return;
    var now = Object.getOwnPropertyNames(window), before = {}, added = "";
    for (var i = 0; i < window.__globals.length; i++) before[window.__globals[i]] = 1;
    for (var j = 0; j < now.length; j++) if (!before[now[j]] && now[j].lastIndexOf("__", 0) !== 0) added += (added ? "," : "") + now[j];
    var button = document.querySelector("parley-widget").shadowRoot.querySelector("button");
    document.body.setAttribute("data-check", added + "|" + getComputedStyle(document.querySelector("h1")).fontSize + "|" + getComputedStyle(button).fontSize);
  });
</script>
<style>
  * { all: unset !important; }
  html { font-size: 72px !important; }
  body * { font-size: 64px !important; line-height: 3 !important; color: red !important; }
  h1 { display: block !important; }
  parley-widget, iframe, button, div, span, svg { display: none !important; width: 0 !important; height: 0 !important; opacity: 0 !important; }
</style>`;

describe("widget on hostile pages", () => {
  it("works under `* { all: unset }`, huge fonts and a broken Array.prototype, and changes nothing of the host", async () => {
    const { server, host, page } = await env.setup({ head: HOSTILE_HEAD });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    const errors = watchErrors(page);
    await page.goto(host.url("/"));
    await page.locator("body[data-ready]").waitFor({ state: "attached" });

    const box = await launcher(page).boundingBox();
    expect(box?.height).toBe(56);
    expect(box?.width).toBeGreaterThanOrEqual(56);
    const frame = await openChat(page);
    const panel = await page.locator("parley-widget iframe").boundingBox();
    expect(panel?.width).toBe(380);
    expect(await frame.locator("textarea").evaluate((el) => getComputedStyle(el).fontSize)).toBe("15px");

    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(frame, "Hello from a hostile page");
    const { id } = await assigned;
    ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: id, clientId: "a1", body: "Reply reaches you anyway" }));
    await frame.getByText("Reply reaches you anyway").waitFor();

    // The host is as it was: its own styles rule its own elements, one global was added; and the
    // launcher kept its own font size.
    const check = await page.locator("body[data-check]").getAttribute("data-check");
    expect(check).toBe("Parley|64px|15px");
    expect(errors.errors).toEqual([]);
  });

  it("a page whose origin the site does not allow gets no widget and a clear warning", async () => {
    const server = await env.server();
    const host = await env.hostPages();
    const site = await addSite(server, "Elsewhere", ["https://elsewhere.example"]);
    host.set("/", hostHtml(server.url, site.key));
    const page = await (await env.context()).newPage();
    const console = watchErrors(page);
    const warned = page.waitForEvent("console", (m) => m.type() === "warning" && m.text().startsWith("Parley:"));
    await page.goto(host.url("/"));
    const warning = (await warned).text();
    expect(warning).toContain(`This page's origin (${host.origin}) is not allowed for site "Elsewhere"`);
    expect(await page.locator("parley-widget").count()).toBe(0);
    expect(await page.evaluate(() => typeof (window as unknown as { Parley?: unknown }).Parley)).toBe("function");
    // Calls are harmless no-ops.
    await page.evaluate(() => (window as unknown as { Parley: (...a: unknown[]) => void }).Parley("open"));
    expect(await page.locator("parley-widget").count()).toBe(0);
    expect(console.errors).toEqual([]);
    expect(server.app.io.of("/visitor").sockets.size).toBe(0);
  });

  it("with Parley down, the launcher stays hidden and nothing is thrown into the page", async () => {
    const host = await env.hostPages();
    // A port nobody listens on; the loader itself still arrives (a cached copy, say).
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const dead = `http://127.0.0.1:${port}`;
    host.set("/", hostHtml(dead, "site_whatever", { head: `<script>window.Parley = function () { (Parley.q = Parley.q || []).push(arguments); }; Parley("open");</script>` }));
    const page = await (await env.context()).newPage();
    await page.route(`${dead}/widget.js`, (route) => route.fulfill({ path: `${DIST}widget/widget.js`, contentType: "text/javascript" }));
    const seen = watchErrors(page);
    const configTried = page.waitForEvent("requestfailed", (r) => r.url().startsWith(`${dead}/api/v1/widget/config/`));
    await page.goto(host.url("/"));
    await configTried;
    // A round trip into the page: the fetch's rejection handlers (microtasks) have run by then.
    await page.evaluate(() => 0);
    expect(await page.locator("parley-widget").count()).toBe(0);
    // Only the browser's own network line for the refused connection; nothing from the loader.
    expect(seen.errors.filter((e) => !e.startsWith("Failed to load resource: net::ERR_CONNECTION_REFUSED"))).toEqual([]);
    expect(seen.warnings).toEqual([]);
  });
});
