// Bulk export over HTTP and from the CLI: every matching conversation exactly once, in order,
// with all its messages (including one longer than a read batch, and one whose stored lastSeq
// understates it), and each filter respected. Bad filters are a clear 4xx.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseCsv } from "csv-parse/sync";
import type { TranscriptDto } from "../../server/protocol.ts";
import { CONVERSATION_PAGE, MESSAGE_BATCH } from "../../server/transcripts/export-stream.ts";
import { dbKinds } from "../helpers/databases.ts";
import { login } from "../helpers/clients.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { insertConversations, insertVisitors, type SeedConversation } from "./seed.ts";
import { parley } from "./cli.ts";
import { twoSitesAndStaff } from "./fixtures.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const START = Date.UTC(2026, 2, 1); // 2026-03-01T00:00:00Z
/** more than two export pages (CONVERSATION_PAGE), so paging crosses ties */
const COUNT = 450;
const TAGS = [["vip"], ["vip-gold"], ['say "vip"'], [], ["VIP"], []];

async function seed(s: TestServer) {
  const db = s.app.database.prisma;
  const { siteA, siteB, ana, bob } = await twoSitesAndStaff(s);
  // Seeded "assigned" chats belong to agents with no console open. The routing sweep rightly
  // returns chats held by offline agents to the queue, so the staff are "away" (they keep their
  // chats) and the server's grace period outlasts the test.
  await db.agent.updateMany({ where: { id: { in: [ana.id, bob.id] } }, data: { status: "away" } });
  await insertVisitors(db, siteA.id, ["va"]);
  await insertVisitors(db, siteB.id, ["vb"]);
  const convs: SeedConversation[] = [];
  for (let i = 0; i < COUNT; i++) {
    const site = i % 3 === 0 ? siteB : siteA;
    const assignee = i % 5 === 0 ? null : i % 2 ? ana : bob;
    // In some of ana's chats bob wrote too (a transfer): they count as bob's as well.
    const writer = i % 10 === 3 ? bob : assignee;
    const count = i === COUNT - 1 ? MESSAGE_BATCH * 2 + 500 : i === COUNT - 2 ? MESSAGE_BATCH + 200 : (i % 7) + 1;
    convs.push({
      id: `conv-${String(i).padStart(3, "0")}`,
      siteId: site.id,
      visitorId: site.id === siteA.id ? "va" : "vb",
      status: i % 4 === 0 ? "queued" : i % 4 === 1 ? "assigned" : "closed",
      assigneeId: assignee?.id ?? null,
      tags: TAGS[i % 6],
      // Seven at a time share a creation time (ties across export pages), an hour apart from
      // 2026-03-01 to 2026-03-03, inserted out of order.
      createdAt: new Date(START + Math.floor(((i * 37) % COUNT) / 7) * 3_600_000),
      lastSeq: i === COUNT - 2 ? 0 : undefined,
      messages: Array.from({ length: count }, (_, k) => ({
        authorKind: k % 2 === 0 ? ("visitor" as const) : ("agent" as const),
        authorId: k % 2 === 0 ? (site.id === siteA.id ? "va" : "vb") : (writer?.id ?? null),
        body: `c${i} m${k + 1}, "quoted" 🙂`,
        note: k % 2 === 1 && k % 5 === 0 && i % 8 === 0,
      })),
    });
  }
  await insertConversations(db, convs);
  expect(COUNT).toBeGreaterThan(2 * CONVERSATION_PAGE);
  return { siteA, siteB, ana, bob, convs };
}

type World = Awaited<ReturnType<typeof seed>>;

function expectedFor(w: World, keep: (c: SeedConversation) => boolean, opts: { notes?: boolean } = {}) {
  return w.convs
    .filter(keep)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
    .map((c) => ({ id: c.id, seqs: c.messages.map((m, k) => ({ seq: k + 1, note: m.note ?? false })).filter((m) => opts.notes || !m.note).map((m) => m.seq) }));
}

describe.each(dbKinds())("bulk export on %s", (db) => {
  it("streams every matching conversation with all its messages, filters respected, as NDJSON and CSV", async () => {
    server = await startServer({ db, config: { graceSeconds: 3600 } });
    const w = await seed(server);
    const { cookie } = await login(server, "root@example.com");
    const ndjson = async (query: string) => {
      const res = await fetch(`${server!.url}/api/v1/transcripts/export?${query}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
      const text = await res.text();
      if (text) expect(text.endsWith("\n")).toBe(true);
      return text
        .slice(0, -1)
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as TranscriptDto)
        .map((t) => ({ id: t.conversation.id, seqs: t.messages.map((m) => m.seq) }));
    };
    const site = (c: SeedConversation) => c.siteId;
    const hour = (c: SeedConversation) => (c.createdAt.getTime() - START) / 3_600_000;

    expect(await ndjson("")).toEqual(expectedFor(w, () => true));
    expect(await ndjson("format=ndjson&notes=1")).toEqual(expectedFor(w, () => true, { notes: true }));
    expect(await ndjson(`site=${w.siteB.key}`)).toEqual(expectedFor(w, (c) => site(c) === w.siteB.id));
    expect(await ndjson("agent=BOB@example.com")).toEqual(
      expectedFor(w, (c) => c.assigneeId === w.bob.id || c.messages.some((m) => m.authorKind === "agent" && m.authorId === w.bob.id)),
    );
    expect(await ndjson("status=closed")).toEqual(expectedFor(w, (c) => c.status === "closed"));
    expect(await ndjson("tag=vip")).toEqual(expectedFor(w, (c) => c.tags.includes("vip")));
    expect(await ndjson(`tag=${encodeURIComponent('say "vip"')}`)).toEqual(expectedFor(w, (c) => c.tags.includes('say "vip"')));
    // A date-only `to` includes that whole day.
    expect(await ndjson("from=2026-03-02&to=2026-03-02")).toEqual(expectedFor(w, (c) => hour(c) >= 24 && hour(c) < 48));
    expect(await ndjson(`from=2026-03-01T12:00:00Z&to=${encodeURIComponent("2026-03-02T01:00:00+01:00")}`)).toEqual(expectedFor(w, (c) => hour(c) >= 12 && hour(c) < 24));
    expect(await ndjson(`site=${w.siteA.key}&status=closed&tag=vip`)).toEqual(
      expectedFor(w, (c) => site(c) === w.siteA.id && c.status === "closed" && c.tags.includes("vip")),
    );
    expect(await ndjson("status=closed&from=2030-01-01")).toEqual([]);

    // CSV: one row per message, conversation columns repeated; the optional BOM.
    const csvRes = await fetch(`${server.url}/api/v1/transcripts/export?format=csv&bom=1&site=${w.siteA.key}`, { headers: { cookie } });
    expect(csvRes.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csvRes.headers.get("content-disposition")).toMatch(/^attachment; filename="parley-export-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = Buffer.from(await csvRes.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes, { bom: true, columns: true }) as Record<string, string>[];
    const expectA = expectedFor(w, (c) => site(c) === w.siteA.id);
    expect(rows.length).toBe(expectA.reduce((n, c) => n + c.seqs.length, 0));
    expect(rows.map((r) => `${r.conversation_id}#${r.seq}`)).toEqual(expectA.flatMap((c) => c.seqs.map((s) => `${c.id}#${s}`)));
    const byId = new Map(w.convs.map((c) => [c.id, c]));
    for (const r of rows) {
      const c = byId.get(r.conversation_id) as SeedConversation;
      expect(r).toMatchObject({ site_key: w.siteA.key, site_name: "Demo", status: c.status, tags: c.tags.join(";"), body: c.messages[Number(r.seq) - 1].body });
    }
  });

  it("refuses bad filters with a clear 4xx JSON error", async () => {
    server = await startServer({ db, config: { graceSeconds: 3600 } });
    await addAgent(server, { email: "root@example.com", role: "admin" });
    const { cookie } = await login(server, "root@example.com");
    const attempt = async (query: string) => {
      const res = await fetch(`${server!.url}/api/v1/transcripts/export?${query}`, { headers: { cookie } });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
    };
    expect(await attempt("format=xml")).toEqual({ status: 400, body: { error: { code: "bad_request", message: "format: must be ndjson or csv" } } });
    expect(await attempt("from=yesterday")).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/^from: must be an ISO 8601 date/) } } });
    expect(await attempt("from=2026-02-30")).toMatchObject({ status: 400, body: { error: { message: "from: is not a valid date: 2026-02-30" } } });
    expect(await attempt("to=2026-13-01T00:00:00Z")).toMatchObject({ status: 400 });
    expect(await attempt("from=2026-03-02&to=2026-03-01")).toMatchObject({ status: 400, body: { error: { message: "from must be before to" } } });
    expect(await attempt("site=site_nope")).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect(await attempt("agent=nobody@example.com")).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect(await attempt("agent=not-an-email")).toMatchObject({ status: 400 });
    expect(await attempt("status=open")).toMatchObject({ status: 400 });
    expect(await attempt("site=a&site=b")).toMatchObject({ status: 400 });
    expect(await attempt(`tag=${"x".repeat(101)}`)).toMatchObject({ status: 400 });
  });
});

describe("parley export", () => {
  it("writes the same export to a file or stdout, with a progress bar on a terminal", async () => {
    server = await startServer();
    const w = await seed(server);
    const env = { DATABASE_URL: server.database.url, PARLEY_SECRET: "cli-test" };
    const out = path.join(server.database.dir, "export.csv");
    const toFile = await parley(["export", "--format", "csv", "--site", w.siteB.key, "--out", out], env);
    expect(toFile).toMatchObject({ code: 0, stdout: "" });
    const rows = parseCsv(readFileSync(out), { columns: true }) as Record<string, string>[];
    const expectB = expectedFor(w, (c) => c.siteId === w.siteB.id);
    expect(rows.map((r) => `${r.conversation_id}#${r.seq}`)).toEqual(expectB.flatMap((c) => c.seqs.map((s) => `${c.id}#${s}`)));

    const toStdout = await parley(["export", "--format", "ndjson", "--agent", "ana@example.com", "--from", "2026-03-02"], env);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stderr).toBe("");
    expect(toStdout.stdout.trim().split("\n").map((l) => (JSON.parse(l) as TranscriptDto).conversation.id)).toEqual(
      expectedFor(w, (c) => (c.assigneeId === w.ana.id || c.messages.some((m) => m.authorId === w.ana.id)) && c.createdAt.getTime() >= START + 86_400_000).map((c) => c.id),
    );

    const onTty = await parley(["export", "--format", "csv", "--out", path.join(server.database.dir, "tty.csv")], env, { tty: true });
    expect(onTty.code).toBe(0);
    const total = expectedFor(w, () => true).reduce((n, c) => n + c.seqs.length, 0);
    expect(onTty.stdout).toContain(`100% ${total.toLocaleString("en")}/${total.toLocaleString("en")} messages`);
    expect(onTty.stdout).toContain(`Exported ${total.toLocaleString("en")} messages`);

    const bad = await parley(["export", "--format", "pdf"], env);
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(bad.stderr).toContain("format: must be ndjson or csv");
    const unknownFlag = await parley(["export", "--sitee", "x"], env);
    expect(unknownFlag.code).toBe(1);
    expect(unknownFlag.stderr).toContain("--sitee");
  });
});
