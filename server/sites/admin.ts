// Site administration: list, create, edit, rotate the identity secret. Settings are validated
// by the adapter with server/sites/settings.ts; here they are stored as given.
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import { routingChanged } from "../routing/signals.ts";
import { parseJsonArray } from "../json-text.ts";
import type { RoutingMode, SiteDto, SiteSettings } from "../protocol.ts";
import { cleanOrigins, createSite, embedSnippet } from "./service.ts";
import { siteSettingsOf } from "./settings.ts";

export interface SiteRow {
  id: string;
  key: string;
  name: string;
  allowedOrigins: string;
  settings: string;
  identitySecret: string;
  routingMode: string;
  defaultCapacity: number | null;
  createdAt: Date;
}

export function toSiteDto(site: SiteRow, publicUrl: string): SiteDto {
  return {
    id: site.id,
    key: site.key,
    name: site.name,
    allowedOrigins: parseJsonArray(site.allowedOrigins),
    settings: siteSettingsOf(site),
    identitySecret: site.identitySecret,
    routingMode: site.routingMode === "manual" ? "manual" : "auto",
    defaultCapacity: site.defaultCapacity,
    snippet: embedSnippet(publicUrl, site.key),
    createdAt: site.createdAt.toISOString(),
  };
}

export interface SiteChanges {
  name?: string;
  allowedOrigins?: readonly string[];
  settings?: SiteSettings;
  routingMode?: RoutingMode;
  defaultCapacity?: number | null;
}

export async function listSites(db: Db) {
  return db.site.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

export async function getSite(db: Db, id: string) {
  const site = await db.site.findUnique({ where: { id } });
  if (!site) throw new DomainError("not_found", "No such site");
  return site;
}

export async function addSite(db: Db, input: { name: string; allowedOrigins: readonly string[] } & SiteChanges) {
  const site = await createSite(db, { name: input.name, origins: input.allowedOrigins });
  const { name: _n, allowedOrigins: _o, ...rest } = input;
  return Object.keys(rest).length ? updateSite(db, site.id, rest) : site;
}

export async function updateSite(db: Db, id: string, changes: SiteChanges) {
  const data = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.allowedOrigins !== undefined ? { allowedOrigins: JSON.stringify(cleanOrigins(changes.allowedOrigins)) } : {}),
    ...(changes.settings !== undefined ? { settings: JSON.stringify(changes.settings) } : {}),
    ...(changes.routingMode !== undefined ? { routingMode: changes.routingMode } : {}),
    ...(changes.defaultCapacity !== undefined ? { defaultCapacity: changes.defaultCapacity } : {}),
  };
  const updated = await db.site.updateMany({ where: { id }, data });
  if (updated.count === 0) throw new DomainError("not_found", "No such site");
  // A raised default capacity or a switch to auto may let queued chats be assigned now.
  routingChanged(db);
  return getSite(db, id);
}

/** A new identity secret: identify hashes signed with the old one stop being accepted. */
export async function rotateIdentitySecret(db: Db, id: string) {
  const updated = await db.site.updateMany({ where: { id }, data: { identitySecret: randomBytes(32).toString("base64url") } });
  if (updated.count === 0) throw new DomainError("not_found", "No such site");
  return getSite(db, id);
}
