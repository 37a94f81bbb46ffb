// Whether visitors can reach a person right now: an agent is online and the site is open.
// When not, the widget offers the offline form instead of a live chat.
import type { Db } from "../db/client.ts";
import type { SiteSettings } from "../protocol.ts";
import { withinBusinessHours } from "./business-hours.ts";

export async function siteOnline(db: Db, settings: SiteSettings, at = new Date()): Promise<boolean> {
  if (!withinBusinessHours(settings.businessHours, at)) return false;
  return (await db.agent.count({ where: { status: "online", active: true } })) > 0;
}
