// conversation:reopen through real sockets. The visitor's reopen goes back to the agent who had
// the chat if they can take it now, otherwise to the queue; an agent reopens to themself.
import { afterEach, describe, expect, it } from "vitest";
import type { Ack, ConversationDto } from "../../server/protocol.ts";
import { closeAllClients, ok } from "../helpers/clients.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { emitAck } from "../helpers/wait.ts";
import { agentOnline, handedTo, openChat } from "./chat.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

type ConvAck = Ack<ConversationDto>;
const code = (ack: ConvAck) => (ack.ok ? "ok" : ack.error.code);

describe.each(dbKinds())("reopen on %s", (db) => {
  it("returns a reopened chat to its previous agent when they can take it", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const ana = await agentOnline(server, "ana@example.com");
    const v = await openChat(server);
    await handedTo(ana, v.conversation.id);
    ok(await emitAck(v.socket, "conversation:close", { conversationId: v.conversation.id }));
    ana.assigned.length = 0;

    const since = v.updates.length;
    const reopened = ok(await emitAck<ConvAck>(v.socket, "conversation:reopen", { conversationId: v.conversation.id }));
    expect([reopened.status, reopened.assignee?.name, reopened.closedAt]).toEqual(["assigned", "Ana", null]);
    await handedTo(ana, v.conversation.id);
    await v.update((c) => c.status === "assigned", since);
    // The chat is open again: messages flow.
    ok(await emitAck(v.socket, "message:send", { conversationId: v.conversation.id, clientId: "again", body: "One more thing" }));
    expect((await server.app.database.prisma.agent.findUniqueOrThrow({ where: { id: ana.id } })).openCount).toBe(1);
  });

  it("queues a reopened chat when its previous agent is gone, and someone else gets it", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com" });
    await addAgent(server, { email: "bob@example.com" });
    const ana = await agentOnline(server, "ana@example.com");
    const v = await openChat(server);
    await handedTo(ana, v.conversation.id);
    ok(await emitAck(v.socket, "conversation:close", { conversationId: v.conversation.id }));
    ok(await emitAck(ana.socket, "agent:status", { status: "offline" }));

    const since = v.positions.length;
    const reopened = ok(await emitAck<ConvAck>(v.socket, "conversation:reopen", { conversationId: v.conversation.id }));
    expect([reopened.status, reopened.assignee]).toEqual(["queued", null]);
    await v.position((p) => p.conversationId === v.conversation.id && p.position === 1, since);
    const bob = await agentOnline(server, "bob@example.com");
    await handedTo(bob, v.conversation.id);
  });

  it("lets an agent reopen to themself, and refuses what cannot be reopened", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await addAgent(server, { email: "bob@example.com", name: "Bob", maxChats: 1 });
    const ana = await agentOnline(server, "ana@example.com");
    const v = await openChat(server);
    await handedTo(ana, v.conversation.id);

    // Not closed yet.
    expect(code(await emitAck<ConvAck>(v.socket, "conversation:reopen", { conversationId: v.conversation.id }))).toBe("conflict");
    ok(await emitAck(ana.socket, "conversation:close", { conversationId: v.conversation.id }));
    // Someone else's conversation is "not found" to a visitor; bad payloads are refused.
    const stranger = await openChat(server);
    expect(code(await emitAck<ConvAck>(stranger.socket, "conversation:reopen", { conversationId: v.conversation.id }))).toBe("not_found");
    expect(code(await emitAck<ConvAck>(v.socket, "conversation:reopen", { conversationId: v.conversation.id, x: 1 }))).toBe("bad_request");

    // Bob takes the next chat and is full (maxChats 1): he cannot take this one.
    const bob = await agentOnline(server, "bob@example.com");
    const third = await openChat(server);
    await handedTo(bob, third.conversation.id);
    expect(code(await emitAck<ConvAck>(bob.socket, "conversation:reopen", { conversationId: v.conversation.id }))).toBe("not_eligible");

    const mine = ok(await emitAck<ConvAck>(ana.socket, "conversation:reopen", { conversationId: v.conversation.id }));
    expect([mine.status, mine.assignee?.name]).toEqual(["assigned", "Ana"]);
    // Reopening twice: it is open now.
    expect(code(await emitAck<ConvAck>(ana.socket, "conversation:reopen", { conversationId: v.conversation.id }))).toBe("conflict");
  });
});
