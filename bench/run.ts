// `npm run bench`: starts Parley (and the baselines) in child processes, drives them from load
// worker processes, prints markdown tables and writes bench/results/<date>.json. Exits non-zero
// when a scenario failed: lost or doubled messages, errors, or a crash.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Harness, BENCH_RATE_LIMIT, RESULTS_DIR } from "./harness.ts";
import { parseOptions, USAGE, type BenchOptions, type ScenarioName } from "./options.ts";
import { markdown, toJson, type ScenarioOutcome, type ScenarioResult } from "./report.ts";
import { killAllChildren, killAllChildrenNow } from "./rpc.ts";
import { assignment } from "./scenarios/assignment.ts";
import { idle } from "./scenarios/idle.ts";
import { latency } from "./scenarios/latency.ts";
import { reconnect } from "./scenarios/reconnect.ts";
import { throughput } from "./scenarios/throughput.ts";
import { widget } from "./scenarios/widget.ts";
import { attachments } from "./scenarios/attachments.ts";

const RUNNERS: Record<ScenarioName, (h: Harness) => Promise<ScenarioOutcome>> = { idle, latency, throughput, assignment, reconnect, widget, attachments };

/** Hard ceiling for the whole run: whatever hangs, the harness stops and cleans up by itself. */
const DEADLINE_MS = { quick: 5 * 60_000, full: 25 * 60_000 };

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const harness = new Harness(opts);
  const startedAt = new Date();
  const results: ScenarioResult[] = [];
  let stopping = false;
  const abort = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    harness.aborted = true;
    process.stderr.write(`\nbench: ${why}; stopping the servers and load workers\n`);
    // What finished is still worth its report.
    if (results.length) writeReport(opts, startedAt, results, why);
    void Promise.race([harness.close().then(killAllChildren), new Promise((r) => setTimeout(r, 10_000))]).finally(() => process.exit(code));
  };
  process.on("SIGINT", () => abort("interrupted", 130));
  process.on("SIGTERM", () => abort("terminated", 143));
  process.on("exit", () => {
    killAllChildrenNow();
    harness.closeNow();
  });
  process.on("uncaughtException", (err) => {
    process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
    abort("crashed", 1);
  });
  const deadline = setTimeout(() => abort(`run exceeded ${DEADLINE_MS[opts.quick ? "quick" : "full"] / 60_000} minutes`, 1), DEADLINE_MS[opts.quick ? "quick" : "full"]);
  deadline.unref();

  try {
    for (const name of opts.scenarios) {
      if (harness.aborted) return new Promise<number>(() => undefined); // abort() exits the process
      process.stderr.write(`bench: ${name}${opts.quick ? " (quick)" : ""} ...\n`);
      const t0 = performance.now();
      let outcome: ScenarioOutcome;
      try {
        outcome = await RUNNERS[name](harness);
      } catch (err) {
        if (opts.redisUrl && /--redis/.test((err as Error).message)) throw err;
        outcome = { baseline: "", rows: [], delivery: null, failures: [`crashed: ${(err as Error).message.split("\n")[0]}`], skipped: null, details: { error: (err as Error).stack } };
        await harness.closeSockets();
      }
      const result: ScenarioResult = { name, ...outcome, seconds: (performance.now() - t0) / 1000 };
      results.push(result);
      process.stderr.write(`bench: ${name} done in ${result.seconds.toFixed(0)} s${result.failures.length ? ` — FAILED: ${result.failures.join("; ")}` : ""}\n`);
    }
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    await harness.close();
    return 2;
  }
  if (harness.aborted) return new Promise<number>(() => undefined);
  await harness.close();

  return writeReport(opts, startedAt, results, null) ? 1 : 0;
}

/** Prints the tables and writes the JSON; `stopped` says why a run ended early. Returns the failed count. */
function writeReport(opts: BenchOptions, startedAt: Date, results: ScenarioResult[], stopped: string | null): number {
  const failed = results.filter((r) => r.failures.length > 0);
  const notRun = opts.scenarios.filter((n) => !results.some((r) => r.name === n));
  const header = [
    `## Parley benchmark ${startedAt.toISOString()}${opts.quick ? " (--quick: small sizes, targets not judged)" : ""}`,
    "",
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${opts.db === "sqlite" ? "SQLite" : "PostgreSQL"}${opts.redisUrl ? " + Redis" : ""}; load generator: ${opts.workers} worker processes on the same machine; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")}.`,
    `Per-connection rate limit raised for the load to ${BENCH_RATE_LIMIT.rateBurst} events burst / ${BENCH_RATE_LIMIT.ratePerSecond} per s (default 40 / 10).`,
    ...(stopped ? [`**Stopped early (${stopped})**; not run: ${notRun.join(", ") || "none"}.`] : []),
  ].join("\n");
  const table = markdown(results, header);
  const out = opts.out ?? path.join(RESULTS_DIR, `${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    toJson({
      startedAt: startedAt.toISOString(),
      options: { ...opts, postgresUrl: opts.db === "postgres" ? opts.postgresUrl : undefined },
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: os.totalmem() / 2 ** 30, node: process.version, loadavg: os.loadavg() },
      rateLimit: BENCH_RATE_LIMIT,
      ok: failed.length === 0 && !stopped,
      stopped,
      scenarios: results,
    }) + "\n",
  );
  process.stdout.write(`${table}\n\nResults: ${path.relative(process.cwd(), out)}\n`);
  return failed.length + (stopped ? 1 : 0);
}


main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
