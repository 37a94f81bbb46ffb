// Routing engine latency with 100 agents and 1,000 queued conversations, on a real database.
//   npx tsx bench/routing-latency.ts [sqlite|postgres]   (postgres needs DATABASE_URL_PG)
// Latency of an assignment = from the moment it became possible (the trigger: an agent came
// online, or closed a chat) to the engine seeing it committed, as parley_assignment_latency_seconds
// measures it. Phase 1: 1,000 chats wait, the 100 agents (capacity 3) come online one after
// another. Phase 2: agents close chats at random, each close frees a slot that the engine fills
// from the queue, until the queue is empty.
import { openDatabase } from "../server/db/client.ts";
import { migrate } from "../server/db/migrate.ts";
import { closeConversation } from "../server/conversations/service.ts";
import { RoutingEngine } from "../server/routing/engine.ts";
import { changeStatus } from "../server/routing/status.ts";
import { tempDatabase, type DbKind } from "../test/helpers/databases.ts";

const AGENTS = 100;
const QUEUED = 1000;

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summary(label: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `${label}: n=${s.length} p50=${percentile(s, 50).toFixed(1)} ms p90=${percentile(s, 90).toFixed(1)} ms p99=${percentile(s, 99).toFixed(1)} ms max=${s[s.length - 1]?.toFixed(1)} ms`;
}

async function main(kind: DbKind) {
  const temp = await tempDatabase(kind);
  await migrate(temp.url);
  const database = await openDatabase(temp.url);
  const db = database.prisma;
  try {
    const site = await db.site.create({ data: { key: "bench", name: "Bench", identitySecret: "x" } });
    const agents = [];
    for (let i = 0; i < AGENTS; i++) {
      agents.push(await db.agent.create({ data: { email: `a${i}@bench.test`, name: `a${i}`, passwordHash: "x", status: "offline" } }));
    }
    const t0 = Date.now() - QUEUED * 1000;
    for (let i = 0; i < QUEUED; i += 100) {
      await db.$transaction(async (tx) => {
        for (let j = i; j < Math.min(QUEUED, i + 100); j++) {
          const v = await tx.visitor.create({ data: { siteId: site.id, tokenHash: `t${j}` } });
          await tx.conversation.create({ data: { siteId: site.id, visitorId: v.id, queuedAt: new Date(t0 + j * 1000) } });
        }
      });
    }

    const latencies: number[] = [];
    let phase = 1;
    const byPhase: Record<number, number[]> = { 1: [], 2: [] };
    let assigned = 0;
    let waitFor: { n: number; resolve: () => void } | null = null;
    const engine = new RoutingEngine(db, {
      onAssigned: (list, requestedAt) => {
        for (const a of list) {
          const ms = (a.committedAt ?? a.assignedAt).getTime() - Math.max(requestedAt, a.queuedAt.getTime());
          latencies.push(ms);
          byPhase[phase].push(ms);
        }
        assigned += list.length;
        if (waitFor && assigned >= waitFor.n) waitFor.resolve();
      },
      onError: (err) => console.error(err),
    });
    const until = (n: number) => new Promise<void>((resolve) => (assigned >= n ? resolve() : (waitFor = { n, resolve })));

    const started = Date.now();
    for (const a of agents) {
      await changeStatus(db, a.id, "online");
      void engine.drain();
    }
    await until(AGENTS * 3);
    await engine.idle();
    const phase1Ms = Date.now() - started;

    phase = 2;
    const startedClosing = Date.now();
    while (assigned < QUEUED) {
      const open = await db.conversation.findMany({ where: { status: "assigned" }, select: { id: true }, take: 50 });
      const target = assigned + 1;
      await closeConversation(db, open[Math.floor(Math.random() * open.length)].id);
      void engine.drain();
      await until(target);
    }
    await engine.idle();
    const phase2Ms = Date.now() - startedClosing;
    await engine.close();

    const double = await db.routingEvent.groupBy({ by: ["conversationId"], where: { kind: "assigned" }, _count: { _all: true }, having: { conversationId: { _count: { gt: 1 } } } });
    const maxOpen = (await db.agent.aggregate({ _max: { openCount: true } }))._max.openCount;
    console.log(`routing latency on ${kind}: ${AGENTS} agents (capacity 3), ${QUEUED} queued conversations`);
    console.log(`  ${summary("all assignments", latencies)}`);
    console.log(`  ${summary("phase 1: agents come online", byPhase[1])} (${phase1Ms} ms for the burst)`);
    console.log(`  ${summary("phase 2: a close frees a slot", byPhase[2])} (${phase2Ms} ms)`);
    console.log(`  checks: conversations assigned twice: ${double.length}; highest open count: ${maxOpen} (capacity 3)`);
  } finally {
    await database.close();
    await temp.drop();
  }
}

const kind = (process.argv[2] ?? "sqlite") as DbKind;
if (kind !== "sqlite" && kind !== "postgres") throw new Error("usage: routing-latency.ts [sqlite|postgres]");
await main(kind);
