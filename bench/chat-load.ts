// Harness side of the chat load (latency and throughput): seeds conversations on a server,
// hands each worker whole agent groups, runs a phase on every worker at once and merges what they
// measured into one result.
import path from "node:path";
import { RESULTS_DIR, type BenchDatabase, type Harness, type RunningServer } from "./harness.ts";
import type { ServerKind } from "./server-child.ts";
import type { ChatRunResult } from "./chat-driver.ts";
import type { ChatGroup } from "./seed.ts";
import { concatSamples, summarize, type Delivery, type LatencySummary } from "./stats.ts";
import type { Transport } from "./visitor-pool.ts";

export interface PhaseSpec {
  label: string;
  /** messages per second offered, both directions together */
  rate: number;
  warmupMs: number;
  durationMs: number;
  settleMs: number;
}

export interface PhaseResult {
  label: string;
  offered: number;
  /** messages sent inside the window and stored (acked), per second */
  achieved: number;
  /** messages the server acknowledged as stored (all of the phase, warm-up included) */
  acked: number;
  e2e: LatencySummary;
  v2a: LatencySummary;
  a2v: LatencySummary;
  ack: LatencySummary;
  delivery: Delivery;
  ackErrors: Record<string, number>;
  skipped: number;
  /** messages of an earlier phase delivered during this one, after their own phase gave up on them */
  late: number;
  settled: boolean;
  /** the load workers' CPU (% of one core each) and event-loop delay p99 during the window */
  generatorCpu: number[];
  /** the Parley servers' CPU time per acknowledged message over the whole phase (warm-up and settling included), µs */
  serverCpuPerMessageUs: number;
  generatorLoopP99Ms: number[];
  /** the workers' first oddities (lost, doubled, misdelivered), word for word */
  anomalies: string[];
}

export interface ChatServers {
  /** where the visitors connect (and the Demo site's origin) */
  visitors: RunningServer;
  /** where the agents connect: a second Parley process with --redis, else the same one */
  agents: RunningServer;
  stop(): Promise<void>;
}

/** One server, or with --redis two Parley processes on one database, visitors on one, agents on the other. */
export async function startChatServers(h: Harness, label: string, kind: ServerKind, db: BenchDatabase | null): Promise<ChatServers> {
  const visitors = await h.startServer(label, kind, db);
  let agents = visitors;
  if (kind === "parley" && h.opts.redisUrl) {
    try {
      agents = await h.startServer(label, kind, db);
    } catch (err) {
      await visitors.stop();
      throw err;
    }
  }
  return {
    visitors,
    agents,
    async stop() {
      if (agents !== visitors) await agents.stop();
      await visitors.stop();
    },
  };
}

/**
 * Agents first (seeded, connected and online, agent i on worker i mod k), then their
 * conversations: group i belongs to worker i mod k, so a visitor and its agent share a process.
 */
export async function prepareChats(h: Harness, servers: ChatServers, agentCount: number, perAgent: number): Promise<ChatGroup[]> {
  const workers = await h.workers();
  const agents = await servers.visitors.child.call("seedAgents", { count: agentCount, maxChats: perAgent }, 600_000);
  await Promise.all(
    workers.map((w, i) => w.call("chatAgents", { agentUrl: servers.agents.url, agents: agents.filter((_, j) => j % workers.length === i), timeoutMs: 30_000 }, 600_000)),
  );
  return servers.visitors.child.call("seedConversations", { agents, perAgent }, 600_000);
}

/**
 * Connects the visitors of the first `groupCount` groups (replacing any connected before);
 * returns how many each worker holds, which is how a phase's rate is split.
 */
export async function connectVisitors(h: Harness, servers: ChatServers, groups: ChatGroup[], groupCount: number, transports: Transport[]): Promise<number[]> {
  const workers = await h.workers();
  await Promise.all(workers.map((w) => w.call("chatCloseVisitors", {})));
  return Promise.all(
    workers.map((w, i) =>
      w.call(
        "chatVisitors",
        {
          visitorUrl: servers.visitors.url,
          siteKey: servers.visitors.siteKey,
          origin: servers.visitors.url,
          groups: groups.filter((_, j) => j < groupCount && j % workers.length === i),
          visitorTransports: transports,
          timeoutMs: 30_000,
        },
        600_000,
      ),
    ),
  );
}

/** `visitors`: how many each worker holds (connectVisitors' answer); the rate is split alike. */
export async function runPhase(h: Harness, servers: ChatServers, spec: PhaseSpec, visitors: number[]): Promise<PhaseResult> {
  // The server may still be digesting the setup (connections, presence, routing): not load.
  await Promise.all([servers.visitors, servers.agents].map((s) => s.child.call("quiesce", { maxMs: 10_000 }, 30_000)));
  const workers = (await h.workers()).filter((_, i) => visitors[i] > 0);
  const shares = visitors.filter((n) => n > 0);
  const total = shares.reduce((a, b) => a + b, 0);
  const serverList = [...new Set([servers.visitors, servers.agents])];
  const profiled = h.opts.profile ? serverList.filter((s) => s.kind === "parley") : [];
  await Promise.all(profiled.map((s) => s.child.call("phaseProfileStart", {})));
  const cpuBefore = await Promise.all(serverList.map((s) => s.child.call("cpuMs", {})));
  const parts: ChatRunResult[] = await Promise.all(
    workers.map((w, i) =>
      w.call(
        "chatRun",
        {
          label: `${spec.label}-w${i}`,
          rate: (spec.rate * shares[i]) / total,
          warmupMs: spec.warmupMs,
          durationMs: spec.durationMs,
          settleMs: spec.settleMs,
          maxInFlight: Math.max(200, Math.ceil((spec.rate * shares[i]) / total)),
        },
        spec.warmupMs + spec.durationMs + 240_000, // past the driver's own settle cap
      ),
    ),
  );
  const cpuAfter = await Promise.all(serverList.map((s) => s.child.call("cpuMs", {})));
  await Promise.all(profiled.map((s) => s.child.call("phaseProfileStop", { file: path.join(RESULTS_DIR, "profiles", s.child.name, `phase-${spec.label}.cpuprofile`) })));
  const serverCpuMs = cpuAfter.reduce((s, ms, i) => s + ms - cpuBefore[i], 0);
  const sum = (f: (r: ChatRunResult) => number) => parts.reduce((s, r) => s + f(r), 0);
  const ackErrors: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.ackErrors)) ackErrors[k] = (ackErrors[k] ?? 0) + v;
  const v2a = concatSamples(parts.map((p) => p.v2a));
  const a2v = concatSamples(parts.map((p) => p.a2v));
  return {
    label: spec.label,
    offered: spec.rate,
    achieved: sum((r) => r.windowAcked) / (spec.durationMs / 1000),
    acked: sum((r) => r.acked),
    e2e: summarize(concatSamples([v2a, a2v])),
    v2a: summarize(v2a),
    a2v: summarize(a2v),
    ack: summarize(concatSamples(parts.map((p) => p.ack))),
    delivery: { sent: sum((r) => r.sent), received: sum((r) => r.received), duplicates: sum((r) => r.duplicates), lost: sum((r) => r.lost), errors: sum((r) => Object.values(r.ackErrors).reduce((a, b) => a + b, 0)) },
    ackErrors,
    skipped: sum((r) => r.skipped),
    late: sum((r) => r.late),
    settled: parts.every((p) => p.settled),
    generatorCpu: parts.map((p) => Math.round(p.cpuPercent)),
    serverCpuPerMessageUs: sum((r) => r.acked) ? Math.round((serverCpuMs * 1000) / sum((r) => r.acked)) : 0,
    generatorLoopP99Ms: parts.map((p) => Math.round(p.loopDelayP99Ms * 10) / 10),
    anomalies: parts.flatMap((p) => p.anomalies),
  };
}

/** What makes a phase's books wrong (not slow: wrong). */
export function deliveryFailures(who: string, r: PhaseResult, opts: { errorsFail: boolean } = { errorsFail: true }): string[] {
  const out: string[] = [];
  if (r.delivery.lost) out.push(`${who} ${r.label}: ${r.delivery.lost} messages lost`);
  if (r.delivery.duplicates) out.push(`${who} ${r.label}: ${r.delivery.duplicates} messages delivered twice`);
  if (r.late) out.push(`${who} ${r.label}: ${r.late} messages of the previous phase delivered late`);
  if (r.delivery.errors && opts.errorsFail) out.push(`${who} ${r.label}: ${r.delivery.errors} sends refused (${JSON.stringify(r.ackErrors)})`);
  return out;
}
