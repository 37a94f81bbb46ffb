// A private redis-server for the outage tests: on its own port, killed and restarted at will
// (the shared Redis is never stopped). Also /readyz polling, which has no event to await.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";

let redis: ChildProcess | null = null;

/** True when a redis-server binary is on PATH (the tests that need one are skipped otherwise). */
export const hasRedisServer = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export async function startRedis(port: number): Promise<void> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "ignore"] });
  redis = child;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("redis-server did not start")), 10_000);
    child.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", () => reject(new Error("redis-server exited")));
  });
}

export async function stopRedis(): Promise<void> {
  const child = redis;
  redis = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await gone;
}

/** Polls /readyz until `want` (bounded): readiness has no event to await. */
export async function readyz(url: string, want: string, timeoutMs = 15_000): Promise<{ status: string; reason?: string }> {
  const end = Date.now() + timeoutMs;
  let last: { status: string; reason?: string } = { status: "none" };
  while (Date.now() < end) {
    last = (await (await fetch(`${url}/readyz`)).json()) as { status: string; reason?: string };
    if (last.status === want) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`/readyz stayed ${JSON.stringify(last)}, wanted ${want}`);
}
