// The widget in real Chromium, embedded in a host page on another origin (localhost vs
// 127.0.0.1), talking to a real Parley server and a real agent socket: the whole conversation,
// reload, queue position, offline and pre-chat forms, end and rating, transcript, two tabs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Ack, ConversationDto, ConversationSummaryDto, MessageDto, ReadReceiptDto, TypingDto } from "../../server/protocol.ts";
import { watchErrors } from "../helpers/browser.ts";
import { connectVisitor, ok, onlineAgent } from "../helpers/clients.ts";
import { addAgent } from "../helpers/server.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { chatFrame, launcher, openChat, useWidgetEnv, say } from "../helpers/widget-host.ts";

const env = useWidgetEnv();
const setup = (settings?: object) => env.setup({ settings });

describe("widget conversation", () => {
  it("visitor writes, the agent's reply arrives, typing and read marks both ways; a reload keeps it all", async () => {
    const { server, host, page } = await setup();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    const errors = watchErrors(page);
    await page.goto(host.url("/"));
    const frame = await openChat(page);
    await frame.getByText("Hi! How can we help you today?").waitFor();

    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(frame, "Hello, my order is late");
    const summary = await assigned;
    expect(summary.preview).toBe("Hello, my order is late");
    // Page context, sent as visitor attributes.
    expect(summary.visitor.attributes).toMatchObject({ pageUrl: host.url("/"), pageTitle: "Shop", referrer: "", language: "en-US" });
    expect(String(summary.visitor.attributes.userAgent)).toContain("Chrome");
    expect(typeof summary.visitor.attributes.timezone).toBe("string");

    // The visitor's draft reaches the agent (live preview), the agent's typing shows in the widget.
    const preview = waitFor<TypingDto>(agent.socket, "typing", (t) => t.typing && t.preview === "Is it");
    await frame.locator("textarea").pressSequentially("Is it");
    await preview;
    agent.socket.emit("typing", { conversationId: summary.id, typing: true });
    await frame.getByText("Ana is typing…").waitFor();

    const readByVisitor = waitFor<ReadReceiptDto>(agent.socket, "conversation:read", (r) => r.seq === 2);
    ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: summary.id, clientId: "a1", body: "Sorry! Tracking: https://track.example/42" }));
    await frame.getByText("Sorry! Tracking:").waitFor();
    await frame.getByText("Ana is typing…").waitFor({ state: "detached" });
    expect(await frame.getByRole("link", { name: "https://track.example/42" }).getAttribute("rel")).toContain("noopener");
    expect(await frame.locator("h1").textContent()).toBe("You're chatting with Ana");
    // The panel is open and visible: the visitor has read the reply.
    expect((await readByVisitor).reader).toBe("visitor");
    await frame.locator(".me .st").getByText("Delivered").waitFor();
    ok(await emitAck(agent.socket, "conversation:read", { conversationId: summary.id, seq: 1 }));
    await frame.locator(".me .st").getByText("Read").waitFor();
    // Whatever anyone types is text, never markup.
    const markup = `<img src=x onerror="document.title='owned'"><b>bold</b> javascript:alert(1)`;
    ok(await emitAck(agent.socket, "message:send", { conversationId: summary.id, clientId: "a-html", body: markup }));
    await frame.getByText(markup).waitFor();
    expect(await frame.locator(".bd img, .bd b, .bd a[href^='javascript']").count()).toBe(0);

    // Reload: same visitor, same conversation; a reply while the panel is closed raises the badge.
    await page.reload();
    await launcher(page).waitFor();
    const reloaded = await chatFrame(page);
    await reloaded.getByText("Sorry! Tracking:").waitFor({ state: "attached" });
    ok(await emitAck(agent.socket, "message:send", { conversationId: summary.id, clientId: "a2", body: "It ships today" }));
    await page.locator("parley-widget .b").getByText("1").waitFor();
    expect(await launcher(page).getAttribute("aria-label")).toBe("Open chat, 1 unread");
    await launcher(page).click();
    await reloaded.getByText("It ships today").waitFor();
    await reloaded.getByText("Hello, my order is late").waitFor();
    await page.locator("parley-widget .b").waitFor({ state: "hidden" });
    expect(await server.app.database.prisma.conversation.count()).toBe(1);
    expect((await server.app.database.prisma.message.findMany({ orderBy: { seq: "asc" } })).map((m) => m.body)).toEqual([
      "Hello, my order is late",
      "Sorry! Tracking: https://track.example/42",
      markup,
      "It ships today",
    ]);
    expect(errors.errors).toEqual([]);
  });

  it("shows the queue position while no agent is free, then who answers", async () => {
    const { server, host, page } = await setup();
    await addAgent(server, { email: "ana@example.com", name: "Ana", maxChats: 1 });
    const agent = await onlineAgent(server, "ana@example.com");
    const busy = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    const { socket: other } = await connectVisitor(server);
    ok(await emitAck(other, "conversation:open", { clientId: "o", message: { clientId: "m", body: "First!" } }));
    const first = await busy;

    await page.goto(host.url("/"));
    const frame = await openChat(page);
    await say(frame, "Anyone there?");
    await frame.getByRole("status").getByText("You are number 1 in the queue.").waitFor();
    expect(await frame.locator("h1").textContent()).toBe("Shop");

    const mine = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    ok(await emitAck(agent.socket, "conversation:close", { conversationId: first.id }));
    expect((await mine).preview).toBe("Anyone there?");
    await frame.locator("h1").getByText("You're chatting with Ana").waitFor();
    await frame.getByText("You are number 1 in the queue.").waitFor({ state: "detached" });
  });

  it("offers the offline form when no agent is online, and stores the message for later", async () => {
    const { server, host, page } = await setup();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await page.goto(host.url("/"));
    const frame = await openChat(page);
    await frame.getByText("We're not available right now.", { exact: false }).waitFor();
    await frame.getByRole("button", { name: "Send message" }).click();
    await frame.getByRole("alert").getByText("Please fill in Email.").waitFor();
    expect(await frame.evaluate(() => document.activeElement?.id)).toBe("f-email");
    await frame.getByLabel("Email").fill("not-an-email");
    await frame.getByRole("button", { name: "Send message" }).click();
    await frame.getByRole("alert").getByText("Please enter a valid email address.").waitFor();
    await frame.getByLabel("Name").fill("Vera");
    await frame.getByLabel("Email").fill("vera@example.com");
    await frame.getByLabel("How can we help?").fill("Please call me back");
    await frame.getByRole("button", { name: "Send message" }).click();
    await frame.getByText("Thanks! We have your message and will reply to vera@example.com.").waitFor();
    await frame.getByText("Please call me back").waitFor();

    const conv = await server.app.database.prisma.conversation.findFirstOrThrow({ include: { visitor: true, messages: true } });
    expect([conv.status, conv.tags, conv.visitor.email, conv.visitor.name]).toEqual(["queued", '["offline"]', "vera@example.com", "Vera"]);
    expect(conv.messages.map((m) => m.body)).toEqual(["Please call me back"]);
  });

  it("asks the site's pre-chat questions before the first message", async () => {
    const { server, host, page } = await setup({
      preChat: { enabled: true, fields: [{ key: "name", required: true }, { key: "email", type: "email" }, { key: "order", label: "Order number" }] },
    });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    await page.goto(host.url("/"));
    const frame = await openChat(page);
    await frame.getByText("Before we start", { exact: false }).waitFor();
    await frame.getByLabel("How can we help?").fill("Where is it?");
    await frame.getByRole("button", { name: "Start chat" }).click();
    await frame.getByRole("alert").getByText("Please fill in Name.").waitFor();
    await frame.getByLabel("Name").fill("Vera");
    await frame.getByLabel("Order number").fill("A-123");
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await frame.getByRole("button", { name: "Start chat" }).click();
    const summary = await assigned;
    expect(summary.preview).toBe("Where is it?");
    expect(summary.visitor.name).toBe("Vera");
    expect(summary.visitor.attributes.order).toBe("A-123");
    await frame.locator("textarea[aria-label='Your message']").waitFor();
  });

  it("the visitor downloads the transcript, ends the chat, rates it and starts again", async () => {
    const { server, host, page } = await setup();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    await page.goto(host.url("/"));
    const frame = await openChat(page);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(frame, "Hello");
    const { id } = await assigned;
    ok(await emitAck(agent.socket, "message:send", { conversationId: id, clientId: "a1", body: "Hi, Ana here" }));
    await frame.getByText("Hi, Ana here").waitFor();

    const request = page.waitForRequest((r) => r.url().includes("/transcript.txt"));
    const download = page.waitForEvent("download");
    await frame.getByRole("button", { name: "Download transcript" }).click();
    const req = await request;
    expect(req.url()).toBe(`${server.url}/api/v1/conversations/${id}/transcript.txt`);
    expect(req.headers().authorization).toMatch(/^Bearer v_/);
    const file = await (await download).path();
    const text = readFileSync(file, "utf8");
    expect(text).toContain("Hello");
    expect(text).toContain("Hi, Ana here");

    const closed = waitFor<ConversationSummaryDto[]>(agent.socket, "conversations:updated", (list) => list.some((c) => c.id === id && c.status === "closed"));
    await frame.getByRole("button", { name: "End chat" }).click();
    await frame.getByText("This chat has ended.").waitFor();
    await closed;
    await frame.getByRole("button", { name: "4 out of 5" }).click();
    await frame.getByText("Thanks for your feedback!").waitFor();
    expect((await server.app.database.prisma.conversation.findUniqueOrThrow({ where: { id } })).rating).toBe(4);

    await frame.getByRole("button", { name: "Start a new chat" }).click();
    const again = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(frame, "One more thing");
    expect((await again).id).not.toBe(id);
  });

  it("the /demo page works out of the box", async () => {
    const server = await env.server();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    const page = await (await env.context()).newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/demo`);
    const frame = await openChat(page);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(frame, "Trying the demo");
    expect((await assigned).siteName).toBe("Demo");
    expect([errors.errors, errors.warnings]).toEqual([[], []]);
  });

  it("two tabs of one visitor show the same conversation", async () => {
    const { server, host, context, page } = await setup();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    await page.goto(host.url("/"));
    const a = await openChat(page);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(a, "From tab A");
    const { id } = await assigned;

    const second = await context.newPage();
    await second.goto(host.url("/"));
    const b = await openChat(second);
    await b.getByText("From tab A").waitFor();
    await say(b, "From tab B");
    await a.getByText("From tab B").waitFor();
    ok(await emitAck<Ack<ConversationDto>>(agent.socket, "message:send", { conversationId: id, clientId: "r", body: "Both of you see this" }));
    await a.getByText("Both of you see this").waitFor();
    await b.getByText("Both of you see this").waitFor();
    expect(await server.app.database.prisma.conversation.count()).toBe(1);
    expect(await server.app.database.prisma.visitor.count()).toBe(1);
  });
});
