// Estimated wait for a queued visitor, from recent real data: how long this site's chats have
// recently stayed with an agent (mean handle time H) and how many slots the site's available
// agents have now (C). While every slot is busy a slot frees up every H / C seconds on average,
// so position p waits about (p - free slots) * H / C. No agents online, or no history: null,
// because no number is better than a made-up one.
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { sqlOf } from "../db/sql.ts";
import { capacityOf, isAvailable, isMember } from "./policy.ts";
import { loadAvailableAgents, loadSite } from "./state.ts";

export interface SiteLoad {
  /** total capacity of the available agents who may take this site's chats */
  slots: number;
  /** of which unused */
  freeSlots: number;
  /** seconds recent conversations spent assigned before closing, newest first */
  recentHandleSeconds: number[];
}

export const RECENT_SAMPLE = 50;
const MIN_SITE_SAMPLE = 5;
const RECENT_WINDOW_MS = 7 * 24 * 3600_000;

export function meanOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((s, v) => s + v, 0) / values.length;
}

export function estimateWaitSeconds(position: number, load: SiteLoad): number | null {
  if (load.slots <= 0) return null;
  const ahead = position - load.freeSlots;
  if (ahead <= 0) return 0;
  const handle = meanOf(load.recentHandleSeconds);
  if (handle === null) return null;
  return Math.round((ahead * handle) / load.slots);
}

async function recentHandleSeconds(db: Db, siteId: string | null, since: Date): Promise<number[]> {
  const site = siteId ? Prisma.sql`"siteId" = ${siteId} AND` : Prisma.empty;
  const rows = await sqlOf(db).$queryRaw<{ assignedAt: Date; closedAt: Date }[]>`SELECT "assignedAt", "closedAt" FROM "Conversation"
    WHERE ${site} "status" = 'closed' AND "assignedAt" IS NOT NULL AND "closedAt" >= ${since}
    ORDER BY "closedAt" DESC LIMIT CAST(${RECENT_SAMPLE} AS INTEGER)`;
  return rows.map((r) => Math.max(0, (r.closedAt.getTime() - r.assignedAt.getTime()) / 1000));
}

export async function siteLoad(db: Db, siteId: string, now = new Date()): Promise<SiteLoad> {
  const [site, agents] = await Promise.all([loadSite(db, siteId), loadAvailableAgents(db)]);
  let slots = 0;
  let freeSlots = 0;
  if (site) {
    for (const a of agents) {
      if (!isAvailable(a) || !isMember(a.id, site)) continue;
      const cap = capacityOf(a, site);
      slots += cap;
      freeSlots += Math.max(0, cap - a.openCount);
    }
  }
  const since = new Date(now.getTime() - RECENT_WINDOW_MS);
  let samples = await recentHandleSeconds(db, siteId, since);
  // A new or quiet site borrows the other sites' recent handle times.
  if (samples.length < MIN_SITE_SAMPLE) samples = await recentHandleSeconds(db, null, since);
  return { slots, freeSlots, recentHandleSeconds: samples };
}
