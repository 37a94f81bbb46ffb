// reconnect: N visitors connected (socket.io-client's own reconnection with the widget's back-off,
// busy refusals retried after the server's retryAfterMs), then the server restarts: graceful close
// of the running process (what SIGTERM does), and a new process, already loaded, starts on the
// same port and database. How long until every visitor is back with its own identity, p50/p95,
// and the share that never came back. With --redis: two Parley processes sharing the database and
// Redis, 2,000 visitors spread over them, both restarted at once (issue 7's heavy variant).
// Baseline: bare Socket.IO server(s) restarted the same way.
import type { Harness } from "../harness.ts";
import path from "node:path";
import { freePort, RESULTS_DIR } from "../harness.ts";
import { row, type ScenarioOutcome } from "../report.ts";
import type { ServerKind } from "../server-child.ts";
import { summarize, wallNow, type Delivery, type LatencySummary } from "../stats.ts";

interface Measure {
  clients: number;
  back: number;
  /** ms from the restart's start (close begins) */
  sinceRestart: LatencySummary;
  /** ms from the new process listening */
  sinceListening: LatencySummary;
  /** close begins → new process listening */
  downtimeMs: number;
  closeMs: number;
  startMs: number;
  identityLost: number;
  /** handshakes the server refused as busy during the return (clients retried them) */
  refusals: number;
  delivery: Delivery;
  connectErrors: Record<string, number>;
}

/** How long to watch: until all are back, or nobody came back for `quietMs`, or `capMs` in all. */
interface Watch {
  quietMs: number;
  capMs: number;
}

async function measure(h: Harness, kind: ServerKind, n: number, watch: Watch, processes: number): Promise<Measure> {
  const workers = await h.workers();
  const db = kind === "parley" ? await h.database() : null;
  const ports = await Promise.all(Array.from({ length: processes }, () => freePort()));
  // With --redis: N Parley processes on one database and one Redis, the visitors spread over them
  // (a load balancer's job), all restarted at once.
  const first = await Promise.all(ports.map(async (port) => h.startOn(await h.spawnServer("reconnect", kind), kind, port, db)));
  let second: Awaited<ReturnType<Harness["startOn"]>>[] = [];
  try {
    const errors = await Promise.all(first.map((server, i) => h.connectVisitors(server, Math.floor(n / processes) + (i < n % processes ? 1 : 0), true)));
    const connectErrors: Record<string, number> = {};
    for (const e of errors) for (const [k, v] of Object.entries(e.errors)) connectErrors[k] = (connectErrors[k] ?? 0) + v;
    const next = await Promise.all(ports.map(() => h.spawnServer("reconnect", kind)));
    await Promise.all(workers.map((w) => w.call("armReconnect", {})));

    const restartAt = wallNow();
    const t0 = performance.now();
    await Promise.all(first.map((server) => server.stop()));
    const closeMs = performance.now() - t0;
    second = await Promise.all(next.map((child, i) => h.startOn(child, kind, ports[i], db)));
    const listeningAt = wallNow();
    // --profile: the return itself (the new processes from listening until everyone is back).
    const profiled = h.opts.profile ? second : [];
    await Promise.all(profiled.map((s) => s.child.call("phaseProfileStart", {})));

    // Look until everyone is back, or nobody came back for a while (those "never came back"),
    // bounded in all: a slow return is not a lost client.
    let statuses = await Promise.all(workers.map((w) => w.call("reconnectStatus", {})));
    const started = performance.now();
    let lastBack = 0;
    let lastProgress = started;
    while (statuses.some((s) => s.back < s.total)) {
      const now = performance.now();
      if (now - lastProgress > watch.quietMs || now - started > watch.capMs) break;
      await new Promise((r) => setTimeout(r, 250));
      statuses = await Promise.all(workers.map((w) => w.call("reconnectStatus", {})));
      const back = statuses.reduce((s, x) => s + x.back, 0);
      if (back > lastBack) {
        lastBack = back;
        lastProgress = performance.now();
      }
    }
    await Promise.all(profiled.map((s) => s.child.call("phaseProfileStop", { file: path.join(RESULTS_DIR, "profiles", s.child.name, "phase-return.cpuprofile") })));
    const backAt = statuses.flatMap((s) => s.backAt);
    const clients = statuses.reduce((s, x) => s + x.total, 0);
    const duplicates = statuses.reduce((s, x) => s + x.duplicates, 0);
    return {
      clients,
      back: backAt.length,
      sinceRestart: summarize(backAt.map((t) => t - restartAt)),
      sinceListening: summarize(backAt.map((t) => t - listeningAt)),
      downtimeMs: listeningAt - restartAt,
      closeMs,
      startMs: Math.max(...second.map((x) => x.started.startMs)),
      identityLost: statuses.reduce((s, x) => s + x.identityLost, 0),
      refusals: statuses.reduce((s, x) => s + x.refusals, 0),
      delivery: { sent: clients, received: backAt.length, duplicates, lost: clients - backAt.length, errors: n - clients },
      connectErrors,
    };
  } finally {
    await h.closeSockets();
    await Promise.all(first.map((x) => x.stop()));
    await Promise.all(second.map((x) => x.stop()));
    await db?.drop();
  }
}

export async function reconnect(h: Harness): Promise<ScenarioOutcome> {
  // --redis: issue 7's heavy variant, 2,000 clients over two Parley processes restarted at once.
  const processes = h.opts.redisUrl ? 2 : 1;
  // PARLEY_BENCH_RECONNECT_CLIENTS: another size, to find where a server starts to struggle.
  const n = Number(process.env.PARLEY_BENCH_RECONNECT_CLIENTS) || (h.quick ? 100 : processes > 1 ? 2_000 : 5_000);
  const watch: Watch = h.quick ? { quietMs: 10_000, capMs: 30_000 } : { quietMs: 15_000, capMs: 180_000 };
  const parley = await measure(h, "parley", n, watch, processes);
  const bare = await measure(h, "bare", n, watch, processes);
  const failures: string[] = [];
  for (const [who, m] of [["Parley", parley], ["bare", bare]] as const) {
    if (m.clients < n) failures.push(`${who}: only ${m.clients} of ${n} clients connected before the restart (${JSON.stringify(m.connectErrors)})`);
    if (m.back < m.clients) failures.push(`${who}: ${m.clients - m.back} of ${m.clients} clients never came back (none returned for ${watch.quietMs / 1000} s, or ${watch.capMs / 1000} s passed)`);
    if (m.identityLost) failures.push(`${who}: ${m.identityLost} clients came back as a different visitor`);
    if (m.delivery.duplicates) failures.push(`${who}: ${m.delivery.duplicates} extra sessions (clients flapping)`);
  }
  const neverBack = (m: Measure) => (m.clients ? (100 * (m.clients - m.back)) / m.clients : NaN);
  return {
    baseline: processes > 1 ? `${processes} bare Socket.IO servers restarted the same way` : "bare Socket.IO server restarted the same way",
    rows: [
      row(`clients back (of ${n}, ${processes} process${processes > 1 ? "es" : ""})`, "", parley.back, bare.back),
      row("all back, from restart start", "ms", parley.sinceRestart.max, bare.sinceRestart.max),
      row("back p50, from restart start", "ms", parley.sinceRestart.p50, bare.sinceRestart.p50),
      row("back p95, from restart start", "ms", parley.sinceRestart.p95, bare.sinceRestart.p95, "< 3 s (5,000 clients)", h.quick || n < 5_000 || processes > 1 ? null : parley.sinceRestart.p95 < 3_000),
      row("back p95, from new process listening", "ms", parley.sinceListening.p95, bare.sinceListening.p95),
      row("downtime: close start → new process listening", "ms", parley.downtimeMs, bare.downtimeMs),
      row("handshakes refused as busy, retried", "", parley.refusals, bare.refusals),
      row("never came back", "%", neverBack(parley), neverBack(bare), "0 %", h.quick ? null : parley.back === parley.clients),
    ],
    delivery: parley.delivery,
    failures,
    skipped: null,
    details: { clients: n, processes, parley, bare },
  };
}
