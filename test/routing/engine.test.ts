// The engine never loses a wake-up: every freed slot is filled from the queue, one trigger at a
// time (nothing else happening that could mask a lost one), whichever of two engines on the same
// database is asked and whichever holds the drain lease.
import { afterEach, describe, expect, it } from "vitest";
import { closeConversation } from "../../server/conversations/service.ts";
import { openDatabase, type Database } from "../../server/db/client.ts";
import { RoutingEngine } from "../../server/routing/engine.ts";
import { changeStatus } from "../../server/routing/status.ts";
import { dbKinds } from "../helpers/databases.ts";
import { ago, routingDb, seedAgent, seedQueued, seedSite, type RoutingDb } from "./fixtures.ts";

let env: RoutingDb | undefined;
let second: Database | undefined;
const engines: RoutingEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  await second?.close();
  await env?.close();
  env = second = undefined;
});

describe.each(dbKinds())("routing engine on %s", (kind) => {
  it("fills every freed slot, one trigger at a time, across two engines", async () => {
    env = await routingDb(kind);
    second = await openDatabase(env.url);
    const [dbA, dbB] = [env.db, second.prisma];
    let assigned = 0;
    const errors: unknown[] = [];
    let waiting: { n: number; resolve: () => void } | null = null;
    const hooks = {
      onAssigned: (list: unknown[]) => {
        assigned += list.length;
        if (waiting && assigned >= waiting.n) waiting.resolve();
      },
      onError: (err: unknown) => void errors.push(err),
    };
    const a = new RoutingEngine(dbA, hooks);
    const b = new RoutingEngine(dbB, hooks);
    engines.push(a, b);
    const reached = (n: number) =>
      new Promise<void>((resolve, reject) => {
        if (assigned >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`stuck at ${assigned} assignments, expected ${n}: a wake-up was lost`)), 10_000);
        waiting = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });

    const site = await seedSite(dbA);
    const agents = [];
    for (let i = 0; i < 6; i++) agents.push(await seedAgent(dbA, { name: `a${i}`, status: "offline", maxChats: 1 }));
    for (let i = 0; i < 40; i++) await seedQueued(dbA, site.id, { queuedAt: ago(1000 - i) });
    for (const agent of agents) {
      await changeStatus(dbA, agent.id, "online");
      void a.drain();
    }
    await reached(6);

    for (let round = 0; round < 30; round++) {
      const [engine, db] = round % 2 === 0 ? [a, dbA] : [b, dbB];
      const held = await db.conversation.findFirstOrThrow({ where: { status: "assigned" }, orderBy: { assignedAt: "asc" } });
      await closeConversation(db, held.id);
      void engine.drain();
      await reached(7 + round);
    }
    await Promise.all([a.idle(), b.idle()]);
    expect(errors).toEqual([]);
    expect(assigned).toBe(36);
    expect(await dbA.conversation.count({ where: { status: "assigned" } })).toBe(6);
    expect(await dbA.conversation.count({ where: { status: "queued" } })).toBe(4);
    expect((await dbA.routingLease.findUniqueOrThrow({ where: { id: 1 } })).owner).toBeNull();
  });
});
