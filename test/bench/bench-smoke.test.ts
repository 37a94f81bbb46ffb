// The benchmark harness itself, end to end at --quick sizes: every scenario runs against a real
// Parley (and its baselines) and every message, session and assignment is accounted for. No
// timing is asserted: timings belong to the benchmark report, not to a test.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Delivery {
  sent: number;
  received: number;
  duplicates: number;
  lost: number;
  errors: number;
}

interface BenchJson {
  ok: boolean;
  scenarios: { name: string; failures: string[]; skipped: string | null; delivery: Delivery | null; rows: unknown[] }[];
}

let child: ChildProcess | undefined;
let dir: string | undefined;

afterEach(() => {
  // The bench stops its servers and workers on SIGTERM; its process group goes too.
  if (child?.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

it("npm run bench -- --quick completes with nothing lost and nothing doubled", { timeout: 240_000 }, async () => {
  dir = mkdtempSync(path.join(tmpdir(), "parley-bench-smoke-"));
  const out = path.join(dir, "bench.json");
  const proc = spawn("npm", ["run", "--silent", "bench", "--", "--quick", "--out", out], { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child = proc;
  let stdout = "";
  let stderr = "";
  proc.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once("exit", (c) => resolve(c)));

  expect(code, `bench failed:\n${stderr}\n${stdout}`).toBe(0);
  const result = JSON.parse(readFileSync(out, "utf8")) as BenchJson;
  expect(result.ok).toBe(true);
  expect(result.scenarios.map((s) => s.name)).toEqual(["idle", "latency", "throughput", "assignment", "reconnect", "widget"]);
  for (const s of result.scenarios) {
    expect(s.skipped, s.name).toBeNull();
    expect(s.failures, s.name).toEqual([]);
    expect(s.rows.length, s.name).toBeGreaterThan(0);
    const d = s.delivery;
    expect(d, s.name).not.toBeNull();
    if (!d) continue;
    expect(d.sent, s.name).toBeGreaterThan(0);
    expect({ lost: d.lost, duplicates: d.duplicates, errors: d.errors }, s.name).toEqual({ lost: 0, duplicates: 0, errors: 0 });
    expect(d.received, s.name).toBe(d.sent);
  }
  // The report a person reads: the metrics table and the delivery table.
  expect(stdout).toContain("| Scenario | Metric | Parley | Baseline | Ratio | Target | Met |");
  expect(stdout).toContain("| idle | bare Socket.IO server, same sockets | 1000 | 1000 | 0 | 0 | 0 | ok |");
});
