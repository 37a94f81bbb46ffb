// Reads the routing state the policy decides on: sites' routing settings and agents' availability.
import type { Db, Tx } from "../db/client.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import type { AgentState, RoutingMode, SiteRouting } from "./policy.ts";

export const agentStateSelect = {
  id: true,
  status: true,
  active: true,
  disconnectedAt: true,
  maxChats: true,
  openCount: true,
  lastAssignedAt: true,
} as const;

/** The where clause of isAvailable(), for conditional updates. */
export const availableWhere = { status: "online", active: true, disconnectedAt: null } as const;
/** availableWhere for raw statements on "Agent" (reserveSlot): change the two together. */
export const availableSql = Prisma.sql`"status" = ${availableWhere.status} AND "active" = ${availableWhere.active} AND "disconnectedAt" IS NULL`;

export const QUEUE_ORDER = [{ priority: "desc" }, { queuedAt: "asc" }, { id: "asc" }] as const;

export function routingModeOf(value: string): RoutingMode {
  return value === "manual" ? "manual" : "auto";
}

const siteSelect = { id: true, routingMode: true, defaultCapacity: true, membersOnly: true, members: { select: { agentId: true } } } as const;

function toSiteRouting(s: { id: string; routingMode: string; defaultCapacity: number | null; membersOnly: boolean; members: { agentId: string }[] }): SiteRouting {
  return {
    id: s.id,
    routingMode: routingModeOf(s.routingMode),
    defaultCapacity: s.defaultCapacity,
    membersOnly: s.membersOnly,
    memberIds: new Set(s.membersOnly ? s.members.map((m) => m.agentId) : []),
  };
}

export async function loadSites(db: Db | Tx): Promise<Map<string, SiteRouting>> {
  const rows = await db.site.findMany({ select: siteSelect });
  return new Map(rows.map((s) => [s.id, toSiteRouting(s)]));
}

export async function loadSite(db: Db | Tx, siteId: string): Promise<SiteRouting | null> {
  const row = await db.site.findUnique({ where: { id: siteId }, select: siteSelect });
  return row ? toSiteRouting(row) : null;
}

/** Agents who could take a chat now if they had room. */
export async function loadAvailableAgents(db: Db | Tx): Promise<AgentState[]> {
  return db.agent.findMany({ where: availableWhere, select: agentStateSelect });
}

export async function loadAgent(db: Db | Tx, agentId: string): Promise<AgentState | null> {
  return db.agent.findUnique({ where: { id: agentId }, select: agentStateSelect });
}

/** Ids of the sites whose chats the agent may take (all sites open to every agent, plus memberships). */
export async function sitesOf(db: Db | Tx, agentId: string): Promise<string[]> {
  const rows = await db.site.findMany({ where: { OR: [{ membersOnly: false }, { members: { some: { agentId } } }] }, select: { id: true } });
  return rows.map((r) => r.id);
}
