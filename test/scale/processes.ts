// Real Parley processes for the scale tests: `node bin/parley.js serve` children on port 0 sharing
// one PostgreSQL database and one Redis (a unique stream/key prefix per test), killed in afterEach.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const children = new Set<ChildProcess>();

/** The origin visitors connect from: the Demo site's allowed origin (PARLEY_PUBLIC_URL). */
export const PUBLIC_URL = "http://127.0.0.1:9";

export interface ParleyProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** resolves when the process has exited */
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** the `msg` of every log line so far (what an operator reads) */
  logs: string[];
  /** resolves once a log line's msg contains `text` (now or later) */
  logged(text: string, timeoutMs?: number): Promise<void>;
}

export interface ProcessOptions {
  databaseUrl: string;
  redisUrl?: string;
  redisPrefix?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** extra arguments after `serve` (e.g. --workers 2) */
  args?: string[];
}

export function uniquePrefix(): string {
  return `parley-t-${randomBytes(5).toString("hex")}:`;
}

export async function startParley(opts: ProcessOptions): Promise<ParleyProcess> {
  const child = spawn(process.execPath, [path.join(root, "bin/parley.js"), "serve", ...(opts.args ?? [])], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: opts.databaseUrl,
      ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl, PARLEY_REDIS_PREFIX: opts.redisPrefix ?? uniquePrefix() } : {}),
      PARLEY_PUBLIC_URL: PUBLIC_URL,
      PARLEY_SECRET: "scale-test-secret",
      LOG_LEVEL: "info",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => children.delete(child));
  let stderr = "";
  const logs: string[] = [];
  const logWaiters = new Set<() => void>();
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`parley did not start in time: ${stderr}`)), opts.timeoutMs ?? 30_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg) {
          logs.push(entry.msg);
          for (const w of [...logWaiters]) w();
        }
        if (entry.msg === "Parley is listening" && entry.url) {
          clearTimeout(timer);
          resolve(Number(new URL(entry.url).port));
        }
      } catch {
        // not a log line
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`parley exited before listening: ${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    exited,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    logs,
    logged(text, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!logs.some((m) => m.includes(text))) return;
          clearTimeout(timer);
          logWaiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          logWaiters.delete(check);
          reject(new Error(`no log line with "${text}" within ${timeoutMs} ms (last: ${logs.slice(-5).join(" | ")})`));
        }, timeoutMs);
        logWaiters.add(check);
        check();
      });
    },
  };
}

/** Kills every child still running (afterEach, even after a failure). */
export async function killAllParley(): Promise<void> {
  await Promise.all(
    [...children].map((c) => {
      const gone = new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve())));
      c.kill("SIGKILL");
      return gone;
    }),
  );
  children.clear();
}
