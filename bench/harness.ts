// What every scenario needs from the harness: fresh databases, server children (Parley or the
// bare baseline) on loopback ports, and the load workers. Everything it creates it also removes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Child } from "./rpc.ts";
import type { ServerKind, ServerMethods, Started } from "./server-child.ts";
import type { WorkerMethods } from "./load-worker.ts";
import type { BenchOptions } from "./options.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
export const RESULTS_DIR = path.join(here, "results");

/**
 * Parley's per-connection event budget is 40 events then 10/s. One bench agent answers ten
 * conversations, so at the higher rates it would be refused; the bench raises it (and says so).
 */
export const BENCH_RATE_LIMIT = { rateBurst: 1_000, ratePerSecond: 1_000 };

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
  /** synchronous removal for process exit (SQLite's temp dir; a PostgreSQL database cannot be) */
  dropNow(): void;
}

export interface RunningServer {
  kind: ServerKind;
  child: Child<ServerMethods>;
  url: string;
  port: number;
  siteKey: string;
  started: Started;
  /** graceful close (what SIGTERM does to `parley serve`), then the child exits */
  stop(): Promise<void>;
}

export type Workers = Child<WorkerMethods>[];

export class Harness {
  private workerList: Workers = [];
  private readonly databases = new Set<BenchDatabase>();
  private serial = 0;
  /** set on ctrl-C or the deadline: nothing new may start */
  aborted = false;

  constructor(readonly opts: BenchOptions) {}

  private checkAborted(): void {
    if (this.aborted) throw new Error("the run was stopped");
  }

  get quick(): boolean {
    return this.opts.quick;
  }

  /** The load workers (started once, reused by every scenario). */
  async workers(): Promise<Workers> {
    this.checkAborted();
    // A worker that died (a bug, an out-of-memory) is replaced, with its peers, for the next scenario.
    if (this.workerList.some((w) => !w.alive)) {
      await Promise.all(this.workerList.map((w) => w.kill(2_000)));
      this.workerList = [];
    }
    if (this.workerList.length === 0) {
      this.workerList = await Promise.all(
        Array.from({ length: this.opts.workers }, (_, i) => Child.start<WorkerMethods>(`load-worker-${i}`, path.join(here, "load-worker.ts"))),
      );
    }
    return this.workerList;
  }

  /** Splits `n` over the workers: worker i gets share(n)[i]. */
  share(n: number): number[] {
    const k = this.opts.workers;
    return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
  }

  async database(): Promise<BenchDatabase> {
    let db: BenchDatabase;
    if (this.opts.db === "sqlite") {
      const dir = mkdtempSync(path.join(tmpdir(), "parley-bench-"));
      const remove = () => rmSync(dir, { recursive: true, force: true });
      db = { url: `file:${path.join(dir, "parley.db")}`, drop: async () => remove(), dropNow: remove };
    } else {
      const base = this.opts.postgresUrl;
      const name = `parley_bench_${randomBytes(6).toString("hex")}`;
      await withPg(base, (c) => c.query(`CREATE DATABASE ${name}`));
      const url = new URL(base);
      url.pathname = `/${name}`;
      db = { url: url.toString(), drop: () => withPg(base, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined), dropNow: () => undefined };
    }
    this.databases.add(db);
    const drop = db.drop;
    db.drop = async () => {
      this.databases.delete(db);
      await drop();
    };
    return db;
  }

  /** A server child that has loaded its code but not started: a restart then costs only startup. */
  async spawnServer(label: string, kind: ServerKind | "raw"): Promise<Child<ServerMethods>> {
    this.checkAborted();
    const name = `${label}-${kind}-${++this.serial}`;
    // One directory per child: Node writes a profile per thread (tsx's loader thread included),
    // and the main thread's is the big one.
    const dir = path.join(RESULTS_DIR, "profiles", name);
    const profile = this.opts.profile && kind === "parley" ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
    // Fresh each run: profiles of earlier runs left beside the new ones were read as this run's.
    if (profile.length) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
    const child = await Child.start<ServerMethods>(name, path.join(here, "server-child.ts"), { execArgv: ["--expose-gc", ...profile] });
    try {
      await child.call("preload", { kind, countSql: profile.length > 0 });
    } catch (err) {
      await child.kill();
      throw err;
    }
    return child;
  }

  async startOn(child: Child<ServerMethods>, kind: ServerKind, port: number, db: BenchDatabase | null): Promise<RunningServer> {
    const started = await child.call("start", {
      kind,
      port,
      databaseUrl: db?.url ?? "",
      redisUrl: this.opts.redisUrl,
      ...BENCH_RATE_LIMIT,
      logLevel: this.opts.verbose ? "info" : "warn",
    });
    if (kind === "parley" && this.opts.redisUrl && !started.clusterAdapter) {
      throw new Error(
        "--redis: this Parley does not install a Redis adapter for config.redisUrl yet (the scale-out work has not landed), so there is nothing to measure. Run without --redis.",
      );
    }
    const profiling = this.opts.profile && kind === "parley";
    return {
      kind,
      child,
      url: started.url,
      port,
      siteKey: started.siteKey,
      started,
      async stop() {
        if (profiling) {
          // Next to the CPU profile: which statements the run sent, the most time in the driver first.
          const sql = await child.call("sqlCounts", {}).catch(() => null);
          if (sql) writeFileSync(path.join(RESULTS_DIR, "profiles", child.name, "sql-counts.json"), JSON.stringify(sql, null, 2) + "\n");
        }
        await child.call("stop", {}, 30_000).catch(() => undefined);
        await child.waitExit();
      },
    };
  }

  /** Spawns and starts a server on a fresh loopback port (and a fresh database for Parley). */
  async startServer(label: string, kind: ServerKind, db: BenchDatabase | null): Promise<RunningServer> {
    const child = await this.spawnServer(label, kind);
    try {
      return await this.startOn(child, kind, await freePort(), db);
    } catch (err) {
      await child.kill();
      throw err;
    }
  }

  /** Connects `n` new visitors to `server`, spread over the workers, and merges their books. */
  async connectVisitors(server: RunningServer, n: number, reconnection: boolean): Promise<{ connected: number; sessions: number; duplicates: number; errors: Record<string, number> }> {
    const workers = await this.workers();
    const shares = this.share(n);
    const results = await Promise.all(
      workers.map((w, i) =>
        w.call(
          "connectVisitors",
          { url: server.url, siteKey: server.siteKey, origin: server.url, count: shares[i], transports: ["websocket"], concurrency: 50, reconnection, timeoutMs: 30_000 },
          600_000,
        ),
      ),
    );
    const errors: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((s, r) => s + f(r), 0);
    return { connected: sum((r) => r.connected), sessions: sum((r) => r.sessions), duplicates: sum((r) => r.duplicates), errors };
  }

  /** Disconnects every worker socket (between phases and after a scenario, even a failed one). */
  async closeSockets(): Promise<void> {
    await Promise.all(this.workerList.map((w) => w.call("closeAll", {}, 30_000).catch(() => 0)));
  }

  /** Last resort on process exit, after the children are killed. */
  closeNow(): void {
    for (const db of this.databases) db.dropNow();
  }

  async close(): Promise<void> {
    await Promise.all(this.workerList.map((w) => w.kill(2_000)));
    this.workerList = [];
    for (const db of [...this.databases]) await db.drop().catch(() => undefined);
  }
}

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A loopback port free right now (the server child binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
