// Several chats at once (drafts kept per chat, unread badges, tab title) and a network drop of
// the console mid-chat: messages sent while offline are delivered once, in order, when the
// connection is back, and what the visitor wrote meanwhile shows up.
import { expect, it } from "vitest";
import type { Ack, ConversationDto, MessageDto } from "../../server/protocol.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { connectVisitor, ok } from "../helpers/clients.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { collect, emitAck, until } from "../helpers/wait.ts";
import { consoleFixture, goOnline, listItem, messageShown, openChat, signIn, transcriptRows, unexpected } from "./console-helpers.ts";

const fx = consoleFixture();

async function visitorChat(s: TestServer, first: string) {
  const { socket } = await connectVisitor(s);
  const opened = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(socket, "conversation:open", { clientId: `o-${first}`, message: { clientId: `m-${first}`, body: first } }));
  return { socket, id: opened.conversation.id };
}

it("two chats at once: drafts are kept per chat, unread badges and the tab title count new messages", async () => {
  const server = (fx.server = await startServer());
  await addAgent(server, { email: "ana@example.com", name: "Ana", maxChats: 5 });
  const browser = (fx.browser = await launchBrowser());
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const ana = await signIn(ctx, server, "ana@example.com");
  await goOnline(ana.page);
  const a = await visitorChat(server, "Chat A here");
  const b = await visitorChat(server, "Chat B here");
  await listItem(ana.page, "mine", a.id).waitFor();
  await listItem(ana.page, "mine", b.id).waitFor();

  const composer = ana.page.locator("#composer-input");
  await openChat(ana.page, "mine", a.id);
  await composer.fill("half-written answer for A");
  await openChat(ana.page, "mine", b.id);
  expect(await composer.inputValue()).toBe("");
  await composer.fill("draft for B");
  await openChat(ana.page, "mine", a.id);
  expect(await composer.inputValue()).toBe("half-written answer for A");
  await openChat(ana.page, "mine", b.id);
  expect(await composer.inputValue()).toBe("draft for B");

  // A message in A while B is open: A's badge and the tab title count it; B's does not move.
  ok(await emitAck(a.socket, "message:send", { conversationId: a.id, clientId: "a-2", body: "Are you there?" }));
  await listItem(ana.page, "mine", a.id).locator(".unread-badge", { hasText: "1" }).waitFor();
  expect(await listItem(ana.page, "mine", b.id).locator(".unread-badge").count()).toBe(0);
  await ana.page.waitForFunction(() => document.title === "(1) Parley console");

  // Sending in B clears B's draft only.
  const atB = collect<MessageDto>(b.socket, "message:new");
  await composer.press("Enter");
  await until(() => atB.length === 1, b.socket);
  expect(atB[0].body).toBe("draft for B");
  expect(await composer.inputValue()).toBe("");

  // Opening A clears its badge; its draft is still there; keyboard switching works.
  await openChat(ana.page, "mine", a.id);
  await messageShown(ana.page, "Are you there?");
  await listItem(ana.page, "mine", a.id).locator(".unread-badge").waitFor({ state: "detached" });
  await ana.page.waitForFunction(() => document.title === "Parley console");
  expect(await composer.inputValue()).toBe("half-written answer for A");
  await ana.page.keyboard.press("Alt+ArrowDown");
  await ana.page.locator(`.chat[data-conversation="${b.id}"]`).waitFor();

  // Drafts survive a reload of the tab.
  await ana.page.reload();
  await openChat(ana.page, "mine", a.id);
  expect(await composer.inputValue()).toBe("half-written answer for A");
  expect(unexpected(ana.errors)).toEqual([]);
});

it("a network drop mid-chat: unsent messages wait, then arrive once and in order; the visitor's messages catch up", async () => {
  const server = (fx.server = await startServer());
  await addAgent(server, { email: "ana@example.com", name: "Ana" });
  const browser = (fx.browser = await launchBrowser());
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const ana = await signIn(ctx, server, "ana@example.com");
  await goOnline(ana.page);
  const a = await visitorChat(server, "Hello?");
  await listItem(ana.page, "mine", a.id).waitFor();
  await openChat(ana.page, "mine", a.id);
  const atVisitor = collect<MessageDto>(a.socket, "message:new");
  const composer = ana.page.locator("#composer-input");
  await composer.fill("before the drop");
  await composer.press("Enter");
  await until(() => atVisitor.length === 1, a.socket);
  expect(atVisitor[0].body).toBe("before the drop");

  await ctx.setOffline(true);
  await ana.page.locator('[data-connection="offline"]').waitFor();
  for (const text of ["typed while offline 1", "typed while offline 2"]) {
    await composer.fill(text);
    await composer.press("Enter");
  }
  await ana.page.locator('.msg-pending[data-pending="sending"]').nth(1).waitFor();
  await ana.page.getByText("2 unsent, will be sent when back").waitFor();
  ok(await emitAck(a.socket, "message:send", { conversationId: a.id, clientId: "v-2", body: "visitor wrote during the drop" }));
  // The drop was real: nothing typed offline reached the server.
  expect(await server.app.database.prisma.message.count({ where: { conversationId: a.id, authorKind: "agent" } })).toBe(1);

  await ctx.setOffline(false);
  await ana.page.locator('[data-connection="connected"]').waitFor({ timeout: 20_000 });
  const fromAgent = () => atVisitor.filter((m) => m.authorKind === "agent");
  await until(() => fromAgent().length === 3, a.socket, 20_000);
  expect(fromAgent().map((m) => m.body)).toEqual(["before the drop", "typed while offline 1", "typed while offline 2"]);
  await messageShown(ana.page, "visitor wrote during the drop");
  await ana.page.locator(".msg-pending").first().waitFor({ state: "detached" });
  const rows = await transcriptRows(ana.page);
  expect(rows.map((r) => r.body)).toEqual(["Hello?", "before the drop", "visitor wrote during the drop", "typed while offline 1", "typed while offline 2"]);
  const stored = await server.app.database.prisma.message.findMany({ where: { conversationId: a.id }, orderBy: { seq: "asc" } });
  expect(stored.map((m) => m.body)).toEqual(["Hello?", "before the drop", "visitor wrote during the drop", "typed while offline 1", "typed while offline 2"]);
  // Still Ana's chat: the drop was shorter than the grace period.
  expect((await server.app.database.prisma.conversation.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("assigned");
  expect(unexpected(ana.errors).filter((e) => !e.includes("ERR_INTERNET_DISCONNECTED"))).toEqual([]);
});
