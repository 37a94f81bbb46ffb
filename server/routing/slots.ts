// An agent's slots. Reserving is one conditional increment that re-checks, under the row lock,
// everything eligibility depends on: that statement, not the decision before it, is what keeps
// an agent within capacity when several processes assign at once.
import type { Tx } from "../db/client.ts";
import { capacityOf, type AgentState, type SiteRouting } from "./policy.ts";
import { availableWhere } from "./state.ts";

/**
 * Takes one slot of `agent` for a conversation of `site` and returns their new open count; null
 * when the agent is no longer eligible (full, away, offline, disconnected, removed from the site,
 * or their capacity changed).
 */
export async function reserveSlot(tx: Tx, agent: Pick<AgentState, "id" | "maxChats">, site: SiteRouting, now: Date): Promise<number | null> {
  const reserved = await tx.agent.updateManyAndReturn({
    where: {
      id: agent.id,
      ...availableWhere,
      maxChats: agent.maxChats,
      openCount: { lt: capacityOf(agent, site) },
      ...(site.membersOnly ? { memberships: { some: { siteId: site.id } } } : {}),
    },
    data: { openCount: { increment: 1 }, lastAssignedAt: now },
    select: { openCount: true },
  });
  return reserved.length === 1 ? reserved[0].openCount : null;
}

export async function freeSlot(tx: Tx, agentId: string): Promise<void> {
  await tx.agent.updateMany({ where: { id: agentId, openCount: { gt: 0 } }, data: { openCount: { decrement: 1 } } });
}
