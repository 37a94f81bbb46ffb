// Redis and PostgreSQL going away for a few seconds while both sides keep sending: nothing
// acknowledged is lost. Redis: a separate redis-server just for this test, killed and restarted.
// PostgreSQL: process A reaches it through a loopback TCP proxy that is cut and restored (the
// shared cluster is never stopped).
import { afterEach, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { audit, type Participant } from "./chat-client.ts";
import { closeClusters, openAssigned, startCluster } from "./cluster.ts";
import { freePort, hasRedisServer, readyz, startRedis, stopRedis } from "./redis-server.ts";

const PG = process.env.DATABASE_URL_PG;
const REDIS = process.env.REDIS_URL_TEST;

let proxy: TcpProxy | null = null;
afterEach(async () => {
  await closeClusters();
  await stopRedis();
  await proxy?.close();
  proxy = null;
}, 30_000);

/** Both sides send `n` messages each, spaced out, while `during` runs after the first third. */
async function converse(visitor: Participant, agent: Participant, n: number, tag: string, during: () => Promise<void>): Promise<void> {
  for (let i = 1; i <= n; i++) {
    visitor.send(`v-${tag}-${i}`, `visitor ${tag} ${i}`);
    agent.send(`a-${tag}-${i}`, `agent ${tag} ${i}`);
    if (i === Math.floor(n / 3)) await during();
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function settle(visitor: Participant, agent: Participant): Promise<void> {
  const state = () => JSON.stringify({ visitor: { pending: visitor.pending, connected: visitor.connected, connects: visitor.connects, errors: [...visitor.errors] }, agent: { pending: agent.pending, connected: agent.connected, connects: agent.connects, errors: [...agent.errors] } });
  await visitor.when(() => visitor.pending === 0, 30_000).catch((e: Error) => Promise.reject(new Error(`${e.message}: ${state()}`)));
  await agent.when(() => agent.pending === 0, 30_000).catch((e: Error) => Promise.reject(new Error(`${e.message}: ${state()}`)));
  const total = visitor.acked.size + agent.acked.size;
  await visitor.catchUp();
  await agent.catchUp();
  await visitor.when(() => visitor.lastSeq() >= total, 15_000);
  await agent.when(() => agent.lastSeq() >= total, 15_000);
  for (const side of [visitor, agent]) {
    const r = audit(side, [visitor, agent]);
    expect(r.missing).toEqual([]);
    expect(r).toMatchObject({ delivered: total, duplicates: 0, outOfOrder: 0 });
  }
}

describe("outages during traffic", () => {
  it.runIf(PG && REDIS && hasRedisServer)("Redis down for a few seconds: each process keeps serving its own sockets, says degraded, catches up", async () => {
    const port = await freePort();
    await startRedis(port);
    const cluster = await startCluster({ processes: 2, redisUrl: `redis://127.0.0.1:${port}`, agents: [{ email: "ana@example.com" }] });
    const [a, b] = cluster.procs;
    const agent = await cluster.agent("ana@example.com", () => b!.url);
    const visitor = cluster.visitor(() => a!.url);
    await visitor.start();
    await openAssigned(visitor, agent, "v-0", "Hello");
    expect(await readyz(a!.url, "ready")).toEqual({ status: "ready" });

    await converse(visitor, agent, 30, "r", async () => {
      await stopRedis();
      const degraded = await readyz(a!.url, "degraded");
      expect(degraded.reason).toMatch(/redis/i);
      // Own sockets keep working: the visitor's message is acknowledged while Redis is away.
      const before = visitor.acked.size;
      visitor.send("v-during", "sent while Redis is down");
      await visitor.when(() => visitor.acked.size > before, 10_000);
      await startRedis(port);
    });
    await readyz(a!.url, "ready");
    await readyz(b!.url, "ready");
    await settle(visitor, agent);
    // Live delivery across processes resumed after Redis came back.
    visitor.send("v-after", "after Redis is back");
    await agent.when(() => [...agent.log.values()].some((m) => m.clientId === "v-after"), 15_000);
  }, 90_000);

  it.runIf(PG && REDIS)("PostgreSQL unreachable for a few seconds: writes answer unavailable, outboxes keep them, nothing acknowledged is lost", async () => {
    const pgUrl = new URL(PG!);
    proxy = await startTcpProxy(Number(pgUrl.port || 5432));
    const cluster = await startCluster({
      processes: 2,
      redisUrl: REDIS,
      agents: [{ email: "ana@example.com" }],
      // Process A reaches PostgreSQL only through the proxy.
      databaseUrlFor: (db, i) => {
        if (i !== 0) return db.url;
        const u = new URL(db.url);
        u.hostname = "127.0.0.1";
        u.port = String(proxy!.port);
        return u.toString();
      },
    });
    const [a, b] = cluster.procs;
    const agent = await cluster.agent("ana@example.com", () => b!.url);
    const visitor = cluster.visitor(() => a!.url);
    await visitor.start();
    await openAssigned(visitor, agent, "v-0", "Hello");

    await converse(visitor, agent, 30, "p", async () => {
      proxy!.cut();
      const before = visitor.errors.get("unavailable") ?? 0;
      visitor.send("v-during", "sent while the database is away");
      await visitor.when(() => (visitor.errors.get("unavailable") ?? 0) > before, 15_000);
      expect((await fetch(`${a!.url}/readyz`)).status).toBe(503);
      proxy!.restore();
    });
    await readyz(a!.url, "ready");
    await settle(visitor, agent);
    expect(a!.child.exitCode).toBeNull();
  }, 90_000);
});
