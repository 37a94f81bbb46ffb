// One "server process" of the concurrency test: its own database connection and RoutingEngine,
// running a random (seeded) mix of what visitors, agents and admins do, concurrently with the
// other processes on the same database. Started by concurrency.test.ts with `node --import tsx`;
// reports { ok, stats } or { ok: false, error } over IPC.
import { openDatabase } from "../../server/db/client.ts";
import { closeConversation, openConversation } from "../../server/conversations/service.ts";
import { abuseLimits } from "../../server/auth/abuse.ts";
import { DomainError } from "../../server/errors.ts";
import { acceptConversation } from "../../server/routing/accept.ts";
import { RoutingEngine } from "../../server/routing/engine.ts";
import { changeStatus } from "../../server/routing/status.ts";
import { transferConversation } from "../../server/routing/transfer.ts";
import { seededRandom } from "./seeded-random.ts";

export interface WorkerConfig {
  url: string;
  seed: number;
  name: string;
  ops: number;
  actors: number;
  conversations: number;
  agentIds: string[];
  autoSiteIds: string[];
  manualSiteId: string;
  /** upper bound of the random pause between one actor's actions */
  pauseMs: number;
}

async function main(cfg: WorkerConfig): Promise<Record<string, number>> {
  const database = await openDatabase(cfg.url);
  const db = database.prisma;
  const errors: unknown[] = [];
  const engine = new RoutingEngine(db, { onError: (err) => errors.push(err) });
  const random = seededRandom(cfg.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const stats: Record<string, number> = {};
  const count = (k: string) => (stats[k] = (stats[k] ?? 0) + 1);
  let created = 0;
  let done = 0;
  const durations: number[] = [];

  // Any of them, not the first few: actors piling onto the same rows would measure the test.
  const randomConversation = async (status: "queued" | "assigned", siteId?: string) => {
    const where = { status, ...(siteId ? { siteId } : {}) };
    const n = await db.conversation.count({ where });
    if (n === 0) return null;
    return (await db.conversation.findFirst({ where, orderBy: { id: "asc" }, skip: Math.floor(random() * n), select: { id: true } }))?.id ?? null;
  };

  const step = async () => {
    const r = random();
    if ((r < 0.25 || done > cfg.ops) && created < cfg.conversations) {
      created++;
      const siteId = random() < 0.1 ? cfg.manualSiteId : pick(cfg.autoSiteIds);
      const visitor = await db.visitor.create({ data: { siteId, tokenHash: `${cfg.name}-${created}-${cfg.seed}` } });
      await openConversation(db, abuseLimits(), { siteId, visitorId: visitor.id, openKey: "open", ip: "127.0.0.1" });
      count("open");
      void engine.drain();
    } else if (r < 0.45) {
      const status = random() < 0.7 ? "online" : random() < 0.6 ? "offline" : "away";
      await changeStatus(db, pick(cfg.agentIds), status);
      count(status);
      if (status !== "away") void engine.drain();
    } else if (r < 0.72) {
      const id = await randomConversation(random() < 0.9 ? "assigned" : "queued");
      if (!id) return;
      const result = await closeConversation(db, id);
      if (result.closed) count("close");
      void engine.drain();
    } else if (r < 0.82) {
      const id = await randomConversation("queued", cfg.manualSiteId);
      if (!id) return;
      await acceptConversation(db, id, pick(cfg.agentIds));
      count("accept");
    } else {
      const id = await randomConversation("assigned");
      if (!id) return;
      const toAgentId = random() < 0.6 ? pick(cfg.agentIds) : undefined;
      await transferConversation(db, { conversationId: id, actor: { agentId: "test-admin", role: "admin" }, toAgentId });
      count(toAgentId ? "transfer" : "toQueue");
      void engine.drain();
    }
  };

  const actor = async () => {
    while (done < cfg.ops || created < cfg.conversations) {
      done++;
      // People, not a tight loop: a few ms between one actor's actions keeps the machine from
      // saturating, so the wait bound measures the engine rather than the CPU queue.
      await new Promise((resolve) => setTimeout(resolve, random() * cfg.pauseMs));
      const t0 = performance.now();
      try {
        await step();
        durations.push(performance.now() - t0);
      } catch (err) {
        // Refusals (taken, not eligible, changed meanwhile) are the expected outcome of races.
        if (err instanceof DomainError) count(`refused:${err.code}`);
        else throw err;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: cfg.actors }, actor));
    await engine.drain();
    await engine.idle();
    if (errors.length) throw errors[0];
    durations.sort((a, b) => a - b);
    // How long one action takes on this machine right now: the test scales its wait bound by it.
    stats.medianActionMs = Math.round(durations[Math.floor(durations.length / 2)] ?? 0);
    return stats;
  } finally {
    await engine.close();
    await database.close();
  }
}

const cfg = JSON.parse(process.argv[2] ?? "{}") as WorkerConfig;
main(cfg).then(
  (stats) => process.send?.({ ok: true, stats }, () => process.exit(0)),
  (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) }, () => process.exit(1)),
);
