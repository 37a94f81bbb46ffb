// Taking chats away from an agent: they go back to the FRONT of their site's queue (they were
// already waiting) and the agent's slots are freed, in one transaction. Used when an agent goes
// offline (by choice or after the grace period) and by the sweep for chats left with an agent who
// can no longer answer them.
import type { Tx } from "../db/client.ts";
import type { Prisma } from "../db/generated/sqlite/client.ts";
import { logEvent, openCountOf } from "./events.ts";
import { freeSlot } from "./slots.ts";

export type ReleaseReason = "offline" | "transfer" | "queue";

export interface Released {
  conversationId: string;
  siteId: string;
  /** the agent who had it */
  agentId: string;
  reason: ReleaseReason;
}

export class Abort extends Error {}

/** Puts one assigned conversation back at the front of the queue; false if it was not assigned to `agentId`. */
export async function requeueOne(tx: Tx, conversationId: string, agentId: string, opts: { now: Date; returnedBy?: string | null }): Promise<boolean> {
  const r = await tx.conversation.updateMany({
    where: { id: conversationId, status: "assigned", assigneeId: agentId },
    data: { status: "queued", assigneeId: null, assignedAt: null, queuedAt: opts.now, priority: 1, returnedById: opts.returnedBy ?? null },
  });
  return r.count === 1;
}

/**
 * Requeues every chat of `agentId` and applies `agentData` to the agent, provided the agent still
 * matches `agentWhere` (otherwise throws Abort and the transaction rolls back). Conversation rows
 * are locked before the agent row, the order every routing transaction follows.
 */
export async function releaseAll(
  tx: Tx,
  agentId: string,
  reason: ReleaseReason,
  agent: { where?: Prisma.AgentWhereInput; data?: Prisma.AgentUpdateManyMutationInput; statusEvent?: string },
): Promise<Released[]> {
  const now = new Date();
  const mine = await tx.conversation.findMany({ where: { assigneeId: agentId, status: "assigned" }, select: { id: true, siteId: true } });
  const released: { id: string; siteId: string }[] = [];
  for (const c of mine) if (await requeueOne(tx, c.id, agentId, { now })) released.push(c);
  // Never an empty update: Prisma answers those with count 0 without touching (or locking) the row.
  const updated = await tx.agent.updateMany({ where: { id: agentId, ...agent.where }, data: { disconnectedAt: null, ...agent.data } });
  if (updated.count === 0) throw new Abort();
  // A claim that committed between the read above and the agent lock: once the agent row is
  // ours (and unavailable) no further claim can commit, so one more look is enough.
  const known = new Set(mine.map((c) => c.id));
  for (const c of await tx.conversation.findMany({ where: { assigneeId: agentId, status: "assigned" }, select: { id: true, siteId: true } })) {
    if (!known.has(c.id) && (await requeueOne(tx, c.id, agentId, { now }))) released.push(c);
  }
  for (const c of released) {
    await freeSlot(tx, agentId);
    await logEvent(tx, { kind: "released", conversationId: c.id, agentId, openCount: await openCountOf(tx, agentId), detail: reason });
  }
  if (agent.statusEvent) await logEvent(tx, { kind: "status", agentId, openCount: await openCountOf(tx, agentId), detail: agent.statusEvent });
  return released.map((c) => ({ conversationId: c.id, siteId: c.siteId, agentId, reason }));
}
