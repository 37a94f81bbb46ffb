// idle: N connected visitors. Connect rate, and RSS and heap per connection (read after a full
// GC in the server process), against a bare Socket.IO server holding the same N sockets.
import type { Harness } from "../harness.ts";
import { row, type ScenarioOutcome } from "../report.ts";
import type { ServerKind } from "../server-child.ts";
import type { Delivery } from "../stats.ts";

interface IdleMeasure {
  connected: number;
  connectPerSecond: number;
  rssPerConnKb: number;
  heapPerConnKb: number;
  externalPerConnKb: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  delivery: Delivery;
  errors: Record<string, number>;
}

async function measure(h: Harness, kind: ServerKind, n: number): Promise<IdleMeasure> {
  const db = kind === "parley" ? await h.database() : null;
  const server = await h.startServer("idle", kind, db);
  try {
    const before = await server.child.call("memory", {});
    const t0 = performance.now();
    const { connected, sessions, duplicates, errors } = await h.connectVisitors(server, n, false);
    const seconds = (performance.now() - t0) / 1000;
    const after = await server.child.call("memory", {});
    return {
      connected,
      connectPerSecond: connected / seconds,
      rssPerConnKb: (after.rss - before.rss) / Math.max(1, connected) / 1024,
      heapPerConnKb: (after.heapUsed - before.heapUsed) / Math.max(1, connected) / 1024,
      externalPerConnKb: (after.external - before.external) / Math.max(1, connected) / 1024,
      rssBeforeMb: before.rss / 2 ** 20,
      rssAfterMb: after.rss / 2 ** 20,
      delivery: { sent: n, received: sessions - duplicates, duplicates, lost: n - connected, errors: 0 },
      errors,
    };
  } finally {
    await h.closeSockets();
    await server.stop();
    await db?.drop();
  }
}

export async function idle(h: Harness): Promise<ScenarioOutcome> {
  const n = h.quick ? 1_000 : 10_000;
  const parley = await measure(h, "parley", n);
  const bare = await measure(h, "bare", n);
  const failures: string[] = [];
  for (const [who, m] of [["Parley", parley], ["bare", bare]] as const) {
    if (m.connected < n) failures.push(`${who}: ${n - m.connected} of ${n} visitors could not connect (${JSON.stringify(m.errors)})`);
    if (m.delivery.duplicates) failures.push(`${who}: ${m.delivery.duplicates} duplicate sessions`);
  }
  const ratio = parley.rssPerConnKb / bare.rssPerConnKb;
  return {
    baseline: "bare Socket.IO server, same sockets",
    rows: [
      row(`visitors connected`, "", parley.connected, bare.connected),
      row("connect rate", "/s", parley.connectPerSecond, bare.connectPerSecond),
      row(`RSS per connection (${n})`, "KB", parley.rssPerConnKb, bare.rssPerConnKb, "≤ 1.5× bare at 10,000", h.quick ? null : ratio <= 1.5),
      row("heap per connection", "KB", parley.heapPerConnKb, bare.heapPerConnKb),
      row("external (buffers) per connection", "KB", parley.externalPerConnKb, bare.externalPerConnKb),
      row("server RSS with all connected", "MB", parley.rssAfterMb, bare.rssAfterMb),
    ],
    delivery: parley.delivery,
    failures,
    skipped: null,
    details: { visitors: n, parley, bare },
  };
}
