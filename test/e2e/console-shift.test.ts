// A support shift in the console, in real Chromium: first admin from the setup link, a site and
// agents created in the admin pages, an agent online in a second browser context answering a
// visitor (a real socket.io client), typing preview both ways, a private note the visitor never
// gets, read receipts, a canned response, a tag, a transfer, closing, finding the chat in history
// and reopening it.
import { expect, it } from "vitest";
import type { Ack, AgentDto, ConversationDto, ConversationSummaryDto, MessageDto, ReadReceiptDto, TypingDto, VisitorDto } from "../../server/protocol.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { connectAgent, connectVisitor, login, ok } from "../helpers/clients.ts";
import { startServer } from "../helpers/server.ts";
import { collect, emitAck, until, waitFor } from "../helpers/wait.ts";
import { consoleFixture, goOnline, listItem, messageShown, openChat, openConsole, PASSWORD, signIn, transcriptRows, unexpected, waitLive } from "./console-helpers.ts";

const fx = consoleFixture();

it("admin sets up, agent answers a visitor, notes stay private, read receipts, transfer, close, history search, reopen", async () => {
  const server = (fx.server = await startServer());
  const browser = (fx.browser = await launchBrowser());
  const setupUrl = server.app.setupUrl;
  expect(setupUrl).toMatch(/\/console\/setup\?token=/);

  // First admin, from the setup link the server printed.
  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const admin = await openConsole(adminCtx, server, new URL(setupUrl!).pathname + new URL(setupUrl!).search);
  await admin.page.getByLabel("Your name").fill("Root");
  await admin.page.getByLabel("Email").fill("root@example.com");
  await admin.page.getByLabel("Password (at least 8 characters)").fill(PASSWORD);
  await admin.page.getByRole("button", { name: "Create admin account" }).click();
  await waitLive(admin.page);

  // A site, from the Sites page; its key comes from the snippet shown.
  await admin.page.getByRole("link", { name: "Sites" }).click();
  await admin.page.locator('input[name="siteName"]').fill("Shop");
  await admin.page.locator('textarea[name="origins"]').fill("https://shop.example");
  await admin.page.getByRole("button", { name: "Create site" }).click();
  const snippet = await admin.page.locator(".site-editor textarea[readonly]").inputValue();
  const siteKey = /data-parley-site="([^"]+)"/.exec(snippet)?.[1];
  expect(siteKey).toMatch(/^site_/);

  // Two agents, from the Agents page (one with a password, one generated and shown once).
  await admin.page.getByRole("link", { name: "Agents" }).click();
  await admin.page.locator('input[name="agentName"]').fill("Ana");
  await admin.page.locator('input[name="agentEmail"]').fill("ana@example.com");
  await admin.page.locator('input[name="agentPassword"]').fill(PASSWORD);
  await admin.page.getByRole("button", { name: "Create agent" }).click();
  await admin.page.locator('tr[data-agent="ana@example.com"]').waitFor();
  await admin.page.locator('input[name="agentName"]').fill("Bo");
  await admin.page.locator('input[name="agentEmail"]').fill("bo@example.com");
  await admin.page.getByRole("button", { name: "Create agent" }).click();
  const boPassword = await admin.page.locator('[data-secret="password"]').textContent();
  expect(boPassword?.length).toBeGreaterThanOrEqual(12);

  // A canned response any agent can use.
  await admin.page.getByRole("link", { name: "Canned responses" }).click();
  await admin.page.locator('input[name="shortcut"]').fill("thanks");
  await admin.page.locator('input[name="title"]').fill("Thanks");
  await admin.page.locator('textarea[name="body"]').fill("Thanks for waiting, I am on it.");
  await admin.page.getByRole("button", { name: "Create", exact: true }).click();
  await admin.page.getByRole("cell", { name: "/thanks" }).waitFor();

  // Ana signs in, in a second browser context, and goes online.
  const anaCtx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const ana = await signIn(anaCtx, server, "ana@example.com");
  await goOnline(ana.page);

  // A visitor on the new site, with page context, starts a chat: it is assigned to Ana.
  const { socket: visitor } = await connectVisitor(server, { siteKey, origin: "https://shop.example" });
  ok(
    await emitAck<Ack<VisitorDto>>(visitor, "visitor:update", {
      name: "Vera",
      attributes: { pageUrl: "https://shop.example/orders/4521", pageTitle: "Order 4521", timezone: "Europe/Paris", userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", plan: "gold" },
    }),
  );
  const opened = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(visitor, "conversation:open", { clientId: "o-1", message: { clientId: "m-1", body: "Hello, my order 4521 is late" } }));
  const convId = opened.conversation.id;
  await listItem(ana.page, "mine", convId).waitFor();
  expect(await listItem(ana.page, "mine", convId).locator(".conv-preview").textContent()).toBe("Hello, my order 4521 is late");
  await openChat(ana.page, "mine", convId);
  await messageShown(ana.page, "Hello, my order 4521 is late");

  // Visitor context.
  const panel = ana.page.locator(".visitor-panel");
  await panel.getByText("Order 4521").waitFor();
  expect(await panel.locator("a", { hasText: "https://shop.example/orders/4521" }).getAttribute("href")).toBe("https://shop.example/orders/4521");
  await panel.getByText("Chrome 120 on Linux").waitFor();
  await panel.getByText("plan").waitFor();

  // The visitor's typing preview shows live.
  visitor.emit("typing", { conversationId: convId, typing: true, preview: "is there any upd" });
  await ana.page.locator(".typing-preview", { hasText: "is there any upd" }).waitFor();

  // Ana replies with Enter; the visitor sees her typing first, then the message.
  const visitorMessages = collect<MessageDto>(visitor, "message:new");
  const agentTyping = waitFor<TypingDto>(visitor, "typing", (t) => t.typing);
  const composer = ana.page.locator("#composer-input");
  await composer.pressSequentially("Hi Vera, ");
  await agentTyping;
  await composer.pressSequentially("let me check.");
  await composer.press("Shift+Enter");
  await composer.pressSequentially("One moment.");
  const reply = waitFor<MessageDto>(visitor, "message:new", (m) => m.authorKind === "agent");
  await composer.press("Enter");
  expect((await reply).body).toBe("Hi Vera, let me check.\nOne moment.");
  await messageShown(ana.page, "One moment.");
  expect(await composer.inputValue()).toBe("");
  // Delivery state: "Read" once the visitor's widget reports it.
  await ana.page.locator('.msg-agent .delivery[data-state="sent"]').first().waitFor();
  ok(await emitAck(visitor, "conversation:read", { conversationId: convId, seq: (await reply).seq }));
  await ana.page.locator('.msg-agent .delivery[data-state="read"]', { hasText: "Read" }).first().waitFor();

  // A private note: shown to agents as a note, never sent to the visitor.
  await ana.page.getByRole("checkbox", { name: "Private note" }).check();
  await composer.fill("Customer is a gold member, offer express shipping");
  await composer.press("Enter");
  await ana.page.locator(".msg-note .msg-body", { hasText: "gold member" }).waitFor();

  // A canned response with "/" + Enter, then sent.
  await ana.page.getByRole("checkbox", { name: "Private note" }).uncheck();
  await composer.fill("/than");
  await ana.page.locator(".canned-picker li", { hasText: "/thanks" }).waitFor();
  await composer.press("Enter");
  expect(await composer.inputValue()).toBe("Thanks for waiting, I am on it.");
  const cannedAtVisitor = waitFor<MessageDto>(visitor, "message:new", (m) => m.body === "Thanks for waiting, I am on it.");
  await composer.press("Enter");
  await cannedAtVisitor;
  expect(visitorMessages.map((m) => m.body)).toEqual(["Hi Vera, let me check.\nOne moment.", "Thanks for waiting, I am on it."]);
  expect(visitorMessages.some((m) => m.note)).toBe(false);

  // A tag.
  await ana.page.getByPlaceholder("Add tag…").fill("Shipping");
  await ana.page.getByPlaceholder("Add tag…").press("Enter");
  await ana.page.locator(".tag", { hasText: "shipping" }).waitFor();

  // The visitor answers; the agent-side transcript is in order with the note in place.
  // The console, showing the chat, tells the visitor's side it has read the new message.
  const agentReads = collect<ReadReceiptDto>(visitor, "conversation:read");
  const thanks = ok(await emitAck<Ack<MessageDto>>(visitor, "message:send", { conversationId: convId, clientId: "m-2", body: "Great, thank you!" }));
  await messageShown(ana.page, "Great, thank you!");
  await until(() => agentReads.some((r) => r.reader === "agent" && r.seq === thanks.seq), visitor);
  expect((await transcriptRows(ana.page)).map((r) => [r.body, r.note])).toEqual([
    ["Hello, my order 4521 is late", false],
    ["Hi Vera, let me check.\nOne moment.", false],
    ["Customer is a gold member, offer express shipping", true],
    ["Thanks for waiting, I am on it.", false],
    ["Great, thank you!", false],
  ]);

  // Transfer to Bo (online over a socket), who closes it.
  const bo = await connectAgent(server, (await login(server, "bo@example.com", boPassword ?? "")).cookie);
  ok(await emitAck<Ack<AgentDto>>(bo, "agent:status", { status: "online" }));
  const boGets = waitFor<ConversationSummaryDto>(bo, "conversation:assigned", (c) => c.id === convId);
  await ana.page.locator('select[name="transfer"]').focus();
  await ana.page.locator('select[name="transfer"] option', { hasText: "Bo" }).waitFor({ state: "attached" });
  await ana.page.locator('select[name="transfer"]').selectOption({ label: "Bo (Online)" });
  await ana.page.getByRole("button", { name: "Transfer" }).click();
  expect((await boGets).assignee?.name).toBe("Bo");
  await listItem(ana.page, "mine", convId).waitFor({ state: "detached" });
  await ana.page.locator(`.chat[data-conversation="${convId}"]`).getByText("with Bo").waitFor();
  const closedAtVisitor = waitFor<ConversationDto>(visitor, "conversation:updated", (c) => c.status === "closed");
  ok(await emitAck(bo, "conversation:close", { conversationId: convId }));
  await closedAtVisitor;
  await ana.page.locator(`.chat[data-conversation="${convId}"][data-status="closed"]`).waitFor();

  // History: full-text search finds it; the transcript opens with the note marked.
  await ana.page.getByRole("link", { name: "History" }).click();
  await ana.page.getByLabel("Search messages").fill("gold member");
  await ana.page.getByRole("button", { name: "Search", exact: true }).click();
  const hit = ana.page.locator(`.history-results li[data-conversation="${convId}"]`);
  await hit.waitFor();
  expect(await ana.page.locator(".history-results li").count()).toBe(1);
  await hit.locator(".conv-item").click();
  await ana.page.locator(".history-transcript .msg-note .msg-body", { hasText: "gold member" }).waitFor();
  expect(await ana.page.locator(".export-links a", { hasText: "JSON" }).first().getAttribute("href")).toBe(`/api/v1/conversations/${convId}/transcript.json`);
  await ana.page.getByLabel("Search messages").fill("no such words anywhere");
  await ana.page.getByRole("button", { name: "Search", exact: true }).click();
  await ana.page.getByText("0 conversations").waitFor();

  // Reopen from history: Ana is online with room, so it comes back to her.
  const reopened = waitFor<ConversationDto>(visitor, "conversation:updated", (c) => c.status === "assigned");
  await ana.page.getByRole("button", { name: "Reopen" }).click();
  expect((await reopened).assignee?.name).toBe("Ana");
  await ana.page.locator(`.history-transcript .chat[data-status="assigned"]`).waitFor();
  await ana.page.getByRole("link", { name: "Inbox" }).click();
  await listItem(ana.page, "mine", convId).waitFor();

  expect(unexpected(admin.errors)).toEqual([]);
  expect(unexpected(ana.errors)).toEqual([]);
});
