// Many conversations arriving at once while several agents are online, through two server
// instances sharing one database: nobody gets the same conversation twice and no agent goes
// over capacity.
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Ack, ConversationDto, ConversationSummaryDto } from "../../server/protocol.ts";
import { createApp, type ParleyApp } from "../../server/app.ts";
import { createLogger } from "../../server/logger.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectVisitor, ok, onlineAgent } from "../helpers/clients.ts";
import { collect, emitAck } from "../helpers/wait.ts";

let server: TestServer | undefined;
let second: ParleyApp | undefined;
afterEach(async () => {
  closeAllClients();
  await second?.close();
  await server?.close();
  server = second = undefined;
});

describe.each(dbKinds())("assignment under concurrency on %s", (db) => {
  it("never double-assigns and never exceeds capacity across two server instances", async () => {
    server = await startServer({ db });
    second = await createApp({ ...server.app.config, port: 0, seedDemo: false }, { logger: createLogger("silent") });
    const { port } = await second.listen(0, "127.0.0.1");
    // The second instance answers on its own port but serves the same sites (same database).
    const serverB: TestServer = { ...server, url: `http://127.0.0.1:${port}`, port };

    const agents: { socket: Socket; id: string; assigned: ConversationSummaryDto[] }[] = [];
    for (let i = 0; i < 6; i++) {
      await addAgent(server, { email: `agent${i}@example.com`, maxChats: 3 });
      const target = i % 2 === 0 ? server : serverB;
      const a = await onlineAgent(target, `agent${i}@example.com`);
      agents.push({ socket: a.socket, id: a.agent.id, assigned: collect<ConversationSummaryDto>(a.socket, "conversation:assigned") });
    }
    const n = 40;
    const visitors = await Promise.all(Array.from({ length: n }, (_, i) => connectVisitor(i % 2 === 0 ? server! : serverB, { origin: server!.url })));
    const opened = await Promise.all(
      visitors.map((v, i) => emitAck<Ack<{ conversation: ConversationDto }>>(v.socket, "conversation:open", { clientId: `o${i}`, message: { clientId: "m", body: `help ${i}` } })),
    );
    const ids = opened.map((a) => ok(a).conversation.id);
    expect(new Set(ids).size).toBe(n);

    // Both instances drain; wait until the database says every slot is taken.
    const prisma = server.app.database.prisma;
    const deadline = Date.now() + 15_000;
    while ((await prisma.conversation.count({ where: { status: "assigned" } })) < 18 && Date.now() < deadline) {
      await Promise.all([server.app.notifier.drain(), second.notifier.drain()]);
    }
    const assigned = await prisma.conversation.findMany({ where: { status: "assigned" } });
    expect(assigned.length).toBe(18); // 6 agents x 3 slots
    const perAgent = new Map<string, number>();
    for (const c of assigned) perAgent.set(c.assigneeId as string, (perAgent.get(c.assigneeId as string) ?? 0) + 1);
    expect([...perAgent.values()].every((v) => v === 3)).toBe(true);
    for (const a of await prisma.agent.findMany()) expect(a.openCount).toBe(3);
    expect(await prisma.conversation.count({ where: { status: "queued" } })).toBe(n - 18);

    // No conversation was announced to two agents.
    const announced = agents.flatMap((a) => a.assigned.map((c) => c.id));
    expect(new Set(announced).size).toBe(announced.length);
    // The oldest conversations were served first.
    const queued = await prisma.conversation.findMany({ where: { status: "queued" }, orderBy: { queuedAt: "asc" } });
    const oldestQueued = queued[0].queuedAt.getTime();
    expect(assigned.every((c) => c.queuedAt.getTime() <= oldestQueued)).toBe(true);
  });
});
