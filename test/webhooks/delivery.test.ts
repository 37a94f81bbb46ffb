// Every event type reaches a real receiver on loopback, signed so the README's check verifies
// it, with the payload the README documents; private notes only reach endpoints that opted in.
import { describe, expect, it } from "vitest";
import type { Ack, ConversationDto, ConversationSummaryDto, MessageDto, WebhookEnvelope } from "../../server/protocol.ts";
import { identityHash } from "../../server/visitors/identify.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer } from "../helpers/server.ts";
import { connectVisitor, ok, onlineAgent } from "../helpers/clients.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { apiToken, FAST, receiverFor, register, webhookFixture } from "./fixtures.ts";
import { verify } from "./receiver.ts";

const fx = webhookFixture();

describe.each(dbKinds())("webhook delivery on %s", (db) => {
  it("sends every event type, signed, with the documented payloads; notes only to endpoints that opt in", async () => {
    const server = (fx.server = await startServer({ db, config: { webhooks: FAST } }));
    const everything = await receiverFor(fx);
    const notes = await receiverFor(fx, "/notes");
    const token = await apiToken(server, ["webhooks:write"]);
    await register(server, token, everything);
    await register(server, token, notes, { events: ["message.created"], includeNotes: true });

    await addAgent(server, { email: "ann@example.com", name: "Ann" });
    await addAgent(server, { email: "bob@example.com", name: "Bob" });
    const { socket: visitor, session } = await connectVisitor(server);
    const ann = await onlineAgent(server, "ann@example.com");
    const assigned = waitFor<ConversationSummaryDto>(ann.socket, "conversation:assigned");
    const opened = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(visitor, "conversation:open", { clientId: "open-1", message: { clientId: "m1", body: "Hello, my order is late" } }));
    const convId = opened.conversation.id;
    await assigned;
    ok(await emitAck<Ack<MessageDto>>(ann.socket, "message:send", { conversationId: convId, clientId: "a1", body: "Let me check" }));
    ok(await emitAck<Ack<MessageDto>>(ann.socket, "message:send", { conversationId: convId, clientId: "n1", body: "customer seems upset", note: true }));
    const bob = await onlineAgent(server, "bob@example.com");
    ok(await emitAck<Ack<ConversationDto>>(ann.socket, "conversation:transfer", { conversationId: convId, toAgentId: bob.agent.id }));
    ok(await emitAck<Ack<ConversationDto>>(bob.socket, "conversation:close", { conversationId: convId }));
    ok(await emitAck<Ack<ConversationDto>>(visitor, "conversation:rate", { conversationId: convId, rating: 5 }));
    const site = await server.app.database.prisma.site.findFirstOrThrow({ where: { key: server.demoKey } });
    ok(await emitAck(visitor, "visitor:identify", { id: "user-42", name: "Vera", hash: identityHash(site.identitySecret, "user-42") }));
    // Identifying again with nothing new is not an event.
    ok(await emitAck(visitor, "visitor:identify", { id: "user-42", name: "Vera", hash: identityHash(site.identitySecret, "user-42") }));

    // created, assigned, 2 messages, transferred, closed, rated, identified
    await everything.until(() => everything.log.size >= 8);
    await notes.until(() => notes.log.size >= 3);

    for (const r of everything.requests) {
      expect(r.verified).toBe(true);
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["x-parley-event-id"]).toBe(r.envelope.id);
      expect(r.headers["x-parley-event-type"]).toBe(r.envelope.type);
      // A wrong secret or a touched body does not verify.
      expect(verify("not-the-secret", r.headers, r.raw)).toBe(false);
      expect(verify(everything.secret, r.headers, r.raw.replace("}", " }"))).toBe(false);
    }
    const types = [...everything.log.values()].map((e) => e.type).sort();
    expect(types).toEqual(
      ["conversation.assigned", "conversation.closed", "conversation.created", "conversation.rated", "conversation.transferred", "message.created", "message.created", "visitor.identified"].sort(),
    );
    const one = <T extends WebhookEnvelope["type"]>(type: T) => {
      const found = everything.ofType(type);
      expect(found).toHaveLength(1);
      return found[0];
    };
    for (const e of everything.log.values()) {
      expect(e.id).toMatch(/^evt_[0-9a-f]{32}$/);
      expect(new Date(e.timestamp).toISOString()).toBe(e.timestamp);
    }
    expect(one("conversation.created").payload.conversation).toMatchObject({ id: convId, siteId: site.id, visitorId: session.visitor.id, status: "queued" });
    expect(one("conversation.assigned").payload).toMatchObject({ conversation: { id: convId, status: "assigned", assignee: { id: ann.agent.id, name: "Ann" } }, agent: { id: ann.agent.id, name: "Ann" }, via: "auto" });
    expect(one("conversation.transferred").payload).toMatchObject({ conversation: { id: convId, assignee: { id: bob.agent.id } }, from: { id: ann.agent.id, name: "Ann" }, to: { id: bob.agent.id, name: "Bob" } });
    expect(one("conversation.closed").payload.conversation).toMatchObject({ id: convId, status: "closed" });
    expect(one("conversation.rated").payload).toMatchObject({ conversation: { id: convId, rating: 5 }, rating: 5 });
    expect(one("visitor.identified").payload).toMatchObject({ visitor: { id: session.visitor.id, name: "Vera", identified: true }, userId: "user-42", verified: true });
    const messages = everything.ofType("message.created").map((e) => e.payload.message);
    expect(messages.map((m) => [m.authorKind, m.body, m.note]).sort()).toEqual([
      ["agent", "Let me check", false],
      ["visitor", "Hello, my order is late", false],
    ]);
    const agentMessage = messages.find((m) => m.authorKind === "agent");
    expect(agentMessage).toMatchObject({ conversationId: convId, siteId: site.id, visitorId: session.visitor.id, authorId: ann.agent.id, authorName: "Ann", seq: 2 });

    // The opted-in endpoint also got the note (and nothing but messages).
    expect(notes.requests.every((r) => r.verified && r.envelope.type === "message.created")).toBe(true);
    expect([...notes.log.values()].map((e) => (e as WebhookEnvelope<"message.created">).payload.message.note).sort()).toEqual([false, false, true]);
    // The same event has the same id at every endpoint.
    const shared = [...notes.log.keys()].filter((id) => everything.log.has(id));
    expect(shared).toHaveLength(2);
  });
});
