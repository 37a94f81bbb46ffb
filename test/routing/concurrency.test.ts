// Several server processes route the same database at once: hundreds of conversations, dozens of
// agents going online, away and offline, chats closed, transferred and picked up by hand, all at
// random. Afterwards the event log is replayed: no conversation ever had two agents, no agent was
// ever over capacity, recorded open counts match, and no conversation stayed queued while an
// eligible agent had room for longer than a small bound.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { loadSites } from "../../server/routing/state.ts";
import { dbKinds } from "../helpers/databases.ts";
import type { WorkerConfig } from "./concurrency-worker.ts";
import { replay } from "./event-log.ts";
import { routingDb, seedAgent, seedSite, type RoutingDb } from "./fixtures.ts";

const WORKER = fileURLToPath(new URL("./concurrency-worker.ts", import.meta.url));
const PROCESSES = 3;
const AGENTS = 24;
const CONVERSATIONS = 200;
/**
 * How long a conversation may wait while an eligible agent has room: 1.5 s, or the time of 25
 * actions on this machine if it is that slow right now (a loaded CI box runs everything, the
 * engine included, many times slower; a lost wake-up would still show as a wait of many seconds).
 */
const starvationBoundMs = (medianActionMs: number) => Math.max(1500, 25 * medianActionMs);

let env: RoutingDb | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  await env?.close();
  env = undefined;
});

function runWorker(cfg: WorkerConfig): Promise<Record<string, number>> {
  const child = fork(WORKER, [JSON.stringify(cfg)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("message", (m: { ok: boolean; stats?: Record<string, number>; error?: string }) =>
      m.ok && m.stats ? resolve(m.stats) : reject(new Error(`${cfg.name}: ${m.error}`)),
    );
    child.once("exit", (code) => reject(new Error(`${cfg.name} exited with ${code} before reporting`)));
  });
}

describe.each(dbKinds())("routing across processes on %s", (kind) => {
  it("never double-assigns, never exceeds capacity, never leaves a chat waiting beside free room", { timeout: 180_000 }, async () => {
    env = await routingDb(kind);
    const { db } = env;
    const agents = [];
    for (let i = 0; i < AGENTS; i++) agents.push(await seedAgent(db, { name: `a${i}`, status: "offline", maxChats: [null, 1, 2, 4][i % 4] }));
    const agentIds = agents.map((a) => a.id);
    const open = await seedSite(db, { name: "open" });
    const team = await seedSite(db, { name: "team", defaultCapacity: 2, membersOnly: true, memberIds: agentIds.filter((_, i) => i % 2 === 0) });
    const manual = await seedSite(db, { name: "manual", routingMode: "manual" });

    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) =>
        runWorker({
          url: env!.url,
          seed: 1000 + i,
          name: `process-${i}`,
          ops: 120,
          actors: 2,
          conversations: Math.ceil(CONVERSATIONS / PROCESSES),
          agentIds,
          autoSiteIds: [open.id, team.id],
          manualSiteId: manual.id,
          pauseMs: 40,
        }),
      ),
    );
    const elapsed = Date.now() - started;

    const events = await db.routingEvent.findMany({ orderBy: { id: "asc" } });
    const conversations = await db.conversation.findMany({ select: { id: true, siteId: true, createdAt: true, status: true, assigneeId: true } });
    const report = replay(events, { agents, sites: [...(await loadSites(db)).values()], conversations });
    const totals: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r)) if (k !== "medianActionMs") totals[k] = (totals[k] ?? 0) + v;
    const bound = starvationBoundMs(Math.max(...results.map((r) => r.medianActionMs)));
    console.log(
      `[routing concurrency ${kind}] ${PROCESSES} processes, ${conversations.length} conversations, ${AGENTS} agents, ${elapsed} ms;`,
      `${report.events} events, ${report.assignments} assignments; longest wait beside free room ${report.maxStarvedMs} ms (bound ${bound} ms; ${report.starvedConversation} ${report.starvedDetail});`,
      JSON.stringify(totals),
    );

    expect(conversations.length).toBeGreaterThanOrEqual(CONVERSATIONS);
    expect(report.assignments).toBeGreaterThan(CONVERSATIONS / 2);
    expect(totals.online).toBeGreaterThan(20);
    expect(totals.offline).toBeGreaterThan(5);
    expect(totals.close).toBeGreaterThan(50);
    expect(report.problems).toEqual([]);
    expect(report.maxStarvedMs).toBeLessThan(bound);

    // End state agrees with the log: open counts are the chats held, nobody offline holds one.
    const now = await db.agent.findMany();
    for (const a of now) {
      const held = conversations.filter((c) => c.status === "assigned" && c.assigneeId === a.id).length;
      expect([a.name, a.openCount]).toEqual([a.name, held]);
      if (a.status === "offline") expect([a.name, held]).toEqual([a.name, 0]);
    }
  });
});
