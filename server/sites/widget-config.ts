// What the widget may show on a page: the site's public settings, or why it is not enabled there.
import type { Db } from "../db/client.ts";
import { originAllowed, sameOrigin } from "../auth/origins.ts";
import type { SiteSettings, WidgetConfigDto } from "../protocol.ts";
import { siteOnline } from "./availability.ts";
import { allowedOriginsOf } from "./service.ts";
import { siteSettingsOf } from "./settings.ts";
import { withAttachmentCap } from "../attachments/service.ts";
import { foregroundFor } from "./theme.ts";
import { launcherLanguage } from "./widget-language.ts";

export interface WidgetSite {
  id: string;
  key: string;
  name: string;
  allowedOrigins: string[];
  membersOnly: boolean;
  settings: SiteSettings;
}

export type SiteLookup = { ok: true; site: WidgetSite } | { ok: false; config: Extract<WidgetConfigDto, { enabled: false }> };

/**
 * The site, if `origin` may embed it: one of its allowed origins, or Parley's own pages (the
 * iframe and /demo, recognised by the Host header).
 */
export async function siteForOrigin(db: Db, siteKey: string, origin: string | undefined, host: string | undefined): Promise<SiteLookup> {
  const row = await db.site.findUnique({ where: { key: siteKey } });
  if (!row) return { ok: false, config: { enabled: false, code: "not_found", message: `Unknown site key "${siteKey}": check data-parley-site in the embed snippet` } };
  const allowedOrigins = allowedOriginsOf(row);
  if (!originAllowed(origin, allowedOrigins) && !sameOrigin(origin, host)) {
    return {
      ok: false,
      config: { enabled: false, code: "forbidden", message: `This page's origin (${origin ?? "none"}) is not allowed for site "${row.name}"; add it to the site's allowed origins in the Parley console` },
    };
  }
  return { ok: true, site: { id: row.id, key: row.key, name: row.name, allowedOrigins, membersOnly: row.membersOnly, settings: withAttachmentCap(siteSettingsOf(row)) } };
}

/** `acceptLanguage`: the browser's header, for sites whose widget follows the visitor's language */
export async function widgetConfig(db: Db, site: WidgetSite, acceptLanguage?: string): Promise<WidgetConfigDto> {
  return {
    enabled: true,
    siteName: site.name,
    settings: site.settings,
    foreground: foregroundFor(site.settings.color),
    online: await siteOnline(db, site),
    ...launcherLanguage(site.settings, acceptLanguage),
  };
}
