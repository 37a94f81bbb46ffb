// Sites: who may embed the widget, and with which settings.
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client.ts";
import { normalizeOrigin } from "../auth/origins.ts";
import { DomainError } from "../errors.ts";
import { parseJsonArray } from "../json-text.ts";

export const DEMO_SITE_NAME = "Demo";

export function newSiteKey(): string {
  return "site_" + randomBytes(9).toString("base64url");
}

export function cleanOrigins(origins: readonly string[]): string[] {
  const out: string[] = [];
  for (const o of origins) {
    const n = normalizeOrigin(o);
    if (!n) throw new DomainError("bad_request", `Not an http(s) origin: ${o}`);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

export async function createSite(db: Db, input: { name: string; origins: readonly string[] }) {
  return db.site.create({
    data: {
      key: newSiteKey(),
      name: input.name,
      allowedOrigins: JSON.stringify(cleanOrigins(input.origins)),
      identitySecret: randomBytes(32).toString("base64url"),
    },
  });
}

/** On a fresh database, the Demo site answers the server's own public URL, so /demo works. */
export async function ensureDemoSite(db: Db, publicUrl: string) {
  if ((await db.site.count()) > 0) return null;
  return createSite(db, { name: DEMO_SITE_NAME, origins: [publicUrl] });
}

export function allowedOriginsOf(site: { allowedOrigins: string }): string[] {
  return parseJsonArray(site.allowedOrigins);
}

export function embedSnippet(publicUrl: string, siteKey: string): string {
  return `<script async src="${publicUrl}/widget.js" data-parley-site="${siteKey}"></script>`;
}
