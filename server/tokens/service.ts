// API tokens for scripts: created with scopes, shown once, stored only as a hash, revocable.
import type { Db } from "../db/client.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import { DomainError } from "../errors.ts";
import { parseJsonArray } from "../json-text.ts";
import type { ApiTokenDto } from "../protocol.ts";

interface TokenRow {
  id: string;
  name: string;
  scopes: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export function toApiTokenDto(t: TokenRow): ApiTokenDto {
  return { id: t.id, name: t.name, scopes: parseJsonArray(t.scopes), createdAt: t.createdAt.toISOString(), revokedAt: t.revokedAt?.toISOString() ?? null };
}

export async function listTokens(db: Db) {
  return db.apiToken.findMany({ orderBy: [{ createdAt: "desc" }, { id: "asc" }] });
}

export async function createToken(db: Db, input: { name: string; scopes: readonly string[] }) {
  const token = newToken("pk_");
  const row = await db.apiToken.create({ data: { name: input.name, tokenHash: hashToken(token), scopes: JSON.stringify([...new Set(input.scopes)]) } });
  return { row, token };
}

/** Revoking twice is fine; the first revocation time is kept. */
export async function revokeToken(db: Db, id: string) {
  await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  const row = await db.apiToken.findUnique({ where: { id } });
  if (!row) throw new DomainError("not_found", "No such token");
  return row;
}
