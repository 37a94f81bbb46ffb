// Group commit keeps every message rule: two writers (as two processes would) posting into the
// same conversations at once, with retries mixed in, leave gapless sequences and one row per
// clientId; a closed conversation refuses only its own messages in a mixed batch.
import { describe, expect, it } from "vitest";
import { MessageWriter } from "../../server/conversations/message-writer.ts";
import { messageGuard } from "../../server/realtime/message-guard.ts";
import { DomainError } from "../../server/errors.ts";
import { createSite } from "../../server/sites/service.ts";
import { createVisitor } from "../../server/visitors/service.ts";
import { dbKinds, migratedDatabase } from "../helpers/databases.ts";

const database = migratedDatabase();

describe.each(dbKinds())("MessageWriter on %s", (kind) => {
  it("keeps sequences gapless and clientIds unique under two concurrent writers", async () => {
    const a = await database.open(kind);
    // On SQLite two connections in ONE process would deadlock (better-sqlite3 waits for a lock
    // synchronously, blocking the very event loop that would release it), so there the two
    // writers share a client; across processes SQLite's busy timeout does the waiting.
    const b = kind === "sqlite" ? a : await database.open(kind);
    const site = await createSite(a.prisma, { name: "s", origins: ["https://s.example"] });
    const convs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { visitor } = await createVisitor(a.prisma, site.id);
      convs.push((await a.prisma.conversation.create({ data: { siteId: site.id, visitorId: visitor.id } })).id);
    }
    const writers = [new MessageWriter(a.prisma), new MessageWriter(b.prisma)];
    const n = 300;
    // Every clientId is sent twice, once through each writer: exactly one of the two creates it.
    const posts = Array.from({ length: n }, (_, i) => {
      const input = { conversationId: convs[i % convs.length], authorKind: "visitor" as const, authorId: null, clientId: `c${i}`, body: `m${i}` };
      return [writers[0].post(input), writers[1].post(input)];
    }).flat();
    const results = await Promise.all(posts);
    for (let i = 0; i < n; i++) {
      const [x, y] = [results[2 * i], results[2 * i + 1]];
      expect(x.message.id).toBe(y.message.id);
      expect(Number(x.created) + Number(y.created)).toBe(1);
    }
    for (const id of convs) {
      const rows = await a.prisma.message.findMany({ where: { conversationId: id }, orderBy: { seq: "asc" } });
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      expect(new Set(rows.map((r) => r.clientId)).size).toBe(rows.length);
      const conv = await a.prisma.conversation.findUniqueOrThrow({ where: { id } });
      expect(conv.lastSeq).toBe(rows.length);
    }
    expect(await a.prisma.message.count()).toBe(n);
  });

  it("fails only the items of a closed or unknown conversation in a mixed batch", async () => {
    const d = await database.open(kind);
    const site = await createSite(d.prisma, { name: "s", origins: ["https://s.example"] });
    const { visitor } = await createVisitor(d.prisma, site.id);
    const open = await d.prisma.conversation.create({ data: { siteId: site.id, visitorId: visitor.id, openKey: "a" } });
    const closed = await d.prisma.conversation.create({ data: { siteId: site.id, visitorId: visitor.id, openKey: "b", status: "closed" } });
    const w = new MessageWriter(d.prisma);
    const post = (conversationId: string, clientId: string) => w.post({ conversationId, authorKind: "agent", authorId: null, clientId, body: "x" }).then((r) => r, (e: unknown) => e);
    const [ok1, bad1, ok2, bad2] = await Promise.all([post(open.id, "1"), post(closed.id, "2"), post(open.id, "3"), post("nope", "4")]);
    expect(bad1).toBeInstanceOf(DomainError);
    expect((bad1 as DomainError).code).toBe("conflict");
    expect((bad2 as DomainError).code).toBe("not_found");
    expect([ok1, ok2].map((r) => (r as { message: { seq: number } }).message.seq)).toEqual([1, 2]);
    expect(await d.prisma.message.count({ where: { conversationId: closed.id } })).toBe(0);
    const conv = await d.prisma.conversation.findUniqueOrThrow({ where: { id: open.id } });
    expect(conv.firstResponseAt).not.toBeNull();
  });

  it("checks ownership, site membership and the visitor limit for a whole batch (the socket guard)", async () => {
    const d = await database.open(kind);
    const site = await createSite(d.prisma, { name: "s", origins: ["https://s.example"] });
    await d.prisma.site.update({ where: { id: site.id }, data: { membersOnly: true } });
    const [{ visitor: mine }, { visitor: other }] = [await createVisitor(d.prisma, site.id), await createVisitor(d.prisma, site.id)];
    const conv = await d.prisma.conversation.create({ data: { siteId: site.id, visitorId: mine.id } });
    const agent = (email: string, role = "agent") => d.prisma.agent.create({ data: { email, name: email, role, passwordHash: "x" } });
    const [member, outsider, admin] = [await agent("m@example.com"), await agent("o@example.com"), await agent("a@example.com", "admin")];
    await d.prisma.siteMember.create({ data: { siteId: site.id, agentId: member.id } });
    // Two visitor messages a minute, one already counted this minute: the batch admits one more, in order.
    await d.prisma.message.create({ data: { conversationId: conv.id, seq: 1, authorKind: "visitor", authorId: mine.id, body: "old", clientId: "old" } });
    let clock = Date.UTC(2026, 0, 1, 12, 0, 30);
    await d.prisma.conversation.update({ where: { id: conv.id }, data: { lastSeq: 1, visitorMinute: Math.floor(clock / 60_000), visitorMinuteCount: 1 } });
    const w = new MessageWriter(d.prisma, messageGuard({ messagesPerMinute: 2 }, () => clock));
    const asVisitor = (visitorId: string, clientId: string) =>
      ({ conversationId: conv.id, authorKind: "visitor" as const, authorId: visitorId, clientId, body: "x", poster: { kind: "visitor" as const, visitorId, siteId: site.id } });
    const asAgent = (a: { id: string; role: string }, clientId: string) =>
      ({ conversationId: conv.id, authorKind: "agent" as const, authorId: a.id, clientId, body: "x", poster: { kind: "agent" as const, agentId: a.id, role: a.role === "admin" ? ("admin" as const) : ("agent" as const) } });
    const outcome = (p: Promise<unknown>) => p.then((r) => (r as { message: { seq: number } }).message.seq, (e: unknown) => (e as DomainError).code);
    // One batch: every post is queued before the writer takes its next turn.
    const results = await Promise.all(
      [asVisitor(mine.id, "v1"), asVisitor(other.id, "x1"), asVisitor(mine.id, "v2"), asAgent(member, "m1"), asAgent(outsider, "o1"), asAgent(admin, "a1"), asVisitor(mine.id, "old")].map((i) =>
        outcome(w.post(i)),
      ),
    );
    expect(results).toEqual([2, "not_found", "rate_limited", 3, "not_found", 4, 1]);
    const stored = await d.prisma.message.findMany({ where: { conversationId: conv.id }, orderBy: { seq: "asc" } });
    expect(stored.map((m) => m.clientId)).toEqual(["old", "v1", "m1", "a1"]);
    // The count was stored with the batch: still full in this minute, a fresh one in the next.
    expect(await outcome(w.post(asVisitor(mine.id, "v3")))).toBe("rate_limited");
    clock += 30_000;
    expect(await Promise.all([w.post(asVisitor(mine.id, "v4")), w.post(asVisitor(mine.id, "v5")), w.post(asVisitor(mine.id, "v6"))].map(outcome))).toEqual([5, 6, "rate_limited"]);
    expect(await d.prisma.conversation.findUniqueOrThrow({ where: { id: conv.id } })).toMatchObject({ visitorMinute: Math.floor(clock / 60_000), visitorMinuteCount: 2 });
    // A server whose clock runs a minute behind (several processes) counts in the stored window
    // instead of opening its own.
    const behind = new MessageWriter(d.prisma, messageGuard({ messagesPerMinute: 2 }, () => clock - 60_000));
    expect(await outcome(behind.post(asVisitor(mine.id, "v7")))).toBe("rate_limited");
    await behind.idle();
  });
});

const POISON = {
  sqlite: [`CREATE TRIGGER "poison" BEFORE INSERT ON "Message" WHEN NEW."body" = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`],
  postgres: [
    `CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'poisoned row'; END $$`,
    `CREATE TRIGGER poison BEFORE INSERT ON "Message" FOR EACH ROW WHEN (NEW."body" = 'poison') EXECUTE FUNCTION poison()`,
  ],
};

describe.each(dbKinds())("a message the database refuses, on %s", (kind) => {
  it("fails only itself: the batch is written message by message", async () => {
    const d = await database.open(kind);
    const site = await createSite(d.prisma, { name: "s", origins: ["https://s.example"] });
    const { visitor } = await createVisitor(d.prisma, site.id);
    const conv = await d.prisma.conversation.create({ data: { siteId: site.id, visitorId: visitor.id } });
    for (const sql of POISON[kind]) await d.prisma.$executeRawUnsafe(sql);
    const w = new MessageWriter(d.prisma);
    const post = (clientId: string, body: string) => w.post({ conversationId: conv.id, authorKind: "visitor", authorId: visitor.id, clientId, body });
    const results = await Promise.allSettled([post("a", "first"), post("b", "poison"), post("c", "third")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const stored = await d.prisma.message.findMany({ where: { conversationId: conv.id }, orderBy: { seq: "asc" } });
    expect(stored.map((m) => [m.seq, m.clientId])).toEqual([
      [1, "a"],
      [2, "c"],
    ]);
  });
});
