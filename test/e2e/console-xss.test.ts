// Hostile text from visitors (names, messages, typing previews, attributes, page titles and URLs)
// and from other agents (tags, site names, canned responses) renders as inert text everywhere
// in the console. The context bypasses the Content-Security-Policy, so the rendering itself is
// what is tested: no payload may run or create an element, with or without CSP.
import { expect, it } from "vitest";
import type { Ack, ConversationDto, VisitorDto } from "../../server/protocol.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { connectVisitor, login, ok } from "../helpers/clients.ts";
import { api } from "../helpers/http.ts";
import { addAgent, addSite, startServer } from "../helpers/server.ts";
import { emitAck } from "../helpers/wait.ts";
import type { Page } from "playwright-core";
import { XSS_CORPUS } from "../security/xss-corpus.ts";
import { consoleFixture, goOnline, listItem, messageShown, openChat, signIn, unexpected } from "./console-helpers.ts";

const fx = consoleFixture();

// The shared corpus (test/security/xss-corpus.ts); its first entries go to particular fields below.
const PAYLOADS = XSS_CORPUS;
const JS_URL = "javascript:window.__xss=1";

async function assertInert(page: Page, where: string): Promise<void> {
  const state = await page.evaluate(() => ({
    flag: (window as unknown as { __xss?: unknown }).__xss ?? null,
    injected: document.querySelectorAll("#app img, #app script, #app svg, #app iframe, #app object, #app embed").length,
    jsLinks: [...document.querySelectorAll("a[href]")].filter((a) => (a.getAttribute("href") ?? "").trim().toLowerCase().startsWith("javascript:")).length,
  }));
  expect({ where, ...state }).toEqual({ where, flag: null, injected: 0, jsLinks: 0 });
}

it("script and HTML payloads render as text in the inbox, chat, typing preview, visitor panel, history and admin pages", async () => {
  const server = (fx.server = await startServer());
  await addAgent(server, { email: "root@example.com", name: "Root", role: "admin" });
  const rootCookie = (await login(server, "root@example.com")).cookie;
  const site = await addSite(server, PAYLOADS[0], ["https://evil.example"]);
  const browser = (fx.browser = await launchBrowser());
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, bypassCSP: true });
  const root = await signIn(ctx, server, "root@example.com");
  const page = root.page;

  // A hostile visitor: name, attributes, page title and URL, messages.
  const { socket: visitor } = await connectVisitor(server, { siteKey: site.key, origin: "https://evil.example" });
  ok(
    await emitAck<Ack<VisitorDto>>(visitor, "visitor:update", {
      name: PAYLOADS[1],
      attributes: { pageTitle: PAYLOADS[2], pageUrl: JS_URL, referrer: PAYLOADS[3], userAgent: PAYLOADS[4], timezone: PAYLOADS[5], language: PAYLOADS[0], [PAYLOADS[0].slice(0, 60)]: PAYLOADS[1] },
    }),
  );
  const opened = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(visitor, "conversation:open", { clientId: "o", message: { clientId: "m0", body: PAYLOADS[0] } }));
  const id = opened.conversation.id;
  for (let i = 1; i < PAYLOADS.length; i++) ok(await emitAck(visitor, "message:send", { conversationId: id, clientId: `m${i}`, body: PAYLOADS[i] }));

  // Queue row (the admin is offline, so it waits), then accepted and opened.
  await listItem(page, "queue", id).waitFor();
  expect(await listItem(page, "queue", id).locator(".conv-name").textContent()).toBe(PAYLOADS[1]);
  expect(await listItem(page, "queue", id).locator(".conv-preview").textContent()).toBe(PAYLOADS[0]);
  await assertInert(page, "queue");
  await openChat(page, "queue", id);
  for (const p of PAYLOADS) await messageShown(page, p);
  expect(await page.locator(".transcript .msg-body").allTextContents()).toEqual(PAYLOADS);
  await assertInert(page, "chat");

  // Typing preview.
  visitor.emit("typing", { conversationId: id, typing: true, preview: PAYLOADS[3] });
  await page.locator(".typing-preview").getByText(PAYLOADS[3], { exact: true }).waitFor();
  await assertInert(page, "typing preview");

  // Visitor panel: every attribute as text; the javascript: URL is not a link.
  const panel = page.locator(".visitor-panel");
  await panel.getByText(PAYLOADS[2], { exact: true }).waitFor();
  await panel.getByText(JS_URL, { exact: true }).waitFor();
  expect(await panel.locator("a").count()).toBe(0);
  await panel.getByText(PAYLOADS[3], { exact: true }).waitFor();
  await assertInert(page, "visitor panel");

  // A hostile tag, typed by an agent, and a hostile note.
  await page.getByPlaceholder("Add tag…").fill(PAYLOADS[1].slice(0, 40));
  await page.getByPlaceholder("Add tag…").press("Enter");
  await page.locator(".tag").first().waitFor();
  await page.getByRole("checkbox", { name: "Private note" }).check();
  await page.locator("#composer-input").fill(PAYLOADS[2]);
  await page.locator("#composer-input").press("Enter");
  await page.locator(".msg-note .msg-body").getByText(PAYLOADS[2], { exact: true }).waitFor();
  await assertInert(page, "tags and notes");

  // Accepting needs a free slot while online: offline, the console says why.
  await page.getByRole("button", { name: "Accept" }).first().click();
  await page.getByRole("alert").getByText("must be online").waitFor();
  // Online, the queued chat is assigned; then closed and found in history by a payload fragment.
  await goOnline(page);
  await page.locator(`.chat[data-status="assigned"]`).waitFor();
  await page.getByRole("button", { name: "Close", exact: true }).click();
  await page.locator(`.chat[data-status="closed"]`).waitFor();
  await page.getByRole("link", { name: "History" }).click();
  await page.getByLabel("Search messages").fill("onerror");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.locator(`.history-results li[data-conversation="${id}"]`).waitFor();
  expect(await page.locator(".history-results .conv-name").first().textContent()).toBe(PAYLOADS[1]);
  await assertInert(page, "history");

  // Admin pages: a hostile site name and canned response.
  expect((await api(server, "POST", "/api/v1/canned-responses", { cookie: rootCookie, body: { shortcut: "xss", title: PAYLOADS[4], body: PAYLOADS[0] } })).status).toBe(201);
  await page.getByRole("link", { name: "Sites" }).click();
  await page.getByRole("button", { name: PAYLOADS[0], exact: true }).click();
  await page.locator(".site-editor").waitFor();
  await assertInert(page, "sites");
  await page.getByRole("link", { name: "Canned responses" }).click();
  await page.getByRole("cell", { name: PAYLOADS[4], exact: true }).waitFor();
  await assertInert(page, "canned responses");

  expect(unexpected(root.errors)).toEqual([]);
});

it("the console is served with a Content-Security-Policy that forbids inline script", async () => {
  const server = (fx.server = await startServer());
  const res = await fetch(`${server.url}/console/`);
  expect(res.status).toBe(200);
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toMatch(/script-src 'self'/);
  expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  const html = await res.text();
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
});
