// The page-facing JavaScript API in real Chromium: calls queued before widget.js loads, events,
// identify (HMAC) and setAttributes reaching the agent, open/close/toggle, unread, reset; and
// the site's theme (colour, position, launcher label).
import { describe, expect, it } from "vitest";
import type { Ack, ConversationSummaryDto, MessageDto } from "../../server/protocol.ts";
import { identityHash } from "../../server/visitors/identify.ts";
import { storagePrefix } from "../../widget/shared/bridge.ts";
import { watchErrors, type Page } from "../helpers/browser.ts";
import { ok, onlineAgent } from "../helpers/clients.ts";
import { addAgent } from "../helpers/server.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { chatFrame, hostHtml, hostSite, launcher, useWidgetEnv, say } from "../helpers/widget-host.ts";

const env = useWidgetEnv();

const parley = (page: Page, ...args: unknown[]) => page.evaluate((a) => (window as unknown as { Parley: (...x: unknown[]) => void }).Parley(...a), args);
const events = (page: Page) => page.evaluate(() => (window as unknown as { __events: string[] }).__events.slice());

/** Resolves once the page's recorded events include `event`. */
const sawEvent = (page: Page, event: string) => page.waitForFunction((e) => (window as unknown as { __events: string[] }).__events.includes(e), event);

const RECORDER = `
  window.__events = [];
  window.Parley = window.Parley || function () { (Parley.q = Parley.q || []).push(arguments); };
  for (const name of ["ready", "open", "close", "unread", "message"]) {
    Parley("on", name, function (x) { __events.push(name + (x === undefined ? "" : ":" + (typeof x === "object" ? x.authorKind + ":" + x.body : x))); });
  }`;

describe("widget JavaScript API", () => {
  it("runs calls queued before load, reports events, identifies the visitor, and resets", async () => {
    const server = await env.server();
    const host = await env.hostPages();
    const site = await hostSite(server, host);
    const hash = identityHash(site.identitySecret, "user-42");
    host.set(
      "/",
      hostHtml(server.url, site.key, {
        head: `<script>${RECORDER}
          Parley("setAttributes", { plan: "pro", seats: 5, trial: false });
          Parley("identify", { id: "user-42", name: "Uma", email: "uma@example.com", hash: "${hash}" });
          Parley("open");
        </script>`,
      }),
    );
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    const page = await (await env.context()).newPage();
    const seen = watchErrors(page);
    await page.goto(host.url("/"));
    await sawEvent(page, "open");
    expect((await events(page)).slice(0, 2)).toEqual(["ready", "open"]);
    expect(await page.locator("parley-widget iframe.o").count()).toBe(1);
    expect(await launcher(page).getAttribute("aria-expanded")).toBe("true");

    const frame = await chatFrame(page);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(frame, "Hi, it's Uma");
    const summary = await assigned;
    expect(summary.visitor).toMatchObject({ name: "Uma", email: "uma@example.com", identified: true, attributes: { plan: "pro", seats: 5, trial: false } });

    await parley(page, "close");
    await sawEvent(page, "close");
    // The bridge listens to the chat iframe only: a message the host page posts itself is ignored.
    await page.evaluate(() => window.postMessage({ parley: 1, t: "unread", n: 7 }, "*"));
    expect(await launcher(page).getAttribute("aria-expanded")).toBe("false");
    ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: summary.id, clientId: "a1", body: "Welcome back, Uma" }));
    await sawEvent(page, "unread:1");
    expect((await events(page)).filter((e) => e.startsWith("unread:"))).toEqual(["unread:0", "unread:1"]);
    await sawEvent(page, "message:agent:Welcome back, Uma");
    await page.locator("parley-widget .b").getByText("1").waitFor();
    await parley(page, "toggle");
    await sawEvent(page, "unread:0");
    expect((await events(page)).filter((e) => e === "open")).toHaveLength(2);

    // The token lives in the host's own storage, under the site's key.
    const keys = await page.evaluate(() => Object.keys(localStorage));
    expect(keys.sort()).toEqual([storagePrefix(site.key), `${storagePrefix(site.key)}:active`]);

    await parley(page, "nonsense");
    expect(seen.warnings).toContain("Parley: unknown command nonsense");

    // reset: this browser forgets the visitor; the next chat is a new, anonymous visitor.
    await parley(page, "reset");
    await frame.getByText("Welcome back, Uma").waitFor({ state: "detached" });
    await say(frame, "Someone else now");
    await frame.locator(".me .st").getByText("Sent", { exact: false }).or(frame.locator(".me .st").getByText("Delivered")).first().waitFor();
    const visitors = await server.app.database.prisma.visitor.findMany({ orderBy: { createdAt: "asc" } });
    expect(visitors.map((v) => [v.externalId, v.name])).toEqual([
      ["user-42", "Uma"],
      [null, null],
    ]);
    expect(seen.errors).toEqual([]);
  });

  it("flashes the page title on a new reply while closed, when the site turns it on", async () => {
    const { server, host, page } = await env.setup({ settings: { titleFlash: true }, head: `<script>${RECORDER}</script>` });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    await page.goto(host.url("/"));
    await sawEvent(page, "ready");
    await parley(page, "open");
    const frame = await chatFrame(page);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(frame, "Hello");
    const { id } = await assigned;
    await parley(page, "close");
    ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: id, clientId: "a1", body: "Reply" }));
    await page.waitForFunction(() => document.title === "(1) New message");
    await parley(page, "open");
    await page.waitForFunction(() => document.title === "Shop");
  });

  it("applies the site's theme, and warns when the site refuses an unsigned identify", async () => {
    const { host, page } = await env.setup({
      settings: { color: "#ffcc00", position: "left", launcherLabel: "Questions?", greeting: "Ask us anything", requireIdentity: true },
      head: `<script>${RECORDER} Parley("identify", { id: "user-7" });</script>`,
      context: { viewport: { width: 1200, height: 800 } },
    });
    const seen = watchErrors(page);
    await page.goto(host.url("/"));
    await sawEvent(page, "ready");
    const button = launcher(page);
    expect(await button.innerText()).toBe("Questions?");
    expect(await button.getAttribute("aria-label")).toBe("Questions?");
    const box = await button.boundingBox();
    expect(box?.x).toBe(20);
    expect(await button.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color])).toEqual(["rgb(255, 204, 0)", "rgb(0, 0, 0)"]);

    const warned = page.waitForEvent("console", (m) => m.text().startsWith("Parley: identify refused"));
    await button.click();
    const frame = await chatFrame(page);
    await frame.getByText("Ask us anything").waitFor();
    expect(await frame.locator(".hd").evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(255, 204, 0)");
    expect((await warned).text()).toContain("requires a signed identify");
    const panel = await page.locator("parley-widget iframe").boundingBox();
    expect(panel?.x).toBe(20);
    expect(seen.errors).toEqual([]);
  });
});
