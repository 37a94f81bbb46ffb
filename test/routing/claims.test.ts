// Claiming planned batches when the world moved between the plan and the claim: a conversation
// taken meanwhile is left out and the rest of the batch goes through; an agent who went away has
// their claims refused one by one while everybody else's still commit together; a drain larger
// than one batch spreads like one-by-one assignment would. After each, the database agrees with
// itself: open counts, assignees, the event log, and the webhook outbox.
import { afterEach, describe, expect, it } from "vitest";
import { closeConversation } from "../../server/conversations/service.ts";
import { claimAll, claimBatch, drainQueue, type BatchClaim } from "../../server/routing/assign.ts";
import type { Db } from "../../server/db/client.ts";
import { loadAvailableAgents, loadSites } from "../../server/routing/state.ts";
import { dbKinds } from "../helpers/databases.ts";
import { replay } from "./event-log.ts";
import { ago, routingDb, seedAgent, seedQueued, seedSite, type RoutingDb } from "./fixtures.ts";

let env: RoutingDb | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** Every agent's openCount is the number of conversations assigned to them, and the log replays clean. */
async function consistent(db: Db) {
  const agents = await db.agent.findMany({ select: { id: true, openCount: true, maxChats: true } });
  for (const a of agents) expect(a.openCount).toBe(await db.conversation.count({ where: { status: "assigned", assigneeId: a.id } }));
  const events = await db.routingEvent.findMany({ orderBy: { id: "asc" } });
  const conversations = await db.conversation.findMany({ select: { id: true, siteId: true, createdAt: true } });
  const report = replay(events, { agents, sites: [...(await loadSites(db)).values()], conversations });
  // Only the invariants: a conversation may well still wait here (the tests stop mid-way).
  expect(report.problems.filter((p) => !p.includes("still queued"))).toEqual([]);
  return report;
}

/** One claim per conversation, to the agents in turn, as a plan made on a snapshot would. */
async function plan(db: Db, conversationIds: string[]): Promise<BatchClaim[]> {
  const agents = (await loadAvailableAgents(db)).sort((a, b) => (a.id < b.id ? -1 : 1));
  const sites = await loadSites(db);
  const rows = await db.conversation.findMany({ where: { id: { in: conversationIds } }, select: { id: true, siteId: true } });
  const siteOf = new Map(rows.map((r) => [r.id, r.siteId]));
  return conversationIds.map((id, i) => ({ conversationId: id, agent: agents[i % agents.length], site: sites.get(siteOf.get(id) ?? "")!, now: new Date(Date.now() + i) }));
}

describe.each(dbKinds())("batch claims on %s", (kind) => {
  it("leaves out a conversation taken since the plan and assigns the rest in the same transaction", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const site = await seedSite(db);
    await seedAgent(db, { name: "a", maxChats: 10 });
    await seedAgent(db, { name: "b", maxChats: 10 });
    const convs = [];
    for (let i = 0; i < 12; i++) convs.push((await seedQueued(db, site.id, { queuedAt: ago(100 - i) })).id);
    const batch = await plan(db, convs);
    // The visitor of the fifth gives up between the plan and the claim.
    await closeConversation(db, convs[4]);

    const outcomes = await claimBatch(db, batch);
    expect(outcomes).toEqual(convs.map((_, i) => (i === 4 ? "taken" : "assigned")));
    expect(await db.conversation.count({ where: { status: "assigned" } })).toBe(11);
    expect((await db.conversation.findUniqueOrThrow({ where: { id: convs[4] } })).status).toBe("closed");
    const report = await consistent(db);
    expect(report.assignments).toBe(11);
  });

  it("claims an agent who changed since the plan one by one, and everybody else's as a batch", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const site = await seedSite(db);
    const agents = [];
    for (const name of ["a", "b", "c"]) agents.push(await seedAgent(db, { name, maxChats: 10 }));
    const convs = [];
    for (let i = 0; i < 12; i++) convs.push((await seedQueued(db, site.id, { queuedAt: ago(100 - i) })).id);
    const batch = await plan(db, convs);
    const leaving = batch[1].agent.id;
    // Not through changeStatus: the agent row changes under the plan, nothing else does.
    await db.agent.update({ where: { id: leaving }, data: { status: "away" } });

    // The batch alone reports the agent it could not book and writes nothing.
    expect(await claimBatch(db, batch)).toEqual({ missed: leaving });
    expect(await db.conversation.count({ where: { status: "assigned" } })).toBe(0);
    expect(await db.routingEvent.count()).toBe(0);

    const outcomes = await claimAll(db, batch);
    expect(outcomes).toEqual(batch.map((b) => (b.agent.id === leaving ? "agent_unavailable" : "assigned")));
    expect(await db.conversation.count({ where: { status: "assigned" } })).toBe(8);
    expect(await db.conversation.count({ where: { status: "queued", assigneeId: null } })).toBe(4);
    expect((await db.agent.findUniqueOrThrow({ where: { id: leaving } })).openCount).toBe(0);
    await consistent(db);
  });

  it("drains a queue of many batches as one-by-one assignment would: queue order, even spread, capacity kept", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const site = await seedSite(db);
    for (let i = 0; i < 10; i++) await seedAgent(db, { name: `a${i}`, maxChats: 20 });
    const queued = [];
    for (let i = 0; i < 170; i++) queued.push((await seedQueued(db, site.id, { queuedAt: ago(1000 - i) })).id);

    const { assignments, incomplete } = await drainQueue(db);
    expect(incomplete).toBe(false);
    expect(assignments.map((a) => a.conversationId)).toEqual(queued);
    const agents = await db.agent.findMany({ select: { openCount: true } });
    expect(agents.map((a) => a.openCount)).toEqual(agents.map(() => 17));
    // Round robin among equals: the first ten went to ten different agents.
    expect(new Set(assignments.slice(0, 10).map((a) => a.agentId)).size).toBe(10);
    await consistent(db);
  });

  it("stores one conversation.assigned event per claim of a batch when an endpoint subscribes, none otherwise", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const site = await seedSite(db);
    await seedAgent(db, { name: "Ana", maxChats: 10 });
    const convs = [];
    for (let i = 0; i < 3; i++) convs.push((await seedQueued(db, site.id)).id);
    expect(await claimBatch(db, await plan(db, convs.slice(0, 1)))).toEqual(["assigned"]);
    expect(await db.webhookEvent.count()).toBe(0);

    await db.webhookEndpoint.create({ data: { url: "http://127.0.0.1:9/hook", events: JSON.stringify(["conversation.assigned"]), secret: "s" } });
    expect(await claimBatch(db, await plan(db, convs.slice(1)))).toEqual(["assigned", "assigned"]);
    const events = await db.webhookEvent.findMany({ orderBy: { createdAt: "asc" } });
    expect(events.map((e) => e.type)).toEqual(["conversation.assigned", "conversation.assigned"]);
    const payloads = events.map((e) => JSON.parse(e.payload) as { conversation: { id: string; status: string; assignee: { name: string } | null }; agent: { name: string }; via: string });
    expect(payloads.map((p) => p.conversation.id).sort()).toEqual(convs.slice(1).sort());
    for (const p of payloads) {
      expect([p.conversation.status, p.conversation.assignee?.name, p.agent.name, p.via]).toEqual(["assigned", "Ana", "Ana", "auto"]);
    }
    expect(events.every((e) => e.id.startsWith("evt_") && !e.fannedOut)).toBe(true);
  });
});
