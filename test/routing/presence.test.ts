// Presence through real sockets: an agent who disconnects keeps their chats for the grace period
// (graceSeconds: 1 here), a reconnect within it changes nothing, after it their chats go back to
// the FRONT of the queue and the visitors are told; going offline does the same at once; away
// keeps current chats and takes no new ones.
import { afterEach, describe, expect, it } from "vitest";
import type { Ack, AgentDto, ConversationSummaryDto } from "../../server/protocol.ts";
import { closeAllClients, connectAgent, ok } from "../helpers/clients.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { emitAck, until } from "../helpers/wait.ts";
import { agentOnline, handedTo, openChat, takenFrom } from "./chat.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

describe.each(dbKinds())("presence on %s", (db) => {
  it("keeps chats through the grace period, then returns them to the front of the queue and tells the visitor", async () => {
    server = await startServer({ db, config: { graceSeconds: 1 } });
    await addAgent(server, { email: "ana@example.com", maxChats: 1 });
    const ana = await agentOnline(server, "ana@example.com");
    const v1 = await openChat(server);
    await handedTo(ana, v1.conversation.id);
    const v2 = await openChat(server);
    await until(() => v2.positions.some((p) => p.position === 1), v2.socket);

    const since = { v1: v1.positions.length, v2: v2.positions.length, u1: v1.updates.length };
    const gone = Date.now();
    ana.socket.disconnect();
    const requeued = await v1.update((c) => c.status === "queued", since.u1);
    // Not before the grace period: the chat stayed with Ana for that second.
    expect(Date.now() - gone).toBeGreaterThanOrEqual(950);
    expect(requeued.assignee).toBeNull();
    // v1 had already waited once: it goes ahead of v2, who has been queued longer this time.
    await v1.position((p) => p.position === 1, since.v1);
    await v2.position((p) => p.position === 2, since.v2);
    const agent = await server.app.database.prisma.agent.findUniqueOrThrow({ where: { id: ana.id } });
    expect([agent.status, agent.openCount, agent.disconnectedAt]).toEqual(["offline", 0, null]);
  });

  it("changes nothing when the agent is back within the grace period", async () => {
    server = await startServer({ db, config: { graceSeconds: 1 } });
    await addAgent(server, { email: "ana@example.com", maxChats: 1 });
    await addAgent(server, { email: "bob@example.com", maxChats: 1 });
    const ana = await agentOnline(server, "ana@example.com");
    const v1 = await openChat(server);
    await handedTo(ana, v1.conversation.id);
    const bob = await agentOnline(server, "bob@example.com");
    const v2 = await openChat(server);
    await handedTo(bob, v2.conversation.id);
    await v1.update((c) => c.status === "assigned");
    await v2.update((c) => c.status === "assigned");
    const since = { u1: v1.updates.length, u2: v2.updates.length };

    // A reload: Ana's console drops and comes straight back.
    ana.socket.disconnect();
    await connectAgent(server, ana.cookie);
    // Bob leaves for good after Ana did: by the time his chat is requeued, Ana's grace period
    // has run out too, had she not come back.
    bob.socket.disconnect();
    await v2.update((c) => c.status === "queued", since.u2);
    const prisma = server.app.database.prisma;
    const kept = await prisma.conversation.findUniqueOrThrow({ where: { id: v1.conversation.id } });
    expect([kept.status, kept.assigneeId]).toEqual(["assigned", ana.id]);
    expect(v1.updates.slice(since.u1).some((c) => c.status === "queued")).toBe(false);
    const a = await prisma.agent.findUniqueOrThrow({ where: { id: ana.id } });
    expect([a.status, a.openCount, a.disconnectedAt]).toEqual(["online", 1, null]);
  });

  it("going offline requeues at once, at the front; away keeps chats and takes no new ones", async () => {
    server = await startServer({ db, config: { graceSeconds: 60 } });
    await addAgent(server, { email: "ana@example.com", maxChats: 2 });
    const ana = await agentOnline(server, "ana@example.com");
    const v1 = await openChat(server);
    await handedTo(ana, v1.conversation.id);

    const away = ok(await emitAck<Ack<AgentDto>>(ana.socket, "agent:status", { status: "away" }));
    expect(away.status).toBe("away");
    const v2 = await openChat(server);
    // Nobody available: queued, and no estimate rather than a made-up one.
    await until(() => v2.positions.some((p) => p.position === 1 && p.estimatedWaitSeconds === null), v2.socket);
    expect(ana.assigned.map((c) => c.id)).toEqual([v1.conversation.id]);

    // Back online: the waiting chat is hers at once.
    ok(await emitAck(ana.socket, "agent:status", { status: "online" }));
    await handedTo(ana, v2.conversation.id);
    const v3 = await openChat(server);
    await until(() => v3.positions.some((p) => p.position === 1), v3.socket);

    const since = { v1: v1.positions.length, v2: v2.positions.length, v3: v3.positions.length, u1: v1.updates.length, u2: v2.updates.length };
    const offline = ok(await emitAck<Ack<AgentDto>>(ana.socket, "agent:status", { status: "offline" }));
    expect([offline.status, offline.openCount]).toEqual(["offline", 0]);
    expect((await takenFrom(ana, v1.conversation.id)).reason).toBe("offline");
    expect((await takenFrom(ana, v2.conversation.id)).reason).toBe("offline");
    await v1.update((c) => c.status === "queued" && c.assignee === null, since.u1);
    await v2.update((c) => c.status === "queued" && c.assignee === null, since.u2);
    // Ana's two chats go ahead of v3, who was already waiting.
    await v3.position((p) => p.position === 3, since.v3);
    const front = await Promise.all([v1.position(() => true, since.v1), v2.position(() => true, since.v2)]);
    expect(front.map((p) => p.position).sort()).toEqual([1, 2]);
    // The console lists the queue in that order too.
    const listed = ok(await emitAck<Ack<ConversationSummaryDto[]>>(ana.socket, "queue:list", {})).map((c) => c.id);
    expect(listed).toHaveLength(3);
    expect(new Set(listed.slice(0, 2))).toEqual(new Set([v1.conversation.id, v2.conversation.id]));
    expect(listed[2]).toBe(v3.conversation.id);
  });
});
