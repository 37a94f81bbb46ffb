// The server under test, in its own process: Parley through createApp (what `parley serve`
// runs) or the bare Socket.IO baseline, driven by the harness over IPC. Started with
// --expose-gc so memory is read after a full collection, and optionally with --cpu-prof.
// Parley's modules load only in a child that runs Parley (the bare baseline and the raw-insert
// child stay small and start fast); `preload` loads them before the clock starts.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Session } from "node:inspector/promises";
import type { ParleyApp } from "../server/app.ts";
import type { BareServer } from "./bare-server.ts";
import type { RawInsertResult } from "./raw-inserts.ts";
import { serveRpc } from "./rpc.ts";
import type { ChatGroup, SeededAgent } from "./seed.ts";
import type { SqlCount } from "./sql-counter.ts";

const loadParley = async () => ({
  ...(await import("../server/app.ts")),
  ...(await import("../server/config.ts")),
  ...(await import("../server/logger.ts")),
  ...(await import("../server/sites/service.ts")),
  ...(await import("./seed.ts")),
});
const loadBare = () => import("./bare-server.ts");

export type ServerKind = "parley" | "bare";

export interface StartParams {
  kind: ServerKind;
  port: number;
  databaseUrl: string;
  redisUrl: string | null;
  /** per-connection event budget (Parley's defaults are 40 and 10/s: too low for a load test) */
  rateBurst: number;
  ratePerSecond: number;
  logLevel: string;
}

export interface Started {
  url: string;
  siteKey: string;
  /** the Socket.IO adapter is not the in-memory one (the scale-out work is in place) */
  clusterAdapter: boolean;
  startMs: number;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
}

export interface AssignmentState {
  assigned: number;
  queued: number;
  /** agents holding more chats than their capacity: must be 0 */
  overCapacity: number;
}

export interface ServerMethods {
  /** `countSql`: count driver statements (--profile) */
  preload(p: { kind: ServerKind | "raw"; countSql: boolean }): Promise<void>;
  start(p: StartParams): Promise<Started>;
  memory(p: Record<string, never>): Promise<MemorySample>;
  /** waits (at most `maxMs`) until the process is nearly idle: setup work must not count as load */
  quiesce(p: { maxMs: number }): Promise<{ waitedMs: number; idle: boolean }>;
  /** conversations assigned to `agents` (who should be online by now), `perAgent` each */
  seedConversations(p: { agents: SeededAgent[]; perAgent: number }): Promise<ChatGroup[]>;
  seedAgents(p: { count: number; maxChats: number }): Promise<SeededAgent[]>;
  countMessages(p: Record<string, never>): Promise<number>;
  /** a site allowing `origins` (the widget scenario's host page); returns its key */
  createSite(p: { name: string; origins: string[] }): Promise<string>;
  assignmentState(p: Record<string, never>): Promise<AssignmentState>;
  rawInserts(p: { databaseUrl: string; conversationId: string; durationMs: number; concurrency: number }): Promise<RawInsertResult>;
  /** --profile: a CPU profile of just one phase (the whole-life --cpu-prof one is mostly setup) */
  phaseProfileStart(p: Record<string, never>): Promise<void>;
  phaseProfileStop(p: { file: string }): Promise<void>;
  /** this process's CPU time so far (user + system), ms */
  cpuMs(p: Record<string, never>): Promise<number>;
  sqlCounts(p: Record<string, never>): Promise<{ total: number; totalMs: number; top: SqlCount[] }>;
  stop(p: Record<string, never>): Promise<{ closeMs: number }>;
}

let parley: ParleyApp | null = null;
let bare: BareServer | null = null;
let siteId = "";
let profiler: Session | null = null;

function app(): ParleyApp {
  if (!parley) throw new Error("no Parley server running in this child");
  return parley;
}

async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("server child needs --expose-gc");
  // Several passes with a macrotask between them: finalizers and weak refs settle in between.
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

serveRpc<ServerMethods>(
  {
    async preload({ kind, countSql }) {
      if (countSql) (await import("./sql-counter.ts")).installSqlCounter();
      if (kind === "parley") await loadParley();
      else if (kind === "bare") await loadBare();
      else await import("./raw-inserts.ts");
    },

    async start(p) {
      const t0 = performance.now();
      if (p.kind === "bare") {
        const { startBareServer } = await loadBare();
        bare = await startBareServer(p.port, "127.0.0.1");
        return { url: bare.url, siteKey: "bare", clusterAdapter: false, startMs: performance.now() - t0 };
      }
      const { configFromEnv, createApp, createLogger } = await loadParley();
      const url = `http://127.0.0.1:${p.port}`;
      const config = {
        ...configFromEnv({
          PORT: String(p.port),
          HOST: "127.0.0.1",
          DATABASE_URL: p.databaseUrl,
          PARLEY_PUBLIC_URL: url,
          PARLEY_SECRET: "bench-secret-not-for-production",
          LOG_LEVEL: p.logLevel,
          // One Redis prefix per database, so the processes of one run share a stream and a run
          // never reads an earlier run's: a recovering client scans the stream from its offset.
          ...(p.redisUrl ? { REDIS_URL: p.redisUrl, PARLEY_REDIS_PREFIX: `parley-bench-${createHash("sha256").update(p.databaseUrl).digest("hex").slice(0, 12)}:` } : {}),
        }),
        rateBurst: p.rateBurst,
        ratePerSecond: p.ratePerSecond,
      };
      parley = await createApp(config, { logger: createLogger(p.logLevel) });
      await parley.listen(p.port, "127.0.0.1");
      const demo = await parley.database.prisma.site.findFirstOrThrow({ where: { name: "Demo" } });
      siteId = demo.id;
      const adapterName = parley.io.of("/visitor").adapter.constructor.name;
      return { url, siteKey: demo.key, clusterAdapter: adapterName !== "Adapter", startMs: performance.now() - t0 };
    },

    async quiesce({ maxMs }) {
      const t0 = performance.now();
      for (;;) {
        const before = process.cpuUsage();
        const w0 = performance.now();
        await new Promise((r) => setTimeout(r, 250));
        const used = process.cpuUsage(before);
        const busy = (used.user + used.system) / 1000 / (performance.now() - w0);
        if (busy < 0.15) return { waitedMs: performance.now() - t0, idle: true };
        if (performance.now() - t0 > maxMs) return { waitedMs: performance.now() - t0, idle: false };
      }
    },

    async memory() {
      await collectGarbage();
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
    },

    async seedConversations({ agents, perAgent }) {
      if (bare) return bare.seedConversations(agents, perAgent);
      return (await loadParley()).seedConversations(app().database.prisma, siteId, agents, perAgent);
    },

    async seedAgents({ count, maxChats }) {
      if (bare) return bare.seedAgents(count);
      return (await loadParley()).seedAgents(app().database.prisma, count, maxChats);
    },

    async countMessages() {
      return app().database.prisma.message.count();
    },

    async createSite({ name, origins }) {
      return (await (await loadParley()).createSite(app().database.prisma, { name, origins })).key;
    },

    async assignmentState() {
      const db = app().database.prisma;
      const [assigned, queued, agents] = await Promise.all([
        db.conversation.count({ where: { status: "assigned" } }),
        db.conversation.count({ where: { status: "queued" } }),
        db.agent.findMany({ select: { openCount: true, maxChats: true } }),
      ]);
      return { assigned, queued, overCapacity: agents.filter((a) => a.maxChats !== null && a.openCount > a.maxChats).length };
    },

    async rawInserts(p) {
      const { rawInserts } = await import("./raw-inserts.ts");
      return rawInserts(p.databaseUrl, p.conversationId, p.durationMs, p.concurrency);
    },

    async phaseProfileStart() {
      profiler ??= new Session();
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
    },

    async phaseProfileStop({ file }) {
      if (!profiler) return;
      const { profile } = await profiler.post("Profiler.stop");
      profiler.disconnect();
      profiler = null;
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
    },

    async cpuMs() {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    },

    async sqlCounts() {
      return (await import("./sql-counter.ts")).sqlCounts();
    },

    async stop() {
      const t0 = performance.now();
      await parley?.close();
      await bare?.close();
      parley = null;
      bare = null;
      return { closeMs: performance.now() - t0 };
    },
  },
  { exitAfter: ["stop"] },
);
