// Transfer: the assigned agent (or an admin) hands a conversation to a named agent, who must be
// eligible right now (online, connected, member of the site, a free slot), or back to the FRONT
// of the queue, from where it goes to someone else than the agent who returned it.
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import type { Assignment } from "./assign.ts";
import { agentRef, conversationNow, recordEvent } from "../webhooks/outbox.ts";
import { logEvent, openCountOf } from "./events.ts";
import { capacityOf, isAvailable, isMember } from "./policy.ts";
import { requeueOne, type Released } from "./release.ts";
import { withRetry } from "./retry.ts";
import { freeSlot, reserveSlot } from "./slots.ts";
import { loadAgent, loadSite } from "./state.ts";

export interface TransferInput {
  conversationId: string;
  actor: { agentId: string; role: "admin" | "agent" };
  /** omitted: back to the queue */
  toAgentId?: string;
}

export interface TransferResult {
  released: Released;
  /** set when it went to a named agent */
  assigned: Assignment | null;
}

class Refused extends Error {}

export async function transferConversation(db: Db, input: TransferInput): Promise<TransferResult> {
  const conv = await db.conversation.findUnique({ where: { id: input.conversationId }, select: { id: true, siteId: true, status: true, assigneeId: true, queuedAt: true } });
  if (!conv) throw new DomainError("not_found", "No such conversation");
  if (conv.status !== "assigned" || !conv.assigneeId) throw new DomainError("conflict", "Only a conversation an agent has can be transferred");
  const from = conv.assigneeId;
  if (from !== input.actor.agentId && input.actor.role !== "admin") {
    throw new DomainError("forbidden", "Only the agent who has this conversation, or an admin, can transfer it");
  }
  return input.toAgentId === undefined ? toQueue(db, conv.id, conv.siteId, from) : toAgent(db, conv, from, input.toAgentId);
}

async function toQueue(db: Db, conversationId: string, siteId: string, from: string): Promise<TransferResult> {
  await withRetry(() =>
    db.$transaction(async (tx) => {
      if (!(await requeueOne(tx, conversationId, from, { now: new Date(), returnedBy: from }))) throw new Refused();
      await freeSlot(tx, from);
      await logEvent(tx, { kind: "released", conversationId, agentId: from, openCount: await openCountOf(tx, from), detail: "queue" });
      await recordEvent(tx, "conversation.transferred", async () => ({ conversation: await conversationNow(tx, conversationId), from: await agentRef(tx, from), to: null }));
    }),
  ).catch(changed);
  return { released: { conversationId, siteId, agentId: from, reason: "queue" }, assigned: null };
}

async function toAgent(db: Db, conv: { id: string; siteId: string; queuedAt: Date }, from: string, to: string): Promise<TransferResult> {
  if (to === from) throw new DomainError("conflict", "That agent already has this conversation");
  const [target, site] = await Promise.all([loadAgent(db, to), loadSite(db, conv.siteId)]);
  if (!target || !site || !target.active) throw new DomainError("not_eligible", "No such agent");
  if (!isAvailable(target)) throw new DomainError("not_eligible", "That agent is not online");
  if (!isMember(target.id, site)) throw new DomainError("not_eligible", "That agent does not take this site's conversations");
  if (target.openCount >= capacityOf(target, site)) throw new DomainError("not_eligible", "That agent has no free slot");
  const now = new Date();
  await withRetry(() =>
    db.$transaction(async (tx) => {
      const moved = await tx.conversation.updateMany({
        where: { id: conv.id, status: "assigned", assigneeId: from },
        data: { assigneeId: to, assignedAt: now },
      });
      if (moved.count === 0) throw new Refused();
      // Both agent rows in id order, so two crossing transfers cannot deadlock.
      for (const id of [from, to].sort()) {
        if (id === from) await freeSlot(tx, from);
        else if ((await reserveSlot(tx, target, site, now)) === null) throw new DomainError("not_eligible", "That agent is no longer available");
      }
      await logEvent(tx, { kind: "released", conversationId: conv.id, agentId: from, openCount: await openCountOf(tx, from), detail: "transfer" });
      await logEvent(tx, { kind: "assigned", conversationId: conv.id, agentId: to, openCount: await openCountOf(tx, to), detail: "transfer" });
      await recordEvent(tx, "conversation.transferred", async () => ({ conversation: await conversationNow(tx, conv.id), from: await agentRef(tx, from), to: await agentRef(tx, to) }));
    }),
  ).catch(changed);
  return {
    released: { conversationId: conv.id, siteId: conv.siteId, agentId: from, reason: "transfer" },
    assigned: { conversationId: conv.id, agentId: to, siteId: conv.siteId, queuedAt: conv.queuedAt, assignedAt: now },
  };
}

function changed(err: unknown): never {
  if (err instanceof Refused) throw new DomainError("conflict", "The conversation changed meanwhile; reload it");
  throw err;
}
