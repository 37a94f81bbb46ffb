// assignment: 100 agents online, then 1,000 visitors open a conversation at the same moment.
// Time until every visitor has learnt its agent, and each one's open → assigned latency.
// Baseline: the bare Socket.IO server assigning in memory (least-loaded agent), same sockets.
import type { BurstResult } from "../assignment-driver.ts";
import path from "node:path";
import { RESULTS_DIR, type Harness } from "../harness.ts";
import { row, type ScenarioOutcome } from "../report.ts";
import type { AssignmentState, ServerKind } from "../server-child.ts";
import { concatSamples, summarize, type Delivery, type LatencySummary } from "../stats.ts";

interface Measure {
  allAssignedMs: number;
  latency: LatencySummary;
  delivery: Delivery;
  openErrors: Record<string, number>;
  assignedSeenByVisitors: number;
  state: AssignmentState | null;
  /** agents' view settled (every opened conversation handed out) before the deadline */
  handedSettled: boolean;
  /** agent sockets the server dropped during the burst, with socket.io's reason */
  agentDrops: string[];
  visitorDrops: string[];
}

interface Watch {
  quietMs: number;
  capMs: number;
}

async function measure(h: Harness, kind: ServerKind, agents: number, conversations: number, watch: Watch): Promise<Measure> {
  const workers = await h.workers();
  const db = kind === "parley" ? await h.database() : null;
  const server = await h.startServer("assignment", kind, db);
  try {
    // Room for twice the fair share, so capacity never decides the result.
    const seeded = await server.child.call("seedAgents", { count: agents, maxChats: Math.ceil((2 * conversations) / agents) }, 300_000);
    const visitorShares = h.share(conversations);
    await Promise.all(
      workers.map((w, i) =>
        w.call(
          "assignSetup",
          { url: server.url, siteKey: server.siteKey, origin: server.url, agents: seeded.filter((_, j) => j % workers.length === i), visitors: visitorShares[i], timeoutMs: 30_000 },
          600_000,
        ),
      ),
    );
    const profiled = h.opts.profile && kind === "parley";
    if (profiled) await server.child.call("phaseProfileStart", {});
    const bursts: BurstResult[] = await Promise.all(workers.map((w) => w.call("assignBurst", watch, watch.capMs + 60_000)));
    if (profiled) await server.child.call("phaseProfileStop", { file: path.join(RESULTS_DIR, "profiles", server.child.name, "phase-burst.cpuprofile") });
    const opened = new Set(bursts.flatMap((b) => b.openedIds));
    // The agents' side may trail the visitors' by a moment: look again, for a bounded time.
    let handed = { ids: new Set<string>(), duplicates: 0, agentDrops: [] as string[], visitorDrops: [] as string[] };
    let handedSettled = false;
    for (const until = performance.now() + 10_000; performance.now() < until; ) {
      const parts = await Promise.all(workers.map((w) => w.call("assignHanded", {})));
      const ids = parts.flatMap((p) => p.ids);
      const unique = new Set(ids);
      // The same conversation handed to agents on two workers is a double assignment too.
      handed = { ids: unique, duplicates: parts.reduce((s, p) => s + p.duplicates, 0) + ids.length - unique.size, agentDrops: parts.flatMap((p) => p.agentDrops), visitorDrops: parts.flatMap((p) => p.visitorDrops) };
      if ([...opened].every((id) => unique.has(id))) {
        handedSettled = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const openErrors: Record<string, number> = {};
    for (const b of bursts) for (const [k, v] of Object.entries(b.openErrors)) openErrors[k] = (openErrors[k] ?? 0) + v;
    const received = [...opened].filter((id) => handed.ids.has(id)).length;
    const state = kind === "parley" ? await server.child.call("assignmentState", {}) : null;
    return {
      allAssignedMs: bursts.every((b, i) => b.assigned === visitorShares[i]) ? Math.max(...bursts.map((b) => b.allAssignedMs)) : NaN,
      latency: summarize(concatSamples(bursts.map((b) => b.latency))),
      delivery: {
        sent: opened.size,
        received,
        duplicates: handed.duplicates,
        lost: opened.size - received,
        errors: Object.values(openErrors).reduce((a, b) => a + b, 0),
      },
      openErrors,
      assignedSeenByVisitors: bursts.reduce((s, b) => s + b.assigned, 0),
      state,
      handedSettled,
      agentDrops: handed.agentDrops,
      visitorDrops: handed.visitorDrops,
    };
  } finally {
    await h.closeSockets();
    await server.stop();
    await db?.drop();
  }
}

export async function assignment(h: Harness): Promise<ScenarioOutcome> {
  const agents = h.quick ? 3 : 100;
  const conversations = h.quick ? 30 : 1_000;
  const watch: Watch = h.quick ? { quietMs: 10_000, capMs: 30_000 } : { quietMs: 15_000, capMs: 180_000 };
  const parley = await measure(h, "parley", agents, conversations, watch);
  const bare = await measure(h, "bare", agents, conversations, watch);
  const failures: string[] = [];
  for (const [who, m] of [["Parley", parley], ["bare", bare]] as const) {
    if (m.delivery.errors) failures.push(`${who}: ${m.delivery.errors} opens refused (${JSON.stringify(m.openErrors)})`);
    if (m.delivery.lost) failures.push(`${who}: ${m.delivery.lost} of ${m.delivery.sent} conversations never reached an agent (none for ${watch.quietMs / 1000} s, or ${watch.capMs / 1000} s passed)`);
    if (m.delivery.duplicates) failures.push(`${who}: ${m.delivery.duplicates} conversations handed out twice`);
    if (m.agentDrops.length) failures.push(`${who}: ${m.agentDrops.length} agent connections dropped during the burst (${[...new Set(m.agentDrops)].join(", ")})`);
    if (m.visitorDrops.length) failures.push(`${who}: ${m.visitorDrops.length} visitor connections dropped during the burst (${[...new Set(m.visitorDrops)].join(", ")})`);
    if (m.assignedSeenByVisitors !== m.delivery.sent) failures.push(`${who}: ${m.delivery.sent - m.assignedSeenByVisitors} visitors never learnt their agent`);
  }
  if (parley.state && parley.state.overCapacity) failures.push(`Parley: ${parley.state.overCapacity} agents over capacity`);
  if (parley.state && parley.state.assigned !== conversations) failures.push(`Parley: ${parley.state.assigned} of ${conversations} conversations assigned in the database`);
  return {
    baseline: "bare Socket.IO server assigning in memory",
    rows: [
      row(`all ${conversations} assigned to ${agents} agents`, "ms", parley.allAssignedMs, bare.allAssignedMs, "< 2 s (1,000 to 100)", h.quick ? null : parley.allAssignedMs < 2_000),
      row("assignment latency p50", "ms", parley.latency.p50, bare.latency.p50),
      row("assignment latency p99", "ms", parley.latency.p99, bare.latency.p99),
      row("assignment latency max", "ms", parley.latency.max, bare.latency.max),
    ],
    delivery: parley.delivery,
    failures,
    skipped: null,
    details: { agents, conversations, parley, bare },
  };
}
