// Restart avalanche, scaled down for the test suite (the 2,000-client variant is
// `npm run bench -- --scenario reconnect --redis`): 150 visitors on two processes with a small
// per-process connection budget; both processes are killed and restarted at once. Every client
// comes back (jittered backoff, honouring the server's "retry later" refusals), the processes stay
// up, and p50/p95 reconnect times print. Waits last while clients keep arriving, so a loaded
// machine is slow, not failing; only a stall fails.
import { afterEach, describe, expect, it } from "vitest";
import { allOf, type Participant } from "./chat-client.ts";
import { closeClusters, startCluster } from "./cluster.ts";

const PG = process.env.DATABASE_URL_PG;
const REDIS = process.env.REDIS_URL_TEST;
const CLIENTS = Number(process.env.PARLEY_AVALANCHE_CLIENTS ?? 150);

afterEach(closeClusters, 30_000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

describe("restart avalanche", () => {
  it.runIf(PG && REDIS)(`${CLIENTS} clients, both processes restarted at once: all come back, refusals honoured`, async () => {
    const cluster = await startCluster({
      processes: 2,
      redisUrl: REDIS,
      agents: [],
      // Small enough that the avalanche meets the limit on this machine.
      env: { PARLEY_CONNECTION_BURST: "20", PARLEY_CONNECTIONS_PER_SECOND: "25" },
    });
    const clients: Participant[] = Array.from({ length: CLIENTS }, () => cluster.visitor());
    for (const c of clients) void c.start(180_000).catch(() => undefined);
    await allOf(clients, (c) => c.connected, { what: "connected before the restart", quietMs: 20_000, capMs: 120_000 });
    const connectsBefore = clients.reduce((n, c) => n + c.connects, 0);
    expect(connectsBefore).toBe(CLIENTS);

    await Promise.all(cluster.procs.map((p) => p!.kill("SIGKILL")));
    await Promise.all([cluster.start(0), cluster.start(1)]);
    const restartedAt = Date.now();
    await allOf(clients, (c) => c.connected && c.connects >= 2, { what: "back after the restart", quietMs: 20_000, capMs: 120_000, progress: () => clients.reduce((n, c) => n + c.refusals, 0) });
    const times = clients.map((c) => Math.max(0, c.lastConnectAt - restartedAt)).sort((x, y) => x - y);
    const refusals = clients.reduce((n, c) => n + c.refusals, 0);
    console.log(
      `avalanche: clients=${CLIENTS} processes=2 refusals=${refusals} reconnect after restart p50=${percentile(times, 50)} ms p95=${percentile(times, 95)} ms max=${times[times.length - 1]} ms`,
    );
    expect(refusals).toBeGreaterThan(0);
    expect(cluster.alive()).toHaveLength(2);
    // Each process answers its health check after the avalanche.
    for (const p of cluster.alive()) expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
  }, 300_000);
});
