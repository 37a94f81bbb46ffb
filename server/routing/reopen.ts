// Reopening a closed conversation. By the visitor: back to the agent who had it if that agent is
// eligible right now, otherwise into the queue. By an agent: to that agent, who must be eligible.
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import type { Assignment } from "./assign.ts";
import { agentRef, conversationNow, recordEvent } from "../webhooks/outbox.ts";
import { logEvent } from "./events.ts";
import { isEligible } from "./policy.ts";
import { withRetry } from "./retry.ts";
import { reserveSlot } from "./slots.ts";
import { loadAgent, loadSite } from "./state.ts";

export type ReopenBy = { visitorId: string } | { agentId: string };

export interface ReopenResult {
  siteId: string;
  /** null: it went to the queue */
  assigned: Assignment | null;
}

class Refused extends Error {}

export async function reopenConversation(db: Db, conversationId: string, by: ReopenBy): Promise<ReopenResult> {
  const conv = await db.conversation.findUnique({ where: { id: conversationId }, select: { id: true, siteId: true, visitorId: true, status: true, assigneeId: true } });
  if (!conv || ("visitorId" in by && conv.visitorId !== by.visitorId)) throw new DomainError("not_found", "No such conversation");
  if (conv.status !== "closed") throw new DomainError("conflict", "This conversation is not closed");
  const other = await db.conversation.count({ where: { visitorId: conv.visitorId, status: { not: "closed" }, id: { not: conv.id } } });
  if (other > 0) throw new DomainError("conflict", "The visitor already has an open conversation");

  const site = await loadSite(db, conv.siteId);
  if (!site) throw new DomainError("not_found", "No such conversation");
  const wanted = "agentId" in by ? by.agentId : conv.assigneeId;
  const agent = wanted ? await loadAgent(db, wanted) : null;
  const eligible = agent !== null && isEligible(agent, site);
  if ("agentId" in by && !eligible) throw new DomainError("not_eligible", "Go online, with a free slot, to reopen a conversation");

  const now = new Date();
  const assignedTo = await withRetry(() =>
    db.$transaction(async (tx) => {
      const reopened = await tx.conversation.updateMany({
        where: { id: conv.id, status: "closed" },
        data: { status: "queued", assigneeId: null, assignedAt: null, closedAt: null, queuedAt: now, priority: 0, returnedById: null },
      });
      if (reopened.count === 0) throw new Refused();
      if (agent && eligible) {
        const openCount = await reserveSlot(tx, agent, site, now);
        if (openCount !== null) {
          await tx.conversation.update({ where: { id: conv.id }, data: { status: "assigned", assigneeId: agent.id, assignedAt: now } });
          await logEvent(tx, { kind: "assigned", conversationId: conv.id, agentId: agent.id, openCount, detail: "reopen" });
          await recordEvent(tx, "conversation.assigned", async () => ({ conversation: await conversationNow(tx, conv.id), agent: await agentRef(tx, agent.id), via: "reopen" }));
          return agent.id;
        }
        if ("agentId" in by) throw new DomainError("not_eligible", "Go online, with a free slot, to reopen a conversation");
      }
      await logEvent(tx, { kind: "queued", conversationId: conv.id, detail: "reopen" });
      return null;
    }),
  ).catch((err: unknown) => {
    if (err instanceof Refused) throw new DomainError("conflict", "This conversation is not closed");
    throw err;
  });
  return {
    siteId: conv.siteId,
    assigned: assignedTo ? { conversationId: conv.id, agentId: assignedTo, siteId: conv.siteId, queuedAt: now, assignedAt: now } : null,
  };
}
