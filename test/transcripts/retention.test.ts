// Retention: with a site's "delete transcripts older than N days", exactly the conversations
// closed more than N days ago go, with their messages (and visitors left with nothing, unseen
// as long); open conversations, younger ones and sites without retention stay. Applied by the
// server's timer and by `parley purge`.
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../server/logger.ts";
import { DAY_MS, purgeExpired, startRetention, type PurgeResult, type RetentionTimer } from "../../server/transcripts/retention.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, addSite, startServer, type TestServer } from "../helpers/server.ts";
import { parley } from "./cli.ts";
import { insertConversations, insertVisitors, type SeedConversation } from "./seed.ts";

let server: TestServer | undefined;
let timer: RetentionTimer | undefined;
afterEach(async () => {
  await timer?.stop();
  timer = undefined;
  await server?.close();
  server = undefined;
});

async function seed(s: TestServer, now: number) {
  const db = s.app.database.prisma;
  const siteA = await db.site.findUniqueOrThrow({ where: { key: s.demoKey } });
  const siteB = await addSite(s, "No retention", [s.url]);
  const agent = await addAgent(s, { email: "ana@example.com" });
  await insertVisitors(db, siteA.id, ["gone", "busy", "recent"]);
  await insertVisitors(db, siteB.id, ["other"]);
  const seen = async (id: string, daysAgo: number) => db.visitor.update({ where: { id }, data: { lastSeenAt: new Date(now - daysAgo * DAY_MS) } });
  await seen("gone", 40);
  await seen("busy", 40);
  await seen("recent", 1);
  await seen("other", 400);
  const ago = (days: number, ms = 0) => new Date(now - days * DAY_MS - ms);
  const conv = (id: string, siteId: string, visitorId: string, status: SeedConversation["status"], createdAt: Date, closedAt: Date | null, messages = 3): SeedConversation => ({
    id,
    siteId,
    visitorId,
    status,
    assigneeId: agent.id,
    tags: [],
    createdAt,
    closedAt,
    messages: Array.from({ length: messages }, (_, k) => ({ authorKind: k % 2 ? ("agent" as const) : ("visitor" as const), authorId: k % 2 ? agent.id : visitorId, body: `${id} ${k}` })),
  });
  await insertConversations(db, [
    conv("old-closed", siteA.id, "gone", "closed", ago(35), ago(31), 4),
    conv("just-past", siteA.id, "recent", "closed", ago(31), ago(30, 1), 2),
    conv("at-cutoff", siteA.id, "busy", "closed", ago(31), ago(30)),
    conv("young-closed", siteA.id, "busy", "closed", ago(30), ago(29)),
    conv("old-queued", siteA.id, "busy", "queued", ago(400), null),
    conv("old-assigned", siteA.id, "busy", "assigned", ago(100), null),
    conv("other-site", siteB.id, "other", "closed", ago(400), ago(399)),
  ]);
  await db.site.update({ where: { id: siteA.id }, data: { retentionDays: 30 } });
  return { siteA, siteB };
}

async function remaining(s: TestServer) {
  const db = s.app.database.prisma;
  const convs = await db.conversation.findMany({ select: { id: true, _count: { select: { messages: true } } }, orderBy: { id: "asc" } });
  const visitors = await db.visitor.findMany({ where: { id: { in: ["gone", "busy", "recent", "other"] } }, select: { id: true }, orderBy: { id: "asc" } });
  return {
    conversations: Object.fromEntries(convs.map((c) => [c.id, c._count.messages])),
    visitors: visitors.map((v) => v.id),
    orphanMessages: await db.message.count({ where: { conversationId: { in: ["old-closed", "just-past"] } } }),
  };
}

const KEPT = { "at-cutoff": 3, "old-assigned": 3, "old-queued": 3, "other-site": 3, "young-closed": 3 };
/** seeded a second before a purge that runs at the real time: "at-cutoff" has aged past it too */
const { "at-cutoff": _aged, ...KEPT_LATER } = KEPT;

describe.each(dbKinds())("retention on %s", (db) => {
  it("purges exactly what was closed more than N days ago, once", async () => {
    server = await startServer({ db });
    const now = Date.now();
    const { siteA } = await seed(server, now);
    const before = await remaining(server);
    expect(Object.keys(before.conversations)).toHaveLength(7);

    const results = await purgeExpired(server.app.database.prisma, new Date(now));
    expect(results).toEqual([
      { siteId: siteA.id, siteKey: siteA.key, retentionDays: 30, cutoff: new Date(now - 30 * DAY_MS), conversations: 2, messages: 6, visitors: 1 },
    ]);
    expect(await remaining(server)).toEqual({ conversations: KEPT, visitors: ["busy", "other", "recent"], orphanMessages: 0 });

    // Nothing more to do on a second pass; turning retention off stops purging altogether.
    expect((await purgeExpired(server.app.database.prisma, new Date(now)))[0]).toMatchObject({ conversations: 0, messages: 0, visitors: 0 });
    await server.app.database.prisma.site.update({ where: { id: siteA.id }, data: { retentionDays: null } });
    expect(await purgeExpired(server.app.database.prisma, new Date(now + 1000 * DAY_MS))).toEqual([]);
    expect((await remaining(server)).conversations).toEqual(KEPT);
  });

  it("runs on the server's timer", async () => {
    server = await startServer({ db });
    await seed(server, Date.now() - 1000);
    const ran = new Promise<PurgeResult[]>((resolve) => {
      timer = startRetention(server!.app.database.prisma, createLogger("silent"), { firstRunMs: 0, intervalMs: 3_600_000, onRun: resolve });
    });
    expect((await ran).map((r) => [r.conversations, r.messages, r.visitors])).toEqual([[3, 9, 1]]);
    expect((await remaining(server)).conversations).toEqual(KEPT_LATER);
  });
});

describe("parley purge and parley retention", () => {
  it("set a site's retention and purge from the command line", async () => {
    server = await startServer();
    const { siteA, siteB } = await seed(server, Date.now() - 1000);
    const env = { DATABASE_URL: server.database.url, PARLEY_SECRET: "cli-test" };

    expect(await parley(["retention", "--site", siteB.key], env)).toMatchObject({ code: 0, stdout: `${siteB.key}: transcripts are kept (no retention period)\n` });
    const bad = await parley(["retention", "--site", siteB.key, "--days", "0"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("from 1 to 36500");
    expect((await parley(["retention", "--site", "site_nope", "--days", "5"], env)).stderr).toContain("No site with key site_nope");
    expect(await parley(["retention", "--site", siteB.key, "--days", "500"], env)).toMatchObject({ code: 0, stdout: expect.stringContaining("500 days") });

    const purged = await parley(["purge"], env);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain(`${siteA.key} (30 days`);
    expect(purged.stdout).toContain("deleted 3 conversations, 9 messages, 1 visitors");
    expect(purged.stdout).toContain(`${siteB.key} (500 days, closed before`);
    expect((await remaining(server)).conversations).toEqual(KEPT_LATER);
    expect(await parley(["retention", "--site", siteB.key, "--days", "off"], env)).toMatchObject({ code: 0, stdout: expect.stringContaining("kept") });
    expect((await server.app.database.prisma.site.findUniqueOrThrow({ where: { id: siteB.id } })).retentionDays).toBeNull();
  });
});
