// Bounded chaos over two processes: a few hundred clients (visitors and the agents' sockets for
// their chats) keep chatting while random connections are force-closed every couple of seconds
// (offline up to 2 s) and one process is killed (-9) and restarted. Afterwards every side holds
// every acknowledged message exactly once, in order; the counts are printed.
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../server/db/client.ts";
import { allOf, audit, type Participant } from "./chat-client.ts";
import { closeClusters, openConversation, startCluster } from "./cluster.ts";

const PG = process.env.DATABASE_URL_PG;
const REDIS = process.env.REDIS_URL_TEST;
const CHATS = Number(process.env.PARLEY_CHAOS_CHATS ?? 30);
const PER_SIDE = 4;
const AGENTS = 3;

afterEach(closeClusters, 30_000);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("chaos", () => {
  it.runIf(PG && REDIS)(`${CHATS * 2} clients over two processes, random cuts, a process killed and restarted: delivery 100%, duplicates 0, order kept`, async () => {
    const agentsSpec = Array.from({ length: AGENTS }, (_, i) => ({ email: `agent${i}@example.com`, maxChats: Math.ceil(CHATS / AGENTS) + 1 }));
    const cluster = await startCluster({ processes: 2, redisUrl: REDIS, agents: agentsSpec });
    // Each agent goes online once; the per-chat sockets below are more console tabs of theirs.
    const t0 = Date.now();
    const phase = (name: string) => process.env.PARLEY_CHAOS_TRACE && console.log(`chaos phase ${name} at ${Date.now() - t0} ms`);
    for (const a of agentsSpec) await cluster.agent(a.email);
    const visitors: Participant[] = [];
    for (let i = 0; i < CHATS; i++) visitors.push(cluster.visitor());
    await Promise.all(visitors.map((v) => v.start()));
    await Promise.all(visitors.map((v, i) => openConversation(v, `v${i}-0`, `hello ${i}`)));

    phase("opened");
    // Wait until the routing engine assigned every chat (the database says to whom): as long as
    // assignments keep coming, bounded in all.
    const db = await openDatabase(cluster.database.url);
    const ids = visitors.map((v) => v.conversationId!);
    let assignees = new Map<string, string>();
    try {
      const started = Date.now();
      let lastMove = started;
      while (assignees.size < ids.length && Date.now() - lastMove < 20_000 && Date.now() - started < 90_000) {
        const rows = await db.prisma.conversation.findMany({ where: { id: { in: ids } }, select: { id: true, assignee: { select: { email: true } } } });
        const now = new Map(rows.filter((r) => r.assignee).map((r) => [r.id, r.assignee!.email]));
        if (now.size > assignees.size) lastMove = Date.now();
        assignees = now;
        // Assignment has no event the test can await across processes; re-read shortly.
        if (assignees.size < ids.length) await pause(250);
      }
    } finally {
      await db.close();
    }
    expect(assignees.size).toBe(CHATS);
    const agentSides = await Promise.all(
      visitors.map(async (v) => {
        const p = await cluster.agent(assignees.get(v.conversationId!)!);
        p.conversationId = v.conversationId;
        await p.catchUp();
        return p;
      }),
    );
    const everyone = [...visitors, ...agentSides];
    phase("agents connected");

    // Chaos: both sides send PER_SIDE messages at random moments over ~10 s; every 2 s a random
    // fifth of the clients is cut (offline 0-2 s); process A is killed at 3 s and restarted at 6 s.
    const started = Date.now();
    const sends = everyone.map(async (p, idx) => {
      const chat = idx % CHATS;
      const side = idx < CHATS ? "v" : "a";
      for (let k = 1; k <= PER_SIDE; k++) {
        await pause(Math.random() * 2500);
        p.send(`${side}${chat}-${k}`, `${side} ${chat} #${k}`);
      }
    });
    const cuts = (async () => {
      for (let round = 0; round < 5; round++) {
        await pause(2000);
        for (const p of everyone) if (Math.random() < 0.2) p.drop(Math.random() * 2000);
      }
    })();
    const killer = (async () => {
      await pause(3000);
      await cluster.procs[0]!.kill("SIGKILL");
      await pause(3000);
      await cluster.start(0);
    })();
    await Promise.all([...sends, cuts, killer]);

    phase("chaos over");
    // Settle: outboxes empty, everyone connected and caught up; waits last while acks keep coming.
    const acked = () => everyone.reduce((n, p) => n + p.acked.size, 0);
    const describe = (p: Participant) => ({ pending: p.pending, connected: p.connected, connects: p.connects, refusals: p.refusals, errors: [...p.errors] });
    await allOf(everyone, (p) => p.pending === 0, { what: "outboxes emptied", quietMs: 20_000, capMs: 120_000, progress: acked, describe });
    await allOf(everyone, (p) => p.connected, { what: "connected after the chaos", quietMs: 20_000, capMs: 60_000, describe });
    // Catch up until each side holds its whole conversation (a catch-up cut mid-request is retried).
    const total = (idx: number) => visitors[idx % CHATS].acked.size + agentSides[idx % CHATS].acked.size;
    const behind = () => everyone.filter((p, idx) => p.lastSeq() < total(idx));
    for (let round = 0; round < 5 && behind().length; round++) {
      await Promise.all(behind().map((p) => p.when(() => p.connected, 20_000).then(() => p.catchUp(), () => undefined)));
    }
    let delivered = 0;
    let expected = 0;
    let duplicates = 0;
    let outOfOrder = 0;
    let arrivalsAgain = 0;
    for (let i = 0; i < CHATS; i++) {
      const pair = [visitors[i], agentSides[i]];
      for (const side of pair) {
        const r = audit(side, pair);
        delivered += r.delivered;
        expected += r.expected;
        duplicates += r.duplicates;
        outOfOrder += r.outOfOrder;
        for (const n of side.arrivals.values()) if (n > 1) arrivalsAgain += n - 1;
      }
    }
    const refusals = everyone.reduce((n, p) => n + p.refusals, 0);
    const reconnects = everyone.reduce((n, p) => n + p.connects - 1, 0);
    console.log(
      `chaos: clients=${everyone.length} chats=${CHATS} seconds=${((Date.now() - started) / 1000).toFixed(1)} reconnects=${reconnects} refusals=${refusals} ` +
        `delivered=${delivered}/${expected} (${((100 * delivered) / expected).toFixed(1)}%) duplicates=${duplicates} outOfOrder=${outOfOrder} liveRepeatsDeduplicatedBySeq=${arrivalsAgain}`,
    );
    expect(expected).toBe(CHATS * 2 * (2 * PER_SIDE + 1));
    expect(delivered).toBe(expected);
    expect(duplicates).toBe(0);
    expect(outOfOrder).toBe(0);
  }, 400_000);
});
