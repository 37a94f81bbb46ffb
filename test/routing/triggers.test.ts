// The queue drains the moment capacity appears, including through the admin API (capacity raised,
// site switched to auto), and manual sites are picked up by hand: every eligible agent sees the
// chat, the first to accept gets it.
import { afterEach, describe, expect, it } from "vitest";
import type { Ack, ConversationDto, ConversationSummaryDto } from "../../server/protocol.ts";
import { updateSiteRouting } from "../../server/sites/membership.ts";
import { closeAllClients, ok } from "../helpers/clients.ts";
import { dbKinds } from "../helpers/databases.ts";
import { api } from "../helpers/http.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { emitAck } from "../helpers/wait.ts";
import { agentOnline, handedTo, openChat } from "./chat.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

describe.each(dbKinds())("queue triggers and manual mode on %s", (db) => {
  it("assigns as soon as an admin raises a capacity or switches the site to auto", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "boss@example.com", role: "admin", maxChats: 1 });
    const boss = await agentOnline(server, "boss@example.com");
    const first = await openChat(server);
    await handedTo(boss, first.conversation.id);
    const waiting = await openChat(server);
    await waiting.position((p) => p.position === 1);

    const raised = await api(server, "PATCH", `/api/v1/admin/agents/${boss.id}`, { cookie: boss.cookie, body: { maxChats: 2 } });
    expect(raised.status).toBe(200);
    await handedTo(boss, waiting.conversation.id);

    const demo = await server.app.database.prisma.site.findFirstOrThrow({ where: { key: server.demoKey } });
    expect((await api(server, "PATCH", `/api/v1/admin/sites/${demo.id}`, { cookie: boss.cookie, body: { routingMode: "manual", defaultCapacity: 5 } })).status).toBe(200);
    await api(server, "PATCH", `/api/v1/admin/agents/${boss.id}`, { cookie: boss.cookie, body: { maxChats: null } });
    const manual = await openChat(server);
    await manual.position((p) => p.position === 1);
    expect(boss.assigned.some((c) => c.id === manual.conversation.id)).toBe(false);
    expect((await api(server, "PATCH", `/api/v1/admin/sites/${demo.id}`, { cookie: boss.cookie, body: { routingMode: "auto" } })).status).toBe(200);
    await handedTo(boss, manual.conversation.id);
  });

  it("lists a manual site's chats to its eligible agents; the first accept wins", async () => {
    server = await startServer({ db });
    const prisma = server.app.database.prisma;
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await addAgent(server, { email: "bob@example.com", name: "Bob" });
    await addAgent(server, { email: "eve@example.com", name: "Eve" });
    const ana = await agentOnline(server, "ana@example.com");
    const bob = await agentOnline(server, "bob@example.com");
    const eve = await agentOnline(server, "eve@example.com");
    const demo = await prisma.site.findFirstOrThrow({ where: { key: server.demoKey } });
    await updateSiteRouting(prisma, demo.id, { routingMode: "manual", membersOnly: true, memberIds: [ana.id, bob.id] });

    const v = await openChat(server);
    await v.position((p) => p.position === 1);
    const listed = async (socket: typeof ana.socket) => ok(await emitAck<Ack<ConversationSummaryDto[]>>(socket, "queue:list", {})).map((c) => c.id);
    expect(await listed(ana.socket)).toEqual([v.conversation.id]);
    expect(await listed(bob.socket)).toEqual([v.conversation.id]);
    expect(await listed(eve.socket)).toEqual([]);
    expect(ana.assigned).toEqual([]);

    const [a, b] = await Promise.all([
      emitAck<Ack<ConversationDto>>(ana.socket, "conversation:accept", { conversationId: v.conversation.id }),
      emitAck<Ack<ConversationDto>>(bob.socket, "conversation:accept", { conversationId: v.conversation.id }),
    ]);
    const results = [a, b].map((r) => (r.ok ? "ok" : r.error.code)).sort();
    expect(results).toEqual(["conflict", "ok"]);
    const winner = a.ok ? ana : bob;
    await handedTo(winner, v.conversation.id);
    const row = await prisma.conversation.findUniqueOrThrow({ where: { id: v.conversation.id } });
    expect(row.assigneeId).toBe(winner.id);
    expect((await prisma.agent.findMany({ where: { openCount: { gt: 0 } } })).map((x) => x.id)).toEqual([winner.id]);
    // A non-member cannot pick up this site's chats (to them the chat does not exist).
    const other = await openChat(server);
    const refused = await emitAck<Ack<ConversationDto>>(eve.socket, "conversation:accept", { conversationId: other.conversation.id });
    expect(refused.ok ? "ok" : refused.error.code).toBe("not_found");
    expect((await prisma.conversation.findUniqueOrThrow({ where: { id: other.conversation.id } })).status).toBe("queued");
  });
});
