// The drain lease (RoutingLease, one row): engines in several processes take turns draining the
// queue instead of all walking it at once and waiting on each other's row locks. A trigger bumps
// `dirty` and tries to take the lease; whoever holds it keeps draining until it can let go with
// `dirty` unchanged, so a request is never lost. A holder that dies is replaced when `until`
// passes. Assignment safety never depends on the lease: it only saves wasted work.
// Every function here is one raw statement on the row (no transaction around it), so the hot row
// is never held locked across a round trip to a busy process; a conditional update that matched
// no row is a condition that failed.
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { sqlOf } from "../db/sql.ts";
import { withRetry } from "./retry.ts";

/**
 * Records a drain request (creating the row on first use) and takes the lease if it is free, ours
 * or expired, in one statement. Returns the request count it saw, this request included, or null
 * when another engine holds the lease: the holder sees the request before it can let go.
 */
export async function requestDrain(db: Db, owner: string, ms: number): Promise<number | null> {
  const now = new Date();
  // An upsert's SET expressions all see the row as it was, so the two CASEs decide alike.
  const free = Prisma.sql`("RoutingLease"."owner" IS NULL OR "RoutingLease"."owner" = excluded."owner" OR "RoutingLease"."until" < ${now})`;
  const rows = await withRetry(() =>
    sqlOf(db).$queryRaw<{ owner: string | null; dirty: number | bigint }[]>`INSERT INTO "RoutingLease" ("id", "owner", "until", "dirty")
      VALUES (1, ${owner}, ${new Date(now.getTime() + ms)}, 1)
      ON CONFLICT ("id") DO UPDATE SET "dirty" = "RoutingLease"."dirty" + 1,
        "owner" = CASE WHEN ${free} THEN excluded."owner" ELSE "RoutingLease"."owner" END,
        "until" = CASE WHEN ${free} THEN excluded."until" ELSE "RoutingLease"."until" END
      RETURNING "owner", "dirty"`,
  );
  const row = rows[0];
  return row !== undefined && row.owner === owner ? Number(row.dirty) : null;
}

/** Takes (or extends) the lease; returns the request count it saw, or null when another engine holds it. */
export async function acquireLease(db: Db, owner: string, ms: number): Promise<number | null> {
  const now = new Date();
  const rows = await withRetry(() =>
    sqlOf(db).$queryRaw<{ dirty: number | bigint }[]>`UPDATE "RoutingLease" SET "owner" = ${owner}, "until" = ${new Date(now.getTime() + ms)}
      WHERE "id" = 1 AND ("owner" IS NULL OR "owner" = ${owner} OR "until" < ${now})
      RETURNING "dirty"`,
  );
  return rows.length ? Number(rows[0].dirty) : null;
}

export async function requestCount(db: Db): Promise<number> {
  const rows = await sqlOf(db).$queryRaw<{ dirty: number | bigint }[]>`SELECT "dirty" FROM "RoutingLease" WHERE "id" = 1`;
  return rows.length ? Number(rows[0].dirty) : 0;
}

/** Lets go if no request arrived since `seen`; false means: drain again (the lease is still ours). */
export async function releaseLease(db: Db, owner: string, seen: number): Promise<boolean> {
  const released = await withRetry(() =>
    sqlOf(db).$executeRaw`UPDATE "RoutingLease" SET "owner" = NULL, "until" = NULL
      WHERE "id" = 1 AND "owner" = ${owner} AND "dirty" = CAST(${seen} AS INTEGER)`,
  );
  return released === 1;
}

/** Lets go unconditionally (on error or shutdown); the next trigger or sweep takes over. */
export async function dropLease(db: Db, owner: string): Promise<void> {
  await withRetry(() => sqlOf(db).$executeRaw`UPDATE "RoutingLease" SET "owner" = NULL, "until" = NULL WHERE "id" = 1 AND "owner" = ${owner}`);
}
