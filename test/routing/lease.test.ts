// The drain lease statement by statement: a request always counts, the lease goes to one engine at
// a time, its holder lets go only when nobody asked since it last looked, and a lease whose holder
// stopped renewing it goes to the next engine that asks.
import { afterEach, describe, expect, it } from "vitest";
import { acquireLease, dropLease, releaseLease, requestCount, requestDrain } from "../../server/routing/lease.ts";
import { dbKinds } from "../helpers/databases.ts";
import { routingDb, type RoutingDb } from "./fixtures.ts";

let env: RoutingDb | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe.each(dbKinds())("drain lease on %s", (kind) => {
  it("counts every request, lends the lease to one engine at a time, and takes it back only when nobody asked", async () => {
    env = await routingDb(kind);
    const { db } = env;
    expect(await requestCount(db)).toBe(0);
    // The first request creates the row and takes the lease.
    expect(await requestDrain(db, "a", 10_000)).toBe(1);
    // Another engine's request is recorded, the lease stays with a.
    expect(await requestDrain(db, "b", 10_000)).toBeNull();
    expect(await acquireLease(db, "b", 10_000)).toBeNull();
    expect(await requestCount(db)).toBe(2);
    // a saw 1: b's request keeps the lease with a, who drains again.
    expect(await releaseLease(db, "a", 1)).toBe(false);
    expect(await acquireLease(db, "a", 10_000)).toBe(2);
    expect(await requestDrain(db, "a", 10_000)).toBe(3);
    expect(await releaseLease(db, "b", 3)).toBe(false);
    expect(await releaseLease(db, "a", 3)).toBe(true);
    expect((await db.routingLease.findUniqueOrThrow({ where: { id: 1 } })).owner).toBeNull();

    expect(await acquireLease(db, "b", 10_000)).toBe(3);
    await dropLease(db, "a");
    expect((await db.routingLease.findUniqueOrThrow({ where: { id: 1 } })).owner).toBe("b");
    await dropLease(db, "b");
    expect(await db.routingLease.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({ owner: null, until: null, dirty: 3 });
  });

  it("hands a lease that ran out to the next engine that asks", async () => {
    env = await routingDb(kind);
    const { db } = env;
    expect(await requestDrain(db, "a", -1)).toBe(1);
    expect(await requestDrain(db, "b", 10_000)).toBe(2);
    const row = await db.routingLease.findUniqueOrThrow({ where: { id: 1 } });
    expect(row.owner).toBe("b");
    expect(row.until!.getTime()).toBeGreaterThan(Date.now() + 5_000);
    expect(await acquireLease(db, "a", 10_000)).toBeNull();
    await db.routingLease.update({ where: { id: 1 }, data: { until: new Date(Date.now() - 1) } });
    expect(await acquireLease(db, "a", 10_000)).toBe(2);
  });
});
