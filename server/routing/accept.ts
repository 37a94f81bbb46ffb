// Manual pick-up (the only way in on sites in manual mode, and allowed on auto sites too): every
// eligible agent sees the queue, the first to accept gets the conversation, atomically.
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import { claim, type Assignment } from "./assign.ts";
import { capacityOf, isAvailable, isMember } from "./policy.ts";
import { loadAgent, loadSite } from "./state.ts";

export async function acceptConversation(db: Db, conversationId: string, agentId: string): Promise<Assignment> {
  const conv = await db.conversation.findUnique({ where: { id: conversationId }, select: { siteId: true, status: true, queuedAt: true } });
  if (!conv) throw new DomainError("not_found", "No such conversation");
  if (conv.status !== "queued") throw new DomainError("conflict", "Someone else already has this conversation");
  const [agent, site] = await Promise.all([loadAgent(db, agentId), loadSite(db, conv.siteId)]);
  if (!agent || !site) throw new DomainError("not_found", "No such conversation");
  if (!isMember(agentId, site)) throw new DomainError("forbidden", "You do not take this site's conversations");
  if (!isAvailable(agent)) throw new DomainError("not_eligible", "Go online to accept conversations");
  if (agent.openCount >= capacityOf(agent, site)) throw new DomainError("not_eligible", "No free slot: close a conversation first");
  const now = new Date();
  const outcome = await claim(db, { conversationId, agent, site, via: "manual", now });
  if (outcome === "taken") throw new DomainError("conflict", "Someone else already has this conversation");
  if (outcome === "agent_unavailable") throw new DomainError("not_eligible", "Go online and free a slot to accept more conversations");
  return { conversationId, agentId, siteId: conv.siteId, queuedAt: conv.queuedAt, assignedAt: now };
}
