// Which agents take a site's chats: every agent (the default), or only the listed members. Also
// the site's routing settings in one place for admins: mode (auto / manual) and default capacity.
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import type { RoutingMode } from "../protocol.ts";
import { routingChanged } from "../routing/signals.ts";

export const MAX_CAPACITY = 100;

export interface SiteRoutingSettings {
  routingMode: RoutingMode;
  /** null: the global default (3); an agent's own maxChats wins over both */
  defaultCapacity: number | null;
  /** false: every agent takes this site's chats; true: only memberIds */
  membersOnly: boolean;
  memberIds: string[];
}

export async function siteRoutingSettings(db: Db, siteId: string): Promise<SiteRoutingSettings> {
  const site = await db.site.findUnique({
    where: { id: siteId },
    select: { routingMode: true, defaultCapacity: true, membersOnly: true, members: { select: { agentId: true }, orderBy: { agentId: "asc" } } },
  });
  if (!site) throw new DomainError("not_found", "No such site");
  return {
    routingMode: site.routingMode === "manual" ? "manual" : "auto",
    defaultCapacity: site.defaultCapacity,
    membersOnly: site.membersOnly,
    memberIds: site.members.map((m) => m.agentId),
  };
}

/**
 * Changes a site's routing settings; omitted fields stay as they are. memberIds replaces the
 * member list. Agents who stop being members keep the chats they have; they just get no new ones.
 * Wakes the routing engine: a raised capacity, a switch to auto or a new member may let queued
 * chats be assigned at once.
 */
export async function updateSiteRouting(db: Db, siteId: string, changes: Partial<SiteRoutingSettings>): Promise<SiteRoutingSettings> {
  if (changes.routingMode !== undefined && changes.routingMode !== "auto" && changes.routingMode !== "manual") {
    throw new DomainError("bad_request", "routingMode must be auto or manual");
  }
  const cap = changes.defaultCapacity;
  if (cap !== undefined && cap !== null && (!Number.isInteger(cap) || cap < 1 || cap > MAX_CAPACITY)) {
    throw new DomainError("bad_request", `defaultCapacity must be a whole number from 1 to ${MAX_CAPACITY}, or null`);
  }
  const memberIds = changes.memberIds === undefined ? undefined : [...new Set(changes.memberIds)];
  if (memberIds && memberIds.length) {
    const known = await db.agent.count({ where: { id: { in: memberIds } } });
    if (known !== memberIds.length) throw new DomainError("bad_request", "memberIds contains an unknown agent");
  }
  await db.$transaction(async (tx) => {
    const updated = await tx.site.updateMany({
      where: { id: siteId },
      data: {
        ...(changes.routingMode !== undefined ? { routingMode: changes.routingMode } : {}),
        ...(cap !== undefined ? { defaultCapacity: cap } : {}),
        ...(changes.membersOnly !== undefined ? { membersOnly: changes.membersOnly } : {}),
      },
    });
    if (updated.count === 0) throw new DomainError("not_found", "No such site");
    if (memberIds) {
      await tx.siteMember.deleteMany({ where: { siteId } });
      if (memberIds.length) await tx.siteMember.createMany({ data: memberIds.map((agentId) => ({ siteId, agentId })) });
    }
  });
  routingChanged(db);
  return siteRoutingSettings(db, siteId);
}
