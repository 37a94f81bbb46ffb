// Whether visitors can reach a person right now: the site is within its business hours and an
// agent who may take its chats is available (routing's own definition). When not, the widget
// offers the offline form instead of a live chat.
import type { Db } from "../db/client.ts";
import type { SiteSettings } from "../protocol.ts";
import { availableWhere } from "../routing/state.ts";
import { withinBusinessHours } from "./business-hours.ts";

export async function siteOnline(db: Db, site: { id: string; membersOnly: boolean; settings: SiteSettings }, at = new Date()): Promise<boolean> {
  if (!withinBusinessHours(site.settings.businessHours, at)) return false;
  const agents = await db.agent.count({
    where: { ...availableWhere, ...(site.membersOnly ? { memberships: { some: { siteId: site.id } } } : {}) },
  });
  return agents > 0;
}
