// Messages are idempotent (a retried clientId is stored once), ordered (gapless per-conversation
// sequence, even when sent concurrently) and replayable (a client that reconnects with the last
// sequence it saw gets exactly what it missed).
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Ack, ConversationDto, MessageDto, VisitorSessionDto } from "../../server/protocol.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectVisitor, ok, onlineAgent } from "../helpers/clients.ts";
import { collect, emitAck, until, waitFor } from "../helpers/wait.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

async function openChat(visitor: Socket): Promise<ConversationDto> {
  return ok(await emitAck<Ack<{ conversation: ConversationDto }>>(visitor, "conversation:open", { clientId: "open" })).conversation;
}

describe.each(dbKinds())("messages on %s", (db) => {
  it("stores a retried clientId once, sequentially and concurrently", async () => {
    server = await startServer({ db });
    const { socket: visitor } = await connectVisitor(server);
    const conv = await openChat(visitor);
    const first = ok(await emitAck<Ack<MessageDto>>(visitor, "message:send", { conversationId: conv.id, clientId: "same", body: "once" }));
    const retry = ok(await emitAck<Ack<MessageDto>>(visitor, "message:send", { conversationId: conv.id, clientId: "same", body: "once" }));
    expect(retry.id).toBe(first.id);
    expect(retry.seq).toBe(first.seq);

    const burst = await Promise.all(
      Array.from({ length: 12 }, () => emitAck<Ack<MessageDto>>(visitor, "message:send", { conversationId: conv.id, clientId: "dup", body: "racing" })),
    );
    const ids = new Set(burst.map((a) => ok(a).id));
    expect(ids.size).toBe(1);
    const stored = await server.app.database.prisma.message.findMany({ where: { conversationId: conv.id } });
    expect(stored.map((m) => m.clientId).sort()).toEqual(["dup", "same"]);
    expect(stored.map((m) => m.seq).sort()).toEqual([1, 2]);
  });

  it("gives concurrent messages a gapless sequence and delivers them in order", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com" });
    const agent = await onlineAgent(server, "ana@example.com");
    const { socket: visitor } = await connectVisitor(server);
    const assigned = waitFor<{ id: string }>(agent.socket, "conversation:assigned");
    const conv = await openChat(visitor);
    await assigned;
    const atAgent = collect<MessageDto>(agent.socket, "message:new");
    const n = 40;
    const acks = await Promise.all(
      Array.from({ length: n }, (_, i) => emitAck<Ack<MessageDto>>(visitor, "message:send", { conversationId: conv.id, clientId: `c${i}`, body: `m${i}` })),
    );
    const seqs = acks.map((a) => ok(a).seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    await until(() => atAgent.length >= n, agent.socket);
    expect(atAgent.map((m) => m.seq)).toEqual(seqs);
  });

  it("replays exactly the missed messages after a forced disconnect", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com" });
    const agent = await onlineAgent(server, "ana@example.com");
    const first = await connectVisitor(server);
    const assigned = waitFor<{ id: string }>(agent.socket, "conversation:assigned");
    const conv = await openChat(first.socket);
    await assigned;
    const seen = ok(await emitAck<Ack<MessageDto>>(first.socket, "message:send", { conversationId: conv.id, clientId: "v1", body: "before" }));
    first.socket.disconnect();

    const missed: MessageDto[] = [];
    for (let i = 0; i < 5; i++) {
      missed.push(ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: conv.id, clientId: `a${i}`, body: `while away ${i}` })));
    }
    // A private note must never be replayed to the visitor.
    ok(await emitAck(agent.socket, "message:send", { conversationId: conv.id, clientId: "note", body: "internal", note: true }));

    const again = await connectVisitor(server, { token: first.session.token });
    expect(again.session.visitor.id).toBe(first.session.visitor.id);
    expect((again.session as VisitorSessionDto).conversation?.id).toBe(conv.id);
    const replay = ok(await emitAck<Ack<MessageDto[]>>(again.socket, "messages:since", { conversationId: conv.id, afterSeq: seen.seq }));
    expect(replay.map((m) => m.body)).toEqual(missed.map((m) => m.body));
    expect(replay.some((m) => m.note)).toBe(false);
    // Asking again from the newest sequence yields nothing: no duplicates.
    const rest = ok(await emitAck<Ack<MessageDto[]>>(again.socket, "messages:since", { conversationId: conv.id, afterSeq: replay[replay.length - 1].seq }));
    expect(rest).toEqual([]);
  });

  it("reuses the conversation for a retried open and refuses messages to a closed one", async () => {
    server = await startServer({ db });
    const { socket: visitor } = await connectVisitor(server);
    const a = await openChat(visitor);
    const b = await openChat(visitor);
    expect(b.id).toBe(a.id);
    ok(await emitAck(visitor, "conversation:close", { conversationId: a.id }));
    const refused = await emitAck<Ack<MessageDto>>(visitor, "message:send", { conversationId: a.id, clientId: "late", body: "hello?" });
    expect(refused).toEqual({ ok: false, error: { code: "conflict", message: expect.any(String) } });
    expect(await server.app.database.prisma.message.count({ where: { conversationId: a.id } })).toBe(0);
  });
});
