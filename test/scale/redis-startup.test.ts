// Redis unreachable when the processes start: each one still starts and serves its own clients,
// says degraded in /readyz and in its log, and joins the adapter once Redis answers (messages
// then cross between processes live). A private redis-server, started only mid-test.
import { afterEach, describe, expect, it } from "vitest";
import { closeClusters, openAssigned, openConversation, startCluster } from "./cluster.ts";
import { freePort, hasRedisServer, readyz, startRedis, stopRedis } from "./redis-server.ts";

const PG = process.env.DATABASE_URL_PG;

afterEach(async () => {
  await closeClusters();
  await stopRedis();
}, 30_000);

describe("Redis down at startup", () => {
  it.runIf(PG && hasRedisServer)("processes start degraded, serve their own clients, and join when Redis comes", async () => {
    const port = await freePort();
    const cluster = await startCluster({ processes: 2, redisUrl: `redis://127.0.0.1:${port}`, agents: [{ email: "ana@example.com", maxChats: 5 }] });
    const [a, b] = cluster.procs;
    for (const p of [a!, b!]) {
      const state = await readyz(p.url, "degraded");
      expect(state.reason).toMatch(/redis/i);
      await p.logged("redis unreachable at startup");
    }

    // Process A alone: its visitor and its agent chat both ways.
    const agentA = await cluster.agent("ana@example.com", () => a!.url);
    const visitorA = cluster.visitor(() => a!.url);
    await visitorA.start();
    await openAssigned(visitorA, agentA, "a-0", "Hello from A");
    agentA.send("a-reply", "Hi, A here");
    await visitorA.when(() => [...visitorA.log.values()].some((m) => m.clientId === "a-reply"), 15_000);
    visitorA.send("a-1", "thanks");
    await agentA.when(() => [...agentA.log.values()].some((m) => m.clientId === "a-1"), 15_000);

    await startRedis(port);
    for (const p of [a!, b!]) {
      expect(await readyz(p.url, "ready", 30_000)).toEqual({ status: "ready" });
      await p.logged("redis is back");
    }

    // Now across processes: a visitor on B is assigned to the agent on A, and they chat live.
    const visitorB = cluster.visitor(() => b!.url);
    await visitorB.start();
    const assignedB = new Promise<{ id: string }>((resolve) => agentA.socket!.once("conversation:assigned", resolve));
    await openConversation(visitorB, "b-0", "Hello across");
    // A second console tab of hers on A follows the new chat.
    const agentTab2 = await cluster.agent("ana@example.com", () => a!.url);
    agentTab2.conversationId = (await assignedB).id;
    await agentTab2.catchUp();
    agentTab2.send("b-reply", "Hi from A");
    await visitorB.when(() => [...visitorB.log.values()].some((m) => m.clientId === "b-reply"), 15_000);
    visitorB.send("b-1", "live to A");
    await agentTab2.when(() => [...agentTab2.log.values()].some((m) => m.clientId === "b-1"), 15_000);
  }, 120_000);
});
