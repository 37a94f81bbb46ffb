// Reads the routing state the policy decides on: sites' routing settings and agents' availability.
// Raw statements (db/sql.ts): the engine reads them on every pass and the notifier on every queue
// change, and a compiled Prisma read costs ~0.6 ms where a direct statement costs microseconds.
import type { AgentRow } from "../agents/service.ts";
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { sqlOf, type SqlRunner } from "../db/sql.ts";
import type { AgentState, RoutingMode, SiteRouting } from "./policy.ts";

/** The where clause of isAvailable(), for Prisma reads elsewhere (sites/availability.ts). */
export const availableWhere = { status: "online", active: true, disconnectedAt: null } as const;
/** availableWhere for raw statements on "Agent": change the two together. */
export const availableSql = Prisma.sql`"status" = ${availableWhere.status} AND "active" = ${availableWhere.active} AND "disconnectedAt" IS NULL`;

/** Queue order: requeued conversations (priority 1) first, then longest waiting; the id breaks ties. */
export const queueOrderSql = Prisma.sql`ORDER BY "priority" DESC, "queuedAt" ASC, "id" ASC`;

export function routingModeOf(value: string): RoutingMode {
  return value === "manual" ? "manual" : "auto";
}

type IntLike = number | bigint;

interface AgentStateRow extends Omit<AgentState, "maxChats" | "openCount"> {
  maxChats: IntLike | null;
  openCount: IntLike;
}

const agentColumns = Prisma.sql`"id", "status", "active", "disconnectedAt", "maxChats", "openCount", "lastAssignedAt"`;

/** An agent row's counts as numbers (integers may come back as bigint from the driver). */
function withCounts<R extends { maxChats: IntLike | null; openCount: IntLike }>(r: R): Omit<R, "maxChats" | "openCount"> & { maxChats: number | null; openCount: number } {
  return { ...r, maxChats: r.maxChats === null ? null : Number(r.maxChats), openCount: Number(r.openCount) };
}

/** Agents matching `where` (on "Agent"), as the policy sees them. */
export async function agentsWhere(db: SqlRunner, where: Prisma.Sql): Promise<AgentState[]> {
  const rows = await db.$queryRaw<AgentStateRow[]>`SELECT ${agentColumns} FROM "Agent" WHERE ${where}`;
  return rows.map(withCounts);
}

interface SiteRow {
  id: string;
  routingMode: string;
  defaultCapacity: IntLike | null;
  membersOnly: boolean;
  /** one row per member of a membersOnly site; null for the other sites */
  agentId: string | null;
}

/** Sites matching `where` (on alias s), members of membersOnly sites included: one statement. */
async function sitesWhere(db: Db, where: Prisma.Sql): Promise<Map<string, SiteRouting>> {
  const rows = await sqlOf(db).$queryRaw<SiteRow[]>`SELECT s."id", s."routingMode", s."defaultCapacity", s."membersOnly", m."agentId"
    FROM "Site" s LEFT JOIN "SiteMember" m ON s."membersOnly" = ${true} AND m."siteId" = s."id"
    WHERE ${where}`;
  const sites = new Map<string, SiteRouting & { memberIds: Set<string> }>();
  for (const r of rows) {
    let site = sites.get(r.id);
    if (!site) {
      site = {
        id: r.id,
        routingMode: routingModeOf(r.routingMode),
        defaultCapacity: r.defaultCapacity === null ? null : Number(r.defaultCapacity),
        membersOnly: r.membersOnly,
        memberIds: new Set(),
      };
      sites.set(r.id, site);
    }
    if (r.agentId !== null) site.memberIds.add(r.agentId);
  }
  return sites;
}

export async function loadSites(db: Db): Promise<Map<string, SiteRouting>> {
  return sitesWhere(db, Prisma.sql`1 = 1`);
}

export async function loadSite(db: Db, siteId: string): Promise<SiteRouting | null> {
  return (await sitesWhere(db, Prisma.sql`s."id" = ${siteId}`)).get(siteId) ?? null;
}

/** Agents who could take a chat now if they had room. */
export async function loadAvailableAgents(db: Db): Promise<AgentState[]> {
  return agentsWhere(sqlOf(db), availableSql);
}

export async function loadAgent(db: Db, agentId: string): Promise<AgentState | null> {
  return (await agentsWhere(sqlOf(db), Prisma.sql`"id" = ${agentId}`))[0] ?? null;
}

/** Ids of the sites whose chats the agent may take (all sites open to every agent, plus memberships). */
export async function sitesOf(db: Db, agentId: string): Promise<string[]> {
  const rows = await sqlOf(db).$queryRaw<{ id: string }[]>`SELECT s."id" FROM "Site" s
    WHERE s."membersOnly" = ${false} OR EXISTS (SELECT 1 FROM "SiteMember" m WHERE m."siteId" = s."id" AND m."agentId" = ${agentId})`;
  return rows.map((r) => r.id);
}

/** The agents' rows as their consoles show them (agent:updated, after routing changed them). */
export async function agentRowsOf(db: Db, agentIds: readonly string[]): Promise<AgentRow[]> {
  if (agentIds.length === 0) return [];
  const rows = await sqlOf(db).$queryRaw<(Omit<AgentRow, "maxChats" | "openCount"> & { maxChats: IntLike | null; openCount: IntLike })[]>`SELECT "id", "email", "name", "role", "status", "maxChats", "openCount"
    FROM "Agent" WHERE "id" IN (${Prisma.join([...agentIds])})`;
  return rows.map(withCounts);
}
