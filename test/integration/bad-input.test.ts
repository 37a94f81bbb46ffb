// Every socket event answers malformed payloads with an error ack and changes nothing.
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Ack, ConversationDto } from "../../server/protocol.ts";
import { MAX_MESSAGE_LENGTH, MAX_PACKET_BYTES } from "../../server/protocol.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectVisitor, ok, onlineAgent } from "../helpers/clients.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

// JSON.parse makes "__proto__" an own key, as it arrives off the wire.
const junk: unknown[] = [undefined, null, 42, "text", [], [1, 2], true, JSON.parse('{"__proto__": {"polluted": true}}')];

async function snapshot(s: TestServer) {
  const db = s.app.database.prisma;
  const [conversations, messages, visitors, agents] = await Promise.all([
    db.conversation.findMany({ orderBy: { id: "asc" } }),
    db.message.findMany({ orderBy: { id: "asc" } }),
    db.visitor.findMany({ orderBy: { id: "asc" } }),
    db.agent.findMany({ orderBy: { id: "asc" } }),
  ]);
  // lastSeenAt marks the visitor's connection, written behind the handshake (within 250 ms, in one
  // UPDATE for every visitor connecting then): it is not something a refused event changed.
  return JSON.stringify({ conversations, messages, visitors: visitors.map(({ lastSeenAt: _seen, ...v }) => v), agents });
}

async function expectAllRefused(socket: Socket, table: Record<string, unknown[]>) {
  for (const [event, payloads] of Object.entries(table)) {
    for (const payload of [...junk, ...payloads]) {
      const ack = await emitAck<Ack<unknown>>(socket, event, payload);
      expect(ack.ok, `${event} ${JSON.stringify(payload)}`).toBe(false);
      if (!ack.ok) {
        expect(["bad_request", "not_found", "too_large"], `${event} ${JSON.stringify(payload)}`).toContain(ack.error.code);
        expect(ack.error.message).not.toMatch(/prisma|sql|at .*\.ts/i);
      }
    }
  }
}

const tooLong = "x".repeat(MAX_MESSAGE_LENGTH + 1);

describe("malformed socket payloads", () => {
  it("visitor events refuse bad shapes and leave the database unchanged", async () => {
    server = await startServer();
    const { socket } = await connectVisitor(server);
    const conv = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(socket, "conversation:open", { clientId: "o" })).conversation;
    const before = await snapshot(server);
    await expectAllRefused(socket, {
      "conversation:open": [{}, { clientId: "" }, { clientId: 5 }, { clientId: "a", extra: 1 }, { clientId: "a", message: { clientId: "m", body: "" } },
        { clientId: "a", message: { clientId: "m", body: tooLong } }, { clientId: "a", email: "not-an-email" }, { clientId: "x".repeat(65) }],
      "message:send": [{}, { conversationId: conv.id }, { conversationId: conv.id, clientId: "c", body: "   " },
        { conversationId: conv.id, clientId: "c", body: tooLong }, { conversationId: conv.id, clientId: "c", body: 7 },
        { conversationId: "missing", clientId: "c", body: "hi" }, { conversationId: conv.id, clientId: "c", body: "hi", note: true }],
      "messages:since": [{ conversationId: conv.id }, { conversationId: conv.id, afterSeq: -1 }, { conversationId: conv.id, afterSeq: 1.5 }, { conversationId: "nope", afterSeq: 0 }],
      "conversation:close": [{}, { conversationId: "" }, { conversationId: "nope" }],
      "conversation:rate": [{ conversationId: conv.id, rating: 0 }, { conversationId: conv.id, rating: 6 }, { conversationId: conv.id, rating: "5" }],
      "visitor:update": [{ name: "" }, { email: "x" }, { attributes: { "": 1 } }, { attributes: { deep: { nested: true } } }, { unknown: 1 }],
    });
    expect(await snapshot(server)).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("agent events refuse bad shapes and leave the database unchanged", async () => {
    server = await startServer();
    await addAgent(server, { email: "ana@example.com" });
    const { socket } = await onlineAgent(server, "ana@example.com");
    const before = await snapshot(server);
    await expectAllRefused(socket, {
      "agent:status": [{}, { status: "busy" }, { status: 1 }],
      "conversation:list": [{ status: "open" }, { mine: "yes" }],
      "conversation:get": [{}, { conversationId: "nope" }],
      "conversation:accept": [{}, { conversationId: "nope" }],
      "conversation:close": [{ conversationId: 1 }, { conversationId: "nope" }],
      "message:send": [{ conversationId: "nope", clientId: "c", body: "hi" }, { conversationId: "x", clientId: "c", body: "hi", note: "yes" }],
      "messages:since": [{ conversationId: "nope", afterSeq: 0 }, { afterSeq: 0 }],
    });
    expect(await snapshot(server)).toBe(before);
  });

  it("survives events without an ack, unknown events and oversized packets", async () => {
    server = await startServer();
    const { socket } = await connectVisitor(server);
    socket.emit("message:send", { garbage: true });
    socket.emit("no:such:event", 1, 2, 3);
    socket.emit("typing", "not an object");
    // The connection is still usable afterwards.
    ok(await emitAck(socket, "conversation:open", { clientId: "o" }));
    const closed = waitFor<string>(socket, "disconnect");
    socket.emit("message:send", { conversationId: "c", clientId: "x", body: "y".repeat(MAX_PACKET_BYTES + 10) });
    expect(await closed).toMatch(/transport/);
    expect(await server.app.database.prisma.message.count()).toBe(0);
    // The server itself is fine.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("rate-limits a flooding connection without affecting others", async () => {
    server = await startServer({ config: { rateBurst: 5, ratePerSecond: 0.001 } });
    const flooder = await connectVisitor(server);
    const acks = await Promise.all(Array.from({ length: 10 }, (_, i) => emitAck<Ack<unknown>>(flooder.socket, "messages:since", { conversationId: `c${i}`, afterSeq: 0 })));
    const limited = acks.filter((a) => !a.ok && a.error.code === "rate_limited");
    expect(limited.length).toBe(5);
    const calm = await connectVisitor(server);
    expect((await emitAck<Ack<unknown>>(calm.socket, "conversation:open", { clientId: "o" })).ok).toBe(true);
  });

  it("answers malformed and oversized HTTP bodies with JSON errors", async () => {
    server = await startServer();
    const post = (body: string) =>
      fetch(`${server!.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", "x-parley-csrf": "1" }, body });
    const malformed = await post("{not json");
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    const huge = await post(JSON.stringify({ email: "a@b.co", password: "x".repeat(200_000) }));
    expect(huge.status).toBe(413);
    const wrongShape = await post(JSON.stringify({ email: ["a@b.co"], password: 1 }));
    expect(wrongShape.status).toBe(400);
    const unknownRoute = await fetch(`${server.url}/api/v1/nope`);
    expect(unknownRoute.status).toBe(404);
    expect(((await unknownRoute.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});
