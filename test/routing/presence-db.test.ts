// Presence in the database, across processes: connection rows decide who is connected, a process
// that dies leaves stale rows whose agents go through the grace period, and the sweep requeues
// chats left with agents who were deactivated.
import { afterEach, describe, expect, it } from "vitest";
import { agentConnected, agentDisconnected, expireGrace, sweep } from "../../server/routing/connections.ts";
import { drainQueue } from "../../server/routing/assign.ts";
import { dbKinds } from "../helpers/databases.ts";
import { ago, assigneeOf, holdChats, routingDb, seedAgent, seedQueued, seedSite, type RoutingDb } from "./fixtures.ts";

let env: RoutingDb | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const timing = { graceMs: 60_000, staleMs: 30_000 };

describe.each(dbKinds())("presence in the database on %s", (kind) => {
  it("starts the grace period only when the agent's last connection, on any process, is gone", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const ana = await seedAgent(db, { name: "ana" });
    await agentConnected(db, { connectionId: "p1:s1", agentId: ana.id, instanceId: "p1" });
    await agentConnected(db, { connectionId: "p2:s1", agentId: ana.id, instanceId: "p2" });
    expect(await agentDisconnected(db, { connectionId: "p1:s1", agentId: ana.id }, timing)).toBe(false);
    expect(await agentDisconnected(db, { connectionId: "p2:s1", agentId: ana.id }, timing)).toBe(true);
    expect((await db.agent.findUniqueOrThrow({ where: { id: ana.id } })).disconnectedAt).not.toBeNull();
    // Back on any process: the grace period ends, and expiring it later does nothing.
    expect(await agentConnected(db, { connectionId: "p2:s2", agentId: ana.id, instanceId: "p2" })).toBe(true);
    expect(await expireGrace(db, ana.id, { graceMs: 0, staleMs: 30_000 })).toBeNull();
    expect((await db.agent.findUniqueOrThrow({ where: { id: ana.id } })).status).toBe("online");
  });

  it("recovers the agents of a process that died: stale rows, grace period, chats back in front", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const site = await seedSite(db);
    const ghost = await seedAgent(db, { name: "ghost" });
    const [held] = await holdChats(db, ghost.id, site.id, 1);
    const waiting = await seedQueued(db, site.id, { queuedAt: ago(600) });
    // The process that had the ghost's console stopped refreshing its row two minutes ago.
    await db.agentConnection.create({ data: { id: "dead:s1", agentId: ghost.id, instanceId: "dead", seenAt: ago(120) } });

    const first = await sweep(db, timing);
    expect(first.graceStarted).toEqual([ghost.id]);
    expect(await db.agentConnection.count()).toBe(0);
    expect(await assigneeOf(db, held)).toBe(ghost.id); // still within the grace period
    const second = await sweep(db, { ...timing, graceMs: 0 });
    expect(second.released.map((r) => [r.conversationId, r.reason])).toEqual([[held, "offline"]]);
    const row = await db.conversation.findUniqueOrThrow({ where: { id: held } });
    expect([row.status, row.priority]).toEqual(["queued", 1]);
    // Requeued chats go before the one that has been waiting ten minutes.
    const helper = await seedAgent(db, { name: "helper", maxChats: 1 });
    await drainQueue(db);
    expect(await assigneeOf(db, held)).toBe(helper.id);
    expect(await assigneeOf(db, waiting.id)).toBeNull();
  });

  it("requeues chats left with a deactivated agent", async () => {
    env = await routingDb(kind);
    const { db } = env;
    const site = await seedSite(db);
    const gone = await seedAgent(db, { name: "gone" });
    const [held] = await holdChats(db, gone.id, site.id, 1);
    await agentConnected(db, { connectionId: "p:s", agentId: gone.id, instanceId: "p" });
    // Deactivated by an admin (status offline, active false) without going through routing.
    await db.agent.update({ where: { id: gone.id }, data: { active: false, status: "offline" } });
    const result = await sweep(db, timing);
    expect(result.released.map((r) => r.conversationId)).toEqual([held]);
    expect((await db.agent.findUniqueOrThrow({ where: { id: gone.id } })).openCount).toBe(0);
    expect(await db.routingEvent.count({ where: { kind: "released", conversationId: held } })).toBe(1);
  });
});
