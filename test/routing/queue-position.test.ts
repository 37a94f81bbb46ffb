// queue:position reaches the visitor's socket on every change to their site's queue, with an
// estimated wait computed from recent handle times and the capacity online.
import { afterEach, describe, expect, it } from "vitest";
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

describe.each(dbKinds())("queue position on %s", (db) => {
  it("pushes every queued visitor its new position whenever the queue moves", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", maxChats: 1 });
    const [v1, v2, v3] = [await openChat(server), await openChat(server), await openChat(server)];
    await v1.position((p) => p.position === 1 && p.estimatedWaitSeconds === null);
    await v2.position((p) => p.position === 2);
    await v3.position((p) => p.position === 3);
    expect(v3.positions.every((p) => p.conversationId === v3.conversation.id)).toBe(true);

    // An agent comes online and takes the first: everyone behind moves up.
    let since = [v2.positions.length, v3.positions.length];
    const ana = await agentOnline(server, "ana@example.com");
    await handedTo(ana, v1.conversation.id);
    await v2.position((p) => p.position === 1, since[0]);
    await v3.position((p) => p.position === 2, since[1]);

    // A visitor ahead gives up: the one behind moves up again.
    since = [v3.positions.length];
    ok(await emitAck(v2.socket, "conversation:close", { conversationId: v2.conversation.id }));
    await v3.position((p) => p.position === 1, since[0]);
  });

  it("estimates the wait from recent handle times and the capacity online", async () => {
    server = await startServer({ db });
    const prisma = server.app.database.prisma;
    const demo = await prisma.site.findFirstOrThrow({ where: { key: server.demoKey } });
    // Recent history: chats of this site stayed 120 s with their agent.
    const now = Date.now();
    for (let i = 0; i < 5; i++) {
      const visitor = await prisma.visitor.create({ data: { siteId: demo.id, tokenHash: `history-${i}` } });
      await prisma.conversation.create({
        data: { siteId: demo.id, visitorId: visitor.id, status: "closed", assignedAt: new Date(now - 600_000 + i * 1000), closedAt: new Date(now - 480_000 + i * 1000) },
      });
    }
    await addAgent(server, { email: "ana@example.com", maxChats: 1 });
    await addAgent(server, { email: "bob@example.com", maxChats: 1 });
    const ana = await agentOnline(server, "ana@example.com");
    const v1 = await openChat(server);
    await handedTo(ana, v1.conversation.id);

    // One slot, busy: first in line waits about one handle time.
    const v2 = await openChat(server);
    await v2.position((p) => p.position === 1 && p.estimatedWaitSeconds === 120);
    const v3 = await openChat(server);
    await v3.position((p) => p.position === 2 && p.estimatedWaitSeconds === 240);
    // A second agent doubles the capacity: v2 is served, v3 is first and waits half as long.
    const since = v3.positions.length;
    const bob = await agentOnline(server, "bob@example.com");
    await handedTo(bob, v2.conversation.id);
    await v3.position((p) => p.position === 1 && p.estimatedWaitSeconds === 60, since);
  });
});
