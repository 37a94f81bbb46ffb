// An agent's consoles follow their own open count: agent:updated after chats are handed to them
// (several at once read the agent's row in a round or two, and the last update is the final state)
// and after one is closed.
import { afterEach, describe, expect, it } from "vitest";
import type { AgentDto } from "../../server/protocol.ts";
import { closeAllClients, ok } from "../helpers/clients.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { collect, emitAck, until } from "../helpers/wait.ts";
import { agentOnline, handedTo, openChat } from "./chat.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

describe.each(dbKinds())("agent:updated on %s", (db) => {
  it("tells the agent their open count after a burst of assignments and after a close", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", maxChats: 5 });
    const visitors = await Promise.all([1, 2, 3, 4].map(() => openChat(server!)));
    const ana = await agentOnline(server, "ana@example.com");
    const updates = collect<AgentDto>(ana.socket, "agent:updated");
    for (const v of visitors) await handedTo(ana, v.conversation.id);
    await until(() => updates.some((u) => u.openCount === 4), ana.socket);
    await server.app.notifier.idle();
    expect(updates.at(-1)).toMatchObject({ id: ana.id, status: "online", openCount: 4 });

    const before = updates.length;
    ok(await emitAck(ana.socket, "conversation:close", { conversationId: visitors[0].conversation.id }));
    await until(() => updates.slice(before).some((u) => u.openCount === 3), ana.socket);
  });
});
