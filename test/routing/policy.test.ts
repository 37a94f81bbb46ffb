// The assignment policy on hand-made states, decided by the real engine against a real database:
// fewest open chats first, ties to the least recently assigned, capacity precedence, restricted
// sites, away and disconnected agents, queue order, manual sites, returned conversations.
import { afterEach, describe, expect, it } from "vitest";
import { drainQueue } from "../../server/routing/assign.ts";
import { acceptConversation } from "../../server/routing/accept.ts";
import { byPreference, pickAgent, type AgentState, type SiteRouting } from "../../server/routing/policy.ts";
import { dbKinds } from "../helpers/databases.ts";
import { ago, assigneeOf, holdChats, routingDb, seedAgent, seedQueued, seedSite, type RoutingDb } from "./fixtures.ts";

let env: RoutingDb | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const openSite: SiteRouting = { id: "s", routingMode: "auto", defaultCapacity: null, membersOnly: false, memberIds: new Set() };
const agentState = (id: string, over: Partial<AgentState> = {}): AgentState => ({
  id,
  status: "online",
  active: true,
  disconnectedAt: null,
  maxChats: null,
  openCount: 0,
  lastAssignedAt: null,
  ...over,
});

describe("policy on plain values", () => {
  it("orders by open count, then least recently assigned (never assigned first), then id", () => {
    const a = agentState("a", { openCount: 1 });
    const b = agentState("b", { lastAssignedAt: new Date(2000) });
    const c = agentState("c", { lastAssignedAt: new Date(1000) });
    const d = agentState("d");
    expect([a, b, c, d].sort(byPreference).map((x) => x.id)).toEqual(["d", "c", "b", "a"]);
  });

  it("skips full, away, offline, disconnected, inactive, non-member and excluded agents", () => {
    const site: SiteRouting = { ...openSite, membersOnly: true, memberIds: new Set(["full", "away", "gone", "off", "inactive", "returner", "ok"]) };
    const agents = [
      agentState("full", { openCount: 3 }),
      agentState("away", { status: "away" }),
      agentState("off", { status: "offline" }),
      agentState("gone", { disconnectedAt: new Date() }),
      agentState("inactive", { active: false }),
      agentState("outsider"),
      agentState("returner"),
    ];
    expect(pickAgent(agents, site, "returner")).toBeNull();
    expect(pickAgent([...agents, agentState("ok", { openCount: 2 })], site, "returner")?.id).toBe("ok");
  });
});

describe.each(dbKinds())("assignment policy on %s", (kind) => {
  it("gives the next chat to the agent with the fewest open conversations", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const site = await seedSite(db);
    const [busy, idle, some] = [await seedAgent(db, { name: "busy" }), await seedAgent(db, { name: "idle" }), await seedAgent(db, { name: "some" })];
    await holdChats(db, busy.id, site.id, 2);
    await holdChats(db, some.id, site.id, 1);
    const conv = await seedQueued(db, site.id);
    const { assignments } = await drainQueue(db);
    expect(assignments.map((a) => a.conversationId)).toEqual([conv.id]);
    expect(await assigneeOf(db, conv.id)).toBe(idle.id);
  });

  it("breaks ties by least recent assignment, never-assigned first, then round robin", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const site = await seedSite(db);
    const recent = await seedAgent(db, { name: "recent", lastAssignedAt: ago(10) });
    const never = await seedAgent(db, { name: "never" });
    const longAgo = await seedAgent(db, { name: "longago", lastAssignedAt: ago(600) });
    const convs = [];
    for (let i = 0; i < 6; i++) convs.push(await seedQueued(db, site.id, { queuedAt: ago(100 - i) }));
    await drainQueue(db);
    const order = [];
    for (const c of convs) order.push(await assigneeOf(db, c.id));
    // Oldest chat first: never-assigned, then the one assigned longest ago, then round robin.
    expect(order).toEqual([never.id, longAgo.id, recent.id, never.id, longAgo.id, recent.id]);
  });

  it("applies capacity precedence: agent setting > site default > global default of 3", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const siteDefault2 = await seedSite(db, { defaultCapacity: 2 });
    const plain = await seedSite(db);
    const own1 = await seedAgent(db, { name: "own1", maxChats: 1 });
    const own5 = await seedAgent(db, { name: "own5", maxChats: 5 });
    const dflt = await seedAgent(db, { name: "default" });
    for (let i = 0; i < 12; i++) await seedQueued(db, siteDefault2.id, { queuedAt: ago(200 - i) });
    await drainQueue(db);
    const count = async (agentId: string) => db.conversation.count({ where: { assigneeId: agentId, status: "assigned" } });
    // On the site with default 2: own1 keeps its own 1, own5 its own 5, the other takes the site's 2.
    expect([await count(own1.id), await count(own5.id), await count(dflt.id)]).toEqual([1, 5, 2]);
    expect(await db.conversation.count({ where: { status: "queued" } })).toBe(4);

    // On a site without a default the same agent without a setting gets the global 3 (2 + 1 more).
    await seedQueued(db, plain.id);
    await seedQueued(db, plain.id);
    await drainQueue(db);
    expect(await count(dflt.id)).toBe(3);
    expect(await db.conversation.count({ where: { siteId: plain.id, status: "queued" } })).toBe(1);
    const agents = await db.agent.findMany();
    for (const a of agents) expect(a.openCount).toBe(await count(a.id));
  });

  it("gives a restricted site's chats to its members only, all agents otherwise", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const member = await seedAgent(db, { name: "member", maxChats: 1 });
    const outsider = await seedAgent(db, { name: "outsider" });
    const restricted = await seedSite(db, { membersOnly: true, memberIds: [member.id] });
    const open = await seedSite(db);
    const r1 = await seedQueued(db, restricted.id, { queuedAt: ago(30) });
    const r2 = await seedQueued(db, restricted.id, { queuedAt: ago(20) });
    const o1 = await seedQueued(db, open.id, { queuedAt: ago(10) });
    await drainQueue(db);
    expect(await assigneeOf(db, r1.id)).toBe(member.id);
    // The member is full and the outsider, though idle, is not a member: r2 waits.
    expect(await assigneeOf(db, r2.id)).toBeNull();
    expect(await assigneeOf(db, o1.id)).toBe(outsider.id);
    // A manual pick-up of a restricted chat by an outsider is refused too.
    await expect(acceptConversation(db, r2.id, outsider.id)).rejects.toMatchObject({ code: "forbidden" });
  });

  it("gives nothing new to away, offline, disconnected or deactivated agents; away keeps its chats", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const site = await seedSite(db);
    const away = await seedAgent(db, { name: "away", status: "away" });
    await seedAgent(db, { name: "off", status: "offline" });
    await seedAgent(db, { name: "gone", disconnectedAt: ago(1) });
    const inactive = await seedAgent(db, { name: "inactive" });
    await db.agent.update({ where: { id: inactive.id }, data: { active: false } });
    const kept = await holdChats(db, away.id, site.id, 1);
    const conv = await seedQueued(db, site.id);
    expect((await drainQueue(db)).assignments).toEqual([]);
    expect(await assigneeOf(db, conv.id)).toBeNull();
    expect(await assigneeOf(db, kept[0])).toBe(away.id);
    await expect(acceptConversation(db, conv.id, away.id)).rejects.toMatchObject({ code: "not_eligible" });

    const online = await seedAgent(db, { name: "online" });
    await drainQueue(db);
    expect(await assigneeOf(db, conv.id)).toBe(online.id);
  });

  it("serves requeued chats first, then the longest waiting, and never returns a chat to the agent who sent it back", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const site = await seedSite(db);
    const returner = await seedAgent(db, { name: "returner", maxChats: 5 });
    const old = await seedQueued(db, site.id, { queuedAt: ago(300) });
    const newer = await seedQueued(db, site.id, { queuedAt: ago(100) });
    const front = await seedQueued(db, site.id, { queuedAt: ago(5), priority: 1 });
    const returned = await seedQueued(db, site.id, { queuedAt: ago(400), returnedById: returner.id });
    const { assignments } = await drainQueue(db);
    expect(assignments.map((a) => a.conversationId)).toEqual([front.id, old.id, newer.id]);
    expect(await assigneeOf(db, returned.id)).toBeNull();
    const other = await seedAgent(db, { name: "other" });
    await drainQueue(db);
    expect(await assigneeOf(db, returned.id)).toBe(other.id);
    expect((await db.conversation.findUniqueOrThrow({ where: { id: returned.id } })).returnedById).toBeNull();
  });

  it("leaves manual sites' chats for agents to pick up; the first accept wins", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const manual = await seedSite(db, { routingMode: "manual" });
    const a = await seedAgent(db, { name: "a" });
    const b = await seedAgent(db, { name: "b" });
    const conv = await seedQueued(db, manual.id);
    expect((await drainQueue(db)).assignments).toEqual([]);
    const results = await Promise.allSettled([acceptConversation(db, conv.id, a.id), acceptConversation(db, conv.id, b.id)]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toMatchObject({ code: "conflict" });
    const agents = await db.agent.findMany({ orderBy: { name: "asc" } });
    expect(agents.map((x) => x.openCount).sort()).toEqual([0, 1]);
    expect(await db.routingEvent.count({ where: { kind: "assigned", conversationId: conv.id } })).toBe(1);
  });
});
