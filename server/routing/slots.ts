// An agent's slots. Reserving is one conditional increment that re-checks, under the row lock,
// everything eligibility depends on: that statement, not the decision before it, is what keeps
// an agent within capacity when several processes assign at once.
import type { SqlRunner } from "../db/sql.ts";
import { capacityOf, type AgentState, type SiteRouting } from "./policy.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { availableSql } from "./state.ts";

/**
 * Takes one slot of `agent` for a conversation of `site` and returns their new open count; null
 * when the agent is no longer eligible (full, away, offline, disconnected, removed from the site,
 * or their capacity changed).
 */
export async function reserveSlot(tx: SqlRunner, agent: Pick<AgentState, "id" | "maxChats">, site: SiteRouting, now: Date): Promise<number | null> {
  // Raw SQL: a compiled Prisma update costs a WebAssembly query compile per call, and assignment
  // bursts reserve one slot per conversation (bench: assignment).
  const maxChats = agent.maxChats === null ? Prisma.sql`"maxChats" IS NULL` : Prisma.sql`"maxChats" = CAST(${agent.maxChats} AS INTEGER)`;
  const member = site.membersOnly ? Prisma.sql`AND EXISTS (SELECT 1 FROM "SiteMember" WHERE "siteId" = ${site.id} AND "agentId" = ${agent.id})` : Prisma.empty;
  const rows = await tx.$queryRaw<{ openCount: number | bigint }[]>`UPDATE "Agent" SET "openCount" = "openCount" + 1, "lastAssignedAt" = ${now}
    WHERE "id" = ${agent.id} AND ${availableSql} AND ${maxChats} AND "openCount" < CAST(${capacityOf(agent, site)} AS INTEGER) ${member}
    RETURNING "openCount"`;
  return rows.length === 1 ? Number(rows[0].openCount) : null;
}

export async function freeSlot(tx: SqlRunner, agentId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "Agent" SET "openCount" = "openCount" - 1 WHERE "id" = ${agentId} AND "openCount" > 0`;
}
