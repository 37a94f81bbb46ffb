// `parley serve --workers N`: N worker processes behind a sticky primary on one machine. The
// primary owns the port and hands each connection to a worker chosen by @socket.io/sticky (a
// long-polling session always reaches the worker that holds it). Between workers, broadcasts go
// through Redis with REDIS_URL (the Streams adapter, with connection state recovery), otherwise
// through the primary with @socket.io/cluster-adapter. A worker that dies is replaced.
import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setupMaster, setupWorker } from "@socket.io/sticky";
import { createAdapter as createClusterAdapter, setupPrimary } from "@socket.io/cluster-adapter";
import type { Server as IoServer } from "socket.io";
import { configFromEnv } from "../config.ts";
import { createApp } from "../app.ts";
import { createLogger } from "../logger.ts";
import { migrate } from "../db/migrate.ts";
import { LISTEN_BACKLOG } from "./connection-limit.ts";

interface ReadyMessage {
  parley: "worker-ready";
}

function isReady(m: unknown): m is ReadyMessage {
  return typeof m === "object" && m !== null && (m as ReadyMessage).parley === "worker-ready";
}

export async function serveWorkers(workers: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (cluster.isWorker) return runWorker(env);
  const config = configFromEnv(env);
  const log = createLogger(config.logLevel);
  const applied = await migrate(config.databaseUrl);
  if (applied.length) log.info({ migrations: applied }, "database migrated");

  const httpServer = createServer();
  setupMaster(httpServer, { loadBalancingMethod: "least-connection" });
  if (!config.redisUrl) setupPrimary();
  let stopping = false;
  const fork = () =>
    new Promise<Worker>((resolve, reject) => {
      const w = cluster.fork();
      w.on("message", (m: unknown) => isReady(m) && resolve(w));
      w.once("exit", (code) => {
        if (stopping) return;
        reject(new Error(`worker exited during startup (${code})`));
        log.warn({ pid: w.process.pid, code }, "worker exited: starting a replacement");
        // A short jittered pause, so a worker that crashes on start does not spin.
        setTimeout(() => void fork().catch(() => undefined), 500 + Math.random() * 1000).unref();
      });
    });
  // The first worker seeds the database (Demo site, admin) alone; the rest start together after.
  await fork();
  await Promise.all(Array.from({ length: workers - 1 }, () => fork()));
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, resolve);
  });
  const url = config.publicUrl;
  const port = (httpServer.address() as AddressInfo).port;
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host.includes(":") ? `[${config.host}]` : config.host;
  log.info({ url: `http://${shownHost}:${port}`, workers, adapter: config.redisUrl ? "redis-streams" : "cluster" }, "Parley is listening");
  process.stdout.write(`\nParley is running with ${workers} workers: ${url}\n  console: ${url}/console/\n\n`);

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down workers");
    httpServer.close();
    const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    let left = all.length;
    if (!left) process.exit(0);
    for (const w of all) {
      w.once("exit", () => --left === 0 && process.exit(0));
      w.process.kill("SIGTERM");
    }
    setTimeout(() => process.exit(1), 12_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

async function runWorker(env: NodeJS.ProcessEnv): Promise<void> {
  const config = configFromEnv(env);
  const app = await createApp(config);
  // Without Redis the workers exchange broadcasts through the primary.
  if (!config.redisUrl) app.io.adapter(createClusterAdapter() as unknown as Parameters<IoServer["adapter"]>[0]);
  // The primary owns the port; connections arrive from it.
  setupWorker(app.io);
  process.send?.({ parley: "worker-ready" } satisfies ReadyMessage);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  // Ctrl-C reaches the whole process group: the primary decides when workers stop.
  process.on("SIGINT", () => undefined);
}
