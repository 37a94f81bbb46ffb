// The whole loop a real user goes through, over WebSocket and over long-polling only, on every
// database: visitor opens, conversation queued, assigned to the online agent, messages both
// ways, agent closes, transcript downloads as JSON.
import { afterEach, describe, expect, it } from "vitest";
import type { Ack, ConversationDto, ConversationSummaryDto, MessageDto, TranscriptDto } from "../../server/protocol.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectVisitor, ok, onlineAgent, type Transport } from "../helpers/clients.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

describe.each(dbKinds())("full loop on %s", (db) => {
  it.each<Transport>(["websocket", "polling"])("visitor and agent chat over %s", async (transport) => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com", [transport]);
    const { socket: visitor, session } = await connectVisitor(server, { transports: [transport] });
    expect(session.token).toMatch(/^v_/);
    expect(session.conversation).toBeNull();

    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    const visitorSeesAssignee = waitFor<ConversationDto>(visitor, "conversation:updated", (c) => c.status === "assigned");
    const opened = ok(
      await emitAck<Ack<{ conversation: ConversationDto; messages: MessageDto[] }>>(visitor, "conversation:open", {
        clientId: "open-1",
        message: { clientId: "m-1", body: "Hello, I need help" },
        name: "Vera",
      }),
    );
    expect(opened.messages.map((m) => m.body)).toEqual(["Hello, I need help"]);
    const summary = await assigned;
    expect(summary.id).toBe(opened.conversation.id);
    expect(summary.visitor.name).toBe("Vera");
    expect(summary.preview).toBe("Hello, I need help");

    // The visitor learns who is answering.
    expect((await visitorSeesAssignee).assignee?.name).toBe("Ana");

    // Agent -> visitor
    const atVisitor = waitFor<MessageDto>(visitor, "message:new", (m) => m.authorKind === "agent");
    const reply = ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: summary.id, clientId: "a-1", body: "Hi Vera, how can I help?" }));
    expect(reply.seq).toBe(2);
    expect((await atVisitor).body).toBe("Hi Vera, how can I help?");
    expect((await atVisitor).authorName).toBe("Ana");

    // Visitor -> agent
    const atAgent = waitFor<MessageDto>(agent.socket, "message:new", (m) => m.clientId === "m-2");
    ok(await emitAck(visitor, "message:send", { conversationId: summary.id, clientId: "m-2", body: "My order is late" }));
    expect((await atAgent).seq).toBe(3);

    // Close
    const closedAtVisitor = waitFor<ConversationDto>(visitor, "conversation:updated", (c) => c.status === "closed");
    const closed = ok(await emitAck<Ack<ConversationDto>>(agent.socket, "conversation:close", { conversationId: summary.id }));
    expect(closed.status).toBe("closed");
    expect((await closedAtVisitor).closedAt).not.toBeNull();
    const after = await server.app.database.prisma.agent.findUniqueOrThrow({ where: { id: agent.agent.id } });
    expect(after.openCount).toBe(0);

    // Transcript
    const res = await fetch(`${server.url}/api/v1/conversations/${summary.id}/transcript.json`, { headers: { cookie: agent.cookie } });
    expect(res.status).toBe(200);
    const transcript = (await res.json()) as TranscriptDto;
    expect(transcript.conversation.status).toBe("closed");
    expect(transcript.messages.map((m) => [m.seq, m.authorKind, m.body])).toEqual([
      [1, "visitor", "Hello, I need help"],
      [2, "agent", "Hi Vera, how can I help?"],
      [3, "visitor", "My order is late"],
    ]);
    expect(transcript.agents).toEqual([{ id: agent.agent.id, name: "Ana" }]);
    expect(transcript.site.name).toBe("Demo");
  });
});
