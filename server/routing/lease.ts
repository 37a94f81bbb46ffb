// The drain lease (RoutingLease, one row): engines in several processes take turns draining the
// queue instead of all walking it at once and waiting on each other's row locks. A trigger bumps
// `dirty` and tries to take the lease; whoever holds it keeps draining until it can let go with
// `dirty` unchanged, so a request is never lost. A holder that dies is replaced when `until`
// passes. Assignment safety never depends on the lease: it only saves wasted work.
// Every statement here is a single-row `update` (one SQL statement, no implicit transaction), so
// the hot row is never held locked across a round trip to a busy process.
import type { Db } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { withRetry } from "./retry.ts";

const ID = 1;

/** Prisma's "record to update not found": the conditions of a conditional update did not match. */
function isNoMatch(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2025";
}

async function conditional<T>(run: () => Promise<T>): Promise<T | null> {
  try {
    return await withRetry(run);
  } catch (err) {
    if (isNoMatch(err)) return null;
    throw err;
  }
}

/** Records a drain request (creates the row on first use). */
export async function requestDrain(db: Db): Promise<void> {
  const bump = () => db.routingLease.update({ where: { id: ID }, data: { dirty: { increment: 1 } }, select: { id: true } });
  if (await conditional(bump)) return;
  try {
    await db.routingLease.create({ data: { id: ID, dirty: 1 } });
  } catch (err) {
    // Another process created it first: bump theirs.
    if (!isUniqueViolation(err)) throw err;
    await withRetry(bump);
  }
}

/** Takes (or extends) the lease; returns the request count it saw, or null when another engine holds it. */
export async function acquireLease(db: Db, owner: string, ms: number): Promise<number | null> {
  const now = new Date();
  const row = await conditional(() =>
    db.routingLease.update({
      where: { id: ID, OR: [{ owner: null }, { owner }, { until: { lt: now } }] },
      data: { owner, until: new Date(now.getTime() + ms) },
      select: { dirty: true },
    }),
  );
  return row ? row.dirty : null;
}

export async function requestCount(db: Db): Promise<number> {
  return (await db.routingLease.findUnique({ where: { id: ID }, select: { dirty: true } }))?.dirty ?? 0;
}

/** Lets go if no request arrived since `seen`; false means: drain again (the lease is still ours). */
export async function releaseLease(db: Db, owner: string, seen: number): Promise<boolean> {
  const row = await conditional(() => db.routingLease.update({ where: { id: ID, owner, dirty: seen }, data: { owner: null, until: null }, select: { id: true } }));
  return row !== null;
}

/** Lets go unconditionally (on error or shutdown); the next trigger or sweep takes over. */
export async function dropLease(db: Db, owner: string): Promise<void> {
  await conditional(() => db.routingLease.update({ where: { id: ID, owner }, data: { owner: null, until: null }, select: { id: true } }));
}
