// conversation:transfer through real sockets: to a named eligible agent, refused with
// not_eligible (and nothing changed) otherwise, only by the assigned agent or an admin, and back
// to the queue, from where it goes to another agent first.
import { afterEach, describe, expect, it } from "vitest";
import type { Ack, ConversationDto } from "../../server/protocol.ts";
import { updateSiteRouting } from "../../server/sites/membership.ts";
import { closeAllClients, ok } from "../helpers/clients.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { emitAck } from "../helpers/wait.ts";
import { agentOnline, handedTo, openChat, takenFrom } from "./chat.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

type TransferAck = Ack<ConversationDto>;

describe.each(dbKinds())("transfer on %s", (db) => {
  it("hands a chat to a named eligible agent; both agents and the visitor learn it", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await addAgent(server, { email: "bob@example.com", name: "Bob" });
    const ana = await agentOnline(server, "ana@example.com");
    const v = await openChat(server);
    await handedTo(ana, v.conversation.id);
    const bob = await agentOnline(server, "bob@example.com");
    const since = v.updates.length;

    const moved = ok(await emitAck<TransferAck>(ana.socket, "conversation:transfer", { conversationId: v.conversation.id, toAgentId: bob.id }));
    expect([moved.status, moved.assignee?.name]).toEqual(["assigned", "Bob"]);
    await handedTo(bob, v.conversation.id);
    expect((await takenFrom(ana, v.conversation.id)).reason).toBe("transfer");
    expect((await v.update((c) => c.assignee?.id === bob.id, since)).status).toBe("assigned");
    const agents = await server.app.database.prisma.agent.findMany({ orderBy: { name: "asc" } });
    expect(agents.map((a) => [a.name, a.openCount])).toEqual([["Ana", 0], ["Bob", 1]]);
  });

  it("refuses a target who cannot take it now with not_eligible, and changes nothing", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", name: "Ana", role: "admin" });
    await addAgent(server, { email: "away@example.com", name: "Away" });
    await addAgent(server, { email: "full@example.com", name: "Full", maxChats: 1 });
    await addAgent(server, { email: "outsider@example.com", name: "Outsider" });
    const ana = await agentOnline(server, "ana@example.com");
    const v = await openChat(server);
    await handedTo(ana, v.conversation.id);

    const away = await agentOnline(server, "away@example.com");
    ok(await emitAck(away.socket, "agent:status", { status: "away" }));
    const full = await agentOnline(server, "full@example.com");
    const other = await openChat(server);
    await handedTo(full, other.conversation.id);
    const outsider = await agentOnline(server, "outsider@example.com");
    const prisma = server.app.database.prisma;
    const demo = await prisma.site.findFirstOrThrow({ where: { key: server.demoKey } });
    await updateSiteRouting(prisma, demo.id, { membersOnly: true, memberIds: [ana.id, away.id, full.id] });
    const offline = await addAgent(server, { email: "offline@example.com" });

    for (const [toAgentId, why] of [
      [away.id, "away"],
      [full.id, "full"],
      [outsider.id, "not a member of the site"],
      [offline.id, "offline"],
      ["no-such-agent", "unknown"],
    ]) {
      const ack = await emitAck<TransferAck>(ana.socket, "conversation:transfer", { conversationId: v.conversation.id, toAgentId });
      expect([why, ack.ok ? "ok" : ack.error.code]).toEqual([why, "not_eligible"]);
    }
    const still = await prisma.conversation.findUniqueOrThrow({ where: { id: v.conversation.id } });
    expect([still.status, still.assigneeId]).toEqual(["assigned", ana.id]);
    expect((await prisma.agent.findUniqueOrThrow({ where: { id: ana.id } })).openCount).toBe(1);
    expect(ana.unassigned).toEqual([]);
  });

  it("lets only the assigned agent or an admin transfer, and validates the payload", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com" });
    await addAgent(server, { email: "bob@example.com" });
    await addAgent(server, { email: "boss@example.com", role: "admin" });
    const ana = await agentOnline(server, "ana@example.com");
    const v = await openChat(server);
    await handedTo(ana, v.conversation.id);
    const bob = await agentOnline(server, "bob@example.com");
    const boss = await agentOnline(server, "boss@example.com");

    const stolen = await emitAck<TransferAck>(bob.socket, "conversation:transfer", { conversationId: v.conversation.id, toAgentId: bob.id });
    expect(stolen.ok ? "ok" : stolen.error.code).toBe("forbidden");
    for (const bad of [{}, { conversationId: "" }, { conversationId: v.conversation.id, toAgentId: 42 }, { conversationId: v.conversation.id, extra: 1 }, "x"]) {
      const ack = await emitAck<TransferAck>(ana.socket, "conversation:transfer", bad);
      expect([JSON.stringify(bad), ack.ok ? "ok" : ack.error.code]).toEqual([JSON.stringify(bad), "bad_request"]);
    }
    const missing = await emitAck<TransferAck>(ana.socket, "conversation:transfer", { conversationId: "nope" });
    expect(missing.ok ? "ok" : missing.error.code).toBe("not_found");

    // An admin may move anyone's chat.
    ok(await emitAck<TransferAck>(boss.socket, "conversation:transfer", { conversationId: v.conversation.id, toAgentId: bob.id }));
    await handedTo(bob, v.conversation.id);
    // A queued or closed chat has no one to transfer from.
    ok(await emitAck(bob.socket, "conversation:close", { conversationId: v.conversation.id }));
    const closed = await emitAck<TransferAck>(bob.socket, "conversation:transfer", { conversationId: v.conversation.id, toAgentId: ana.id });
    expect(closed.ok ? "ok" : closed.error.code).toBe("conflict");
  });

  it("sends a chat back to the front of the queue, from where it goes to someone else", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await addAgent(server, { email: "bob@example.com", name: "Bob", maxChats: 1 });
    const ana = await agentOnline(server, "ana@example.com");
    const v = await openChat(server);
    await handedTo(ana, v.conversation.id);
    const bob = await agentOnline(server, "bob@example.com");
    const bobs = await openChat(server);
    await handedTo(bob, bobs.conversation.id);
    const waiting = await openChat(server);
    // Ana still has room, so the waiting chat is hers; now she has two.
    await handedTo(ana, waiting.conversation.id);
    const since = v.updates.length;

    const back = ok(await emitAck<TransferAck>(ana.socket, "conversation:transfer", { conversationId: v.conversation.id }));
    expect([back.status, back.assignee]).toEqual(["queued", null]);
    expect((await takenFrom(ana, v.conversation.id)).reason).toBe("queue");
    await v.update((c) => c.status === "queued", since);
    // Ana is the least busy now, but she sent it back: it waits for Bob, who frees his slot.
    ok(await emitAck(bob.socket, "conversation:close", { conversationId: bobs.conversation.id }));
    await handedTo(bob, v.conversation.id);
    expect(ana.assigned.filter((c) => c.id === v.conversation.id)).toHaveLength(1);
  });
});
