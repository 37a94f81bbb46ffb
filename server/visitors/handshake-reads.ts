// The visitor handshake's batched reads, in as few statements as the answer allows: every
// widget (re)connection runs them, and after a restart thousands do at once. Each visitor's open
// conversation is read by conversations/reads.ts openConversationsOf.
import { Prisma } from "../db/generated/sqlite/client.ts";
import type { SqlRunner } from "../db/sql.ts";
import type { VisitorRow } from "./service.ts";

/** What the handshake needs of a site: its id, its allowed origins, and whether it blocks anyone. */
export interface HandshakeSite {
  id: string;
  key: string;
  allowedOrigins: string;
  /** the site has at least one VisitorBlock: only then is the precise check worth a statement */
  hasBlocks: boolean;
}

/**
 * Sites by key with their "has any block" flag: one raw statement (no query-compiler run) where
 * the site read and the block probe were two compiled ones.
 */
export async function handshakeSites(db: SqlRunner, keys: readonly string[]): Promise<Map<string, HandshakeSite>> {
  const rows = await db.$queryRaw<{ id: string; key: string; allowedOrigins: string; hasBlocks: boolean | number | bigint }[]>`SELECT s."id", s."key", s."allowedOrigins",
      EXISTS (SELECT 1 FROM "VisitorBlock" b WHERE b."siteId" = s."id") AS "hasBlocks"
    FROM "Site" s WHERE s."key" IN (${Prisma.join([...keys])})`;
  // EXISTS is a boolean on PostgreSQL and 0/1 on SQLite.
  return new Map(rows.map((r) => [r.key, { id: r.id, key: r.key, allowedOrigins: r.allowedOrigins, hasBlocks: Number(r.hasBlocks) !== 0 }]));
}

/** Visitors by token hash (a returning widget's token), one raw statement per batch. */
export async function visitorsByTokenHash(db: SqlRunner, hashes: readonly string[]): Promise<Map<string, VisitorRow>> {
  const rows = await db.$queryRaw<(VisitorRow & { tokenHash: string })[]>`SELECT "id", "siteId", "tokenHash", "externalId", "name", "email", "attributes", "createdAt", "lastSeenAt"
    FROM "Visitor" WHERE "tokenHash" IN (${Prisma.join([...hashes])})`;
  return new Map(rows.map(({ tokenHash, ...v }) => [tokenHash, v]));
}
