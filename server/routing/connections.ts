// Agent presence in the database, so every server process sees the same thing: one row per live
// console socket. When an agent's last row goes, disconnectedAt starts the grace period: they
// keep their chats but get no new ones; a reconnect ends it; when it runs out they go offline and
// their chats return to the front of the queue. A process refreshes its rows' seenAt, so rows of
// a process that died go stale and its agents go through the same grace period.
import type { Db } from "../db/client.ts";
import { logEvent } from "./events.ts";
import { Abort, releaseAll, type Released } from "./release.ts";
import { withRetry } from "./retry.ts";

export interface PresenceTiming {
  graceMs: number;
  /** a connection row not refreshed for this long belongs to a process that died */
  staleMs: number;
}

const liveConnection = (now: Date, staleMs: number) => ({ seenAt: { gt: new Date(now.getTime() - staleMs) } });

/** Records a console socket; true when it ended the agent's grace period. */
export async function agentConnected(db: Db, input: { connectionId: string; agentId: string; instanceId: string }): Promise<boolean> {
  const now = new Date();
  await db.agentConnection.upsert({
    where: { id: input.connectionId },
    create: { id: input.connectionId, agentId: input.agentId, instanceId: input.instanceId, seenAt: now },
    update: { seenAt: now },
  });
  return withRetry(() =>
    db.$transaction(async (tx) => {
      const back = await tx.agent.updateMany({ where: { id: input.agentId, disconnectedAt: { not: null } }, data: { disconnectedAt: null } });
      if (back.count === 0) return false;
      await logEvent(tx, { kind: "status", agentId: input.agentId, detail: "connected" });
      return true;
    }),
  );
}

/** Forgets a console socket; true when it was the agent's last one and the grace period began. */
export async function agentDisconnected(db: Db, input: { connectionId: string; agentId: string }, timing: PresenceTiming): Promise<boolean> {
  await db.agentConnection.deleteMany({ where: { id: input.connectionId } });
  return startGrace(db, input.agentId, timing);
}

/** Starts the grace period unless the agent still has a live connection (or is offline anyway). */
export async function startGrace(db: Db, agentId: string, timing: PresenceTiming): Promise<boolean> {
  return withRetry(() =>
    db.$transaction(async (tx) => {
      // Lock the agent row first, then look at the connections with a fresh snapshot: a console
      // that connects meanwhile has either committed its row already (seen here) or clears
      // disconnectedAt after we commit (agentConnected takes the same row lock).
      const locked = await tx.agent.updateMany({ where: { id: agentId, disconnectedAt: null, status: { not: "offline" } }, data: { openCount: { increment: 0 } } });
      if (locked.count === 0) return false;
      const now = new Date();
      if ((await tx.agentConnection.count({ where: { agentId, ...liveConnection(now, timing.staleMs) } })) > 0) return false;
      await tx.agent.update({ where: { id: agentId }, data: { disconnectedAt: now } });
      await logEvent(tx, { kind: "status", agentId, detail: "disconnected" });
      return true;
    }),
  );
}

/** Ends grace periods of agents who do have a live connection after all; returns their ids. */
export async function healPresence(db: Db, timing: PresenceTiming, agentId?: string): Promise<string[]> {
  const now = new Date();
  const where = { ...(agentId ? { id: agentId } : {}), disconnectedAt: { not: null }, connections: { some: liveConnection(now, timing.staleMs) } };
  const back = await db.agent.findMany({ where, select: { id: true } });
  for (const a of back) await db.agent.updateMany({ where: { id: a.id, ...where }, data: { disconnectedAt: null } });
  return back.map((a) => a.id);
}

/**
 * Ends a grace period that has run out: the agent goes offline and their chats go back to the
 * front of the queue. Does nothing (and returns null) if the agent came back or is not due yet.
 */
export async function expireGrace(db: Db, agentId: string, timing: PresenceTiming): Promise<Released[] | null> {
  const now = new Date();
  const due = { disconnectedAt: { lte: new Date(now.getTime() - timing.graceMs) }, connections: { none: liveConnection(now, timing.staleMs) } };
  try {
    return await withRetry(() =>
      db.$transaction((tx) => releaseAll(tx, agentId, "offline", { where: due, data: { status: "offline", disconnectedAt: null }, statusEvent: "offline" })),
    );
  } catch (err) {
    if (!(err instanceof Abort)) throw err;
    await healPresence(db, timing, agentId);
    return null;
  }
}

/** Keeps this process's rows fresh (re-creating any a slow heartbeat let go stale and removed). */
export async function heartbeat(db: Db, instanceId: string, live: ReadonlyMap<string, string>): Promise<string[]> {
  const now = new Date();
  await db.agentConnection.updateMany({ where: { instanceId }, data: { seenAt: now } });
  const have = new Set((await db.agentConnection.findMany({ where: { instanceId }, select: { id: true } })).map((r) => r.id));
  const returned: string[] = [];
  for (const [connectionId, agentId] of live) {
    if (have.has(connectionId)) continue;
    if (await agentConnected(db, { connectionId, agentId, instanceId }).catch(() => false)) returned.push(agentId);
  }
  return returned;
}

export interface SweepResult {
  /** chats returned to the queue (grace expired, or left with a deactivated agent) */
  released: Released[];
  /** agents whose grace period the sweep started (their process died) */
  graceStarted: string[];
  /** agents marked disconnected who turned out to be connected (a connect raced the disconnect) */
  healed: string[];
}

/**
 * The safety net every process runs every few seconds: it finishes what a process that died left
 * half done. Stale connection rows are dropped, their agents enter the grace period, expired
 * grace periods end, and chats held by deactivated agents are requeued.
 */
export async function sweep(db: Db, timing: PresenceTiming): Promise<SweepResult> {
  const now = new Date();
  const result: SweepResult = { released: [], graceStarted: [], healed: [] };
  await db.agentConnection.deleteMany({ where: { seenAt: { lte: new Date(now.getTime() - timing.staleMs) } } });
  result.healed = await healPresence(db, timing);
  const orphaned = await db.agent.findMany({
    where: { status: { not: "offline" }, disconnectedAt: null, connections: { none: liveConnection(now, timing.staleMs) } },
    select: { id: true },
  });
  for (const a of orphaned) if (await startGrace(db, a.id, timing)) result.graceStarted.push(a.id);
  const expired = await db.agent.findMany({ where: { disconnectedAt: { lte: new Date(now.getTime() - timing.graceMs) } }, select: { id: true } });
  for (const a of expired) result.released.push(...((await expireGrace(db, a.id, timing)) ?? []));
  // Deactivated agents (an admin action outside routing) cannot answer their chats any more.
  const stranded = await db.conversation.findMany({
    where: { status: "assigned", assignee: { active: false } },
    select: { assigneeId: true },
    distinct: ["assigneeId"],
  });
  for (const c of stranded) {
    if (!c.assigneeId) continue;
    const agentId = c.assigneeId;
    try {
      const released = await withRetry(() =>
        db.$transaction((tx) => releaseAll(tx, agentId, "offline", { where: { active: false }, data: { status: "offline" } })),
      );
      result.released.push(...released);
    } catch (err) {
      if (!(err instanceof Abort)) throw err;
    }
  }
  return result;
}
