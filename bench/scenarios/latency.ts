// latency: 1,000 concurrent conversations (100 agents with 10 each); visitors send at a fixed
// rate and each agent replies the moment a message arrives. End to end = send until the other
// side receives it, persistence included. Baseline: a bare Socket.IO relay under the same load.
import { connectVisitors, deliveryFailures, prepareChats, runPhase, startChatServers, type PhaseResult, type PhaseSpec } from "../chat-load.ts";
import type { Harness } from "../harness.ts";
import { row, type MetricRow, type ScenarioOutcome } from "../report.ts";
import type { ServerKind } from "../server-child.ts";
import { addDelivery, NO_DELIVERY } from "../stats.ts";
import type { Transport } from "../visitor-pool.ts";

interface Phase extends PhaseSpec {
  transport: Transport;
  /** conversations taking part (the long-polling phase uses a subset) */
  conversations: number;
  targetP99Ms: number | null;
}

function phases(quick: boolean): { conversations: number; list: Phase[] } {
  const conversations = quick ? 50 : 1_000;
  const timing = quick ? { warmupMs: 300, durationMs: 1_000, settleMs: 5_000 } : { warmupMs: 2_000, durationMs: 15_000, settleMs: 5_000 };
  return {
    conversations,
    list: [
      { label: "ws-200", rate: quick ? 50 : 200, transport: "websocket", conversations, targetP99Ms: 10, ...timing },
      { label: "ws-2000", rate: quick ? 100 : 2_000, transport: "websocket", conversations, targetP99Ms: 25, ...timing },
      { label: "polling-200", rate: quick ? 25 : 200, transport: "polling", conversations: quick ? 10 : 200, targetP99Ms: 20, ...timing },
    ],
  };
}

const PER_AGENT = 10;

async function measure(h: Harness, kind: ServerKind): Promise<{ results: PhaseResult[]; persisted: number | null; acked: number }> {
  const { conversations, list } = phases(h.quick);
  const db = kind === "parley" ? await h.database() : null;
  const servers = await startChatServers(h, "latency", kind, db);
  try {
    const groups = await prepareChats(h, servers, conversations / PER_AGENT, PER_AGENT);
    const results: PhaseResult[] = [];
    let connected = "";
    let visitors: number[] = [];
    for (const phase of list) {
      const needed = `${phase.transport}:${phase.conversations}`;
      if (connected !== needed) {
        visitors = await connectVisitors(h, servers, groups, phase.conversations / PER_AGENT, [phase.transport]);
        connected = needed;
      }
      results.push(await runPhase(h, servers, phase, visitors));
    }
    await h.closeSockets();
    const persisted = kind === "parley" ? await servers.visitors.child.call("countMessages", {}) : null;
    return { results, persisted, acked: results.reduce((s, r) => s + r.acked, 0) };
  } finally {
    await h.closeSockets();
    await servers.stop();
    await db?.drop();
  }
}

export async function latency(h: Harness): Promise<ScenarioOutcome> {
  const { conversations, list } = phases(h.quick);
  const parley = await measure(h, "parley");
  const bare = await measure(h, "bare");
  const failures: string[] = [];
  for (const r of parley.results) failures.push(...deliveryFailures("Parley", r));
  for (const r of bare.results) failures.push(...deliveryFailures("bare", r));
  if (parley.persisted !== parley.acked) failures.push(`Parley stored ${parley.persisted} messages but acknowledged ${parley.acked}`);
  const rows: MetricRow[] = [];
  list.forEach((phase, i) => {
    const p = parley.results[i];
    const b = bare.results[i];
    const name = `${phase.transport === "polling" ? "long-polling" : "WebSocket"}, ${phase.conversations} conv. at ${phase.rate} msg/s`;
    const atSpec = !h.quick && phase.targetP99Ms !== null;
    rows.push(
      row(`${name}: e2e p50`, "ms", p.e2e.p50, b.e2e.p50),
      row(`${name}: e2e p95`, "ms", p.e2e.p95, b.e2e.p95),
      row(`${name}: e2e p99`, "ms", p.e2e.p99, b.e2e.p99, phase.targetP99Ms === null ? null : `≤ ${phase.targetP99Ms} ms`, atSpec ? p.e2e.p99 <= (phase.targetP99Ms ?? 0) : null),
      row(`${name}: e2e max`, "ms", p.e2e.max, b.e2e.max),
      row(`${name}: visitor→agent p99`, "ms", p.v2a.p99, b.v2a.p99),
      row(`${name}: agent→visitor p99`, "ms", p.a2v.p99, b.a2v.p99),
      row(`${name}: stored msg/s achieved`, "/s", p.achieved, b.achieved),
    );
  });
  const delivery = parley.results.map((r) => r.delivery).reduce(addDelivery, NO_DELIVERY);
  return {
    baseline: "bare Socket.IO relay, no persistence, same load",
    rows,
    delivery,
    failures,
    skipped: null,
    details: { conversations, agents: conversations / PER_AGENT, phases: list, parley, bare },
  };
}
