// The assignment policy on plain values, so it can be reasoned about (and tested) apart from the
// database: who may take a site's chats, who has room, and who goes first.
import { effectiveCapacity } from "./capacity.ts";

export type RoutingMode = "auto" | "manual";

export interface AgentState {
  id: string;
  status: string;
  active: boolean;
  /** non-null while the agent's console is gone (grace period): keeps chats, gets no new ones */
  disconnectedAt: Date | null;
  maxChats: number | null;
  openCount: number;
  lastAssignedAt: Date | null;
}

export interface SiteRouting {
  id: string;
  routingMode: RoutingMode;
  defaultCapacity: number | null;
  membersOnly: boolean;
  /** consulted only when membersOnly */
  memberIds: ReadonlySet<string>;
}

export function capacityOf(agent: Pick<AgentState, "maxChats">, site: Pick<SiteRouting, "defaultCapacity">): number {
  return effectiveCapacity(agent.maxChats, site.defaultCapacity);
}

export function isMember(agentId: string, site: Pick<SiteRouting, "membersOnly" | "memberIds">): boolean {
  return !site.membersOnly || site.memberIds.has(agentId);
}

/** Online (not away, not offline), with a live console, active. */
export function isAvailable(agent: Pick<AgentState, "status" | "active" | "disconnectedAt">): boolean {
  return agent.active && agent.status === "online" && agent.disconnectedAt === null;
}

/** May take one more of this site's conversations right now. */
export function isEligible(agent: AgentState, site: SiteRouting): boolean {
  return isAvailable(agent) && isMember(agent.id, site) && agent.openCount < capacityOf(agent, site);
}

/** Fewest open conversations first; among equals the one assigned least recently (never first). */
export function byPreference(a: AgentState, b: AgentState): number {
  if (a.openCount !== b.openCount) return a.openCount - b.openCount;
  const ta = a.lastAssignedAt?.getTime() ?? -Infinity;
  const tb = b.lastAssignedAt?.getTime() ?? -Infinity;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The agent the next conversation of `site` goes to, or null. `exclude` is the agent who sent the
 * conversation back to the queue: handing it straight back would undo their transfer.
 */
export function pickAgent(agents: readonly AgentState[], site: SiteRouting, exclude: string | null = null): AgentState | null {
  let best: AgentState | null = null;
  for (const a of agents) {
    if (a.id === exclude || !isEligible(a, site)) continue;
    if (best === null || byPreference(a, best) < 0) best = a;
  }
  return best;
}
