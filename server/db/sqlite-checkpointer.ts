// Checkpoints SQLite's WAL from a worker thread. SQLite's own automatic checkpoint runs inside the
// COMMIT that crosses its threshold, on the event loop: it copies the WAL's pages into the
// database file and syncs both, which made COMMIT the largest cost of a message batch (~0.5 ms of
// its ~0.8 ms in a micro-benchmark of 20-message batches). The worker's own connection
// runs PASSIVE checkpoints, which never wait for or block the writer. The main connection keeps
// an automatic checkpoint far above the worker's pace, as a backstop if the worker falls behind.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** Pages of WAL after which the main connection checkpoints by itself (~64 MiB). */
export const BACKSTOP_PAGES = 16_384;

// Plain JavaScript, evaluated in the worker: the server's TypeScript loader is not registered
// in worker threads.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 1000");
const checkpoint = () => {
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)");
    if (r.log > 0) parentPort.postMessage({ pages: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export interface CheckpointEvents {
  onError(message: string): void;
  /** a checkpoint found `pages` in the WAL and copied `checkpointed` of them */
  onCheckpoint?(pages: number, checkpointed: number): void;
}

export function startCheckpointer(file: string, events: CheckpointEvents, intervalMs = 250): Checkpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER, { eval: true, workerData: { file, driver, intervalMs } });
  // Never keeps the process alive by itself (close() stops it; an exit needs nothing of it).
  worker.unref();
  worker.on("message", (m: { error?: string; pages?: number; checkpointed?: number }) => {
    if (m.error) events.onError(m.error);
    else events.onCheckpoint?.(m.pages ?? 0, m.checkpointed ?? 0);
  });
  worker.on("error", (err) => events.onError(err.message));
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    async stop() {
      // Held until it has exited: the caller waits for this, and an unref'd worker is not
      // something the event loop waits for (the CLI exited mid-close with code 13).
      worker.ref();
      worker.postMessage("stop");
      await exited;
    },
  };
}
