// Opens are group-committed (server/conversations/opener.ts): a batch of them, as a burst of
// widgets sends, keeps every rule of a single open: one open conversation per visitor (also for
// two tabs in one batch), a retried openKey returns its conversation, the per-visitor and
// per-address limits count the batch's own opens, and a refused open writes nothing.
import { describe, expect, it } from "vitest";
import { ConversationOpener, openConversations, type Opened } from "../../server/conversations/opener.ts";
import { closeConversation } from "../../server/conversations/service.ts";
import { DomainError } from "../../server/errors.ts";
import { createSite } from "../../server/sites/service.ts";
import { createVisitor } from "../../server/visitors/service.ts";
import { dbKinds, migratedDatabase } from "../helpers/databases.ts";

const database = migratedDatabase();

const LIMITS = { conversationsPerVisitor: 2, conversationsPerIp: 3, conversationWindowMs: 3600_000 };

async function setup(kind: "sqlite" | "postgres") {
  const d = await database.open(kind);
  const site = await createSite(d.prisma, { name: "s", origins: ["https://s.example"] });
  const visitor = async () => (await createVisitor(d.prisma, site.id)).visitor.id;
  return { db: d.prisma, siteId: site.id, visitor };
}

const outcome = (r: Opened | Error) => (r instanceof DomainError ? r.code : r instanceof Error ? r.message : r.created ? "created" : "found");

describe.each(dbKinds())("opening conversations on %s", (kind) => {
  it("gives each visitor one open conversation, also two tabs opening in the same batch", async () => {
    const { db, siteId, visitor } = await setup(kind);
    const [a, b] = [await visitor(), await visitor()];
    const opener = new ConversationOpener(db, LIMITS);
    // All queued before the opener's next turn: one batch.
    const results = await Promise.all([
      opener.open({ siteId, visitorId: a, openKey: "tab-1", ip: "127.0.0.1" }),
      opener.open({ siteId, visitorId: a, openKey: "tab-2", ip: "127.0.0.1" }),
      opener.open({ siteId, visitorId: b, openKey: "tab-1", ip: "127.0.0.1" }),
    ]);
    expect(results.map((r) => r.created)).toEqual([true, false, true]);
    expect(results[1].conversation.id).toBe(results[0].conversation.id);
    expect(results[2].conversation.id).not.toBe(results[0].conversation.id);
    const rows = await db.conversation.findMany({ orderBy: { createdAt: "asc" } });
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === "queued" && r.assigneeId === null)).toBe(true);
    // What the batch answered is what was stored.
    const stored = rows.find((r) => r.visitorId === a);
    expect(stored).toMatchObject({ id: results[0].conversation.id, siteId, openKey: "tab-1", createdAt: results[0].conversation.createdAt, queuedAt: results[0].conversation.queuedAt });
    // Opening again (another batch) finds it.
    expect(outcome(await opener.open({ siteId, visitorId: a, openKey: "tab-3", ip: "127.0.0.1" }))).toBe("found");
  });

  it("answers a retried open with the conversation it made, even once closed, without counting it again", async () => {
    const { db, siteId, visitor } = await setup(kind);
    const v = await visitor();
    const [first] = await openConversations(db, LIMITS, [{ siteId, visitorId: v, openKey: "k1", ip: "203.0.113.9" }]);
    if (first instanceof Error) throw first;
    await closeConversation(db, first.conversation.id);
    const [again] = await openConversations(db, LIMITS, [{ siteId, visitorId: v, openKey: "k1", ip: "203.0.113.9" }]);
    expect(again).toMatchObject({ created: false, conversation: { id: first.conversation.id, status: "closed" } });
    expect(await db.abuseEvent.count()).toBe(2); // visitor and address, once
    // Once the visitor has started a new conversation, a late retry of k1 lands in that one.
    const [next] = await openConversations(db, LIMITS, [{ siteId, visitorId: v, openKey: "k2", ip: "203.0.113.9" }]);
    expect(next).toMatchObject({ created: true });
    const [late] = await openConversations(db, LIMITS, [{ siteId, visitorId: v, openKey: "k1", ip: "203.0.113.9" }]);
    expect(late).toMatchObject({ created: false, conversation: { id: (next as Opened).conversation.id, status: "queued" } });
  });

  it("counts the batch's own opens against the per-visitor and per-address limits, and a refusal writes nothing", async () => {
    const { db, siteId, visitor } = await setup(kind);
    const ip = "198.51.100.7";
    const vs = [await visitor(), await visitor(), await visitor(), await visitor()];
    // Four visitors behind one address (limit 3): the fourth of the batch is refused.
    const results = await openConversations(
      db,
      LIMITS,
      vs.map((visitorId, i) => ({ siteId, visitorId, openKey: `k${i}`, ip })),
    );
    expect(results.map(outcome)).toEqual(["created", "created", "created", "rate_limited"]);
    expect(await db.conversation.count({ where: { visitorId: vs[3] } })).toBe(0);
    expect(await db.abuseEvent.count({ where: { key: `conv:ip:${ip}` } })).toBe(3);
    expect(await db.abuseEvent.count({ where: { key: `conv:visitor:${vs[3]}` } })).toBe(0);
    // Per visitor (limit 2), from loopback (no address counted): open, close, open, close, refused.
    const v = await visitor();
    for (const key of ["a", "b"]) {
      const [r] = await openConversations(db, LIMITS, [{ siteId, visitorId: v, openKey: key, ip: "127.0.0.1" }]);
      if (r instanceof Error) throw r;
      await closeConversation(db, r.conversation.id);
    }
    const [third] = await openConversations(db, LIMITS, [{ siteId, visitorId: v, openKey: "c", ip: "127.0.0.1" }]);
    expect(outcome(third)).toBe("rate_limited");
    expect(await db.conversation.count({ where: { visitorId: v } })).toBe(2);
  });

  it("records conversation.created for a subscribed endpoint, in the open's transaction", async () => {
    const { db, siteId, visitor } = await setup(kind);
    await db.webhookEndpoint.create({ data: { url: "http://127.0.0.1:9/hook", events: JSON.stringify(["conversation.created"]), secret: "s" } });
    const opener = new ConversationOpener(db, LIMITS);
    const vs = [await visitor(), await visitor()];
    const results = await Promise.all(vs.map((visitorId, i) => opener.open({ siteId, visitorId, openKey: `k${i}`, ip: "127.0.0.1" })));
    const events = await db.webhookEvent.findMany({ where: { type: "conversation.created" } });
    expect(events.map((e) => (JSON.parse(e.payload) as { conversation: { id: string } }).conversation.id).sort()).toEqual(results.map((r) => r.conversation.id).sort());
  });
});

describe.each(dbKinds())("a bad open in a batch on %s", (kind) => {
  it("fails only itself: the batch is opened input by input when the database refuses it", async () => {
    const { db, siteId, visitor } = await setup(kind);
    const [a, b] = [await visitor(), await visitor()];
    const opener = new ConversationOpener(db, LIMITS);
    // No such visitor: its INSERT breaks the foreign key, which used to fail the whole batch.
    const results = await Promise.allSettled([
      opener.open({ siteId, visitorId: a, openKey: "k", ip: "127.0.0.1" }),
      opener.open({ siteId, visitorId: "no-such-visitor", openKey: "k", ip: "127.0.0.1" }),
      opener.open({ siteId, visitorId: b, openKey: "k", ip: "127.0.0.1" }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await db.conversation.findMany()).map((c) => c.visitorId).sort()).toEqual([a, b].sort());
  });
});
