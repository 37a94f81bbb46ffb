// Routing engine latency with 100 agents and 1,000 queued conversations, on a real database.
//   npx tsx bench/routing-latency.ts [sqlite|postgres]   (postgres needs DATABASE_URL_PG)
// The latency of an assignment runs from the moment the slot it fills appeared (the agent's
// status change to online committed, or the close that freed it committed; or the chat was
// queued, if later) to the engine seeing the assignment committed. Phase 1: 1,000 chats wait and
// the 100 agents (capacity 3) come online one after another. Phase 2: agents close chats at
// random, each close frees a slot the engine fills from the queue, until the queue is empty.
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

    // Slots in the order they appeared, per agent; `at` is set once the change that opened them
    // committed. Each assignment to an agent fills that agent's oldest open slot.
    type Slot = { at: number };
    const slots = new Map<string, Slot[]>();
    const open = (agentId: string, n: number) => {
      const list = slots.get(agentId) ?? [];
      const added = Array.from({ length: n }, () => ({ at: NaN }));
      list.push(...added);
      slots.set(agentId, list);
      return added;
    };
    const filled: { slot: Slot; committedAt: number; queuedAt: number; phase: number }[] = [];
    let phase = 1;
    let assigned = 0;
    let waitFor: { n: number; resolve: () => void } | null = null;
    const engine = new RoutingEngine(db, {
      onAssigned: (list) => {
        for (const a of list) {
          const slot = slots.get(a.agentId)?.shift() ?? { at: NaN };
          filled.push({ slot, committedAt: (a.committedAt ?? a.assignedAt).getTime(), queuedAt: a.queuedAt.getTime(), phase });
        }
        assigned += list.length;
        if (waitFor && assigned >= waitFor.n) waitFor.resolve();
      },
      onError: (err) => console.error(err),
    });
    const until = (n: number) => new Promise<void>((resolve) => (assigned >= n ? resolve() : (waitFor = { n, resolve })));

    const started = Date.now();
    for (const a of agents) {
      const opened = open(a.id, 3);
      await changeStatus(db, a.id, "online");
      for (const slot of opened) slot.at = Date.now();
      void engine.drain();
    }
    await until(AGENTS * 3);
    await engine.idle();
    const phase1Ms = Date.now() - started;

    phase = 2;
    const startedClosing = Date.now();
    while (assigned < QUEUED) {
      const held = await db.conversation.findMany({ where: { status: "assigned" }, select: { id: true, assigneeId: true }, take: 50 });
      const victim = held[Math.floor(Math.random() * held.length)];
      const target = assigned + 1;
      const [slot] = open(victim.assigneeId as string, 1);
      await closeConversation(db, victim.id);
      slot.at = Date.now();
      void engine.drain();
      await until(target);
    }
    await engine.idle();
    const phase2Ms = Date.now() - startedClosing;
    await engine.close();

    const latency = (f: (typeof filled)[number]) => Math.max(0, f.committedAt - Math.max(f.slot.at, f.queuedAt));
    const all = filled.map(latency);
    const byPhase = (n: number) => filled.filter((f) => f.phase === n).map(latency);
    const double = await db.routingEvent.groupBy({ by: ["conversationId"], where: { kind: "assigned" }, _count: { _all: true }, having: { conversationId: { _count: { gt: 1 } } } });
    const maxOpen = (await db.agent.aggregate({ _max: { openCount: true } }))._max.openCount;
    console.log(`routing latency on ${kind}: ${AGENTS} agents (capacity 3), ${QUEUED} queued conversations`);
    console.log(`  ${summary("all assignments", all)}`);
    console.log(`  ${summary("phase 1: agents come online", byPhase(1))} (${phase1Ms} ms for the burst)`);
    console.log(`  ${summary("phase 2: a close frees a slot", byPhase(2))} (${phase2Ms} ms)`);
    console.log(`  checks: conversations assigned twice: ${double.length}; highest open count: ${maxOpen} (capacity 3)`);
  } finally {
    await database.close();
    await temp.drop();
  }
}

const kind = (process.argv[2] ?? "sqlite") as DbKind;
if (kind !== "sqlite" && kind !== "postgres") throw new Error("usage: routing-latency.ts [sqlite|postgres]");
await main(kind);
