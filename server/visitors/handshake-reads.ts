// The visitor handshake's batched reads, in as few statements as the answer allows: every
// widget (re)connection runs them, and after a restart thousands do at once. Most of a Prisma
// read's cost is per statement (a query-compiler run, the request pipeline), not per row.
import { Prisma } from "../db/generated/sqlite/client.ts";
import type { Db } from "../db/client.ts";
import type { ConversationRow } from "../conversations/dto.ts";
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
export async function handshakeSites(db: Pick<Db, "$queryRaw">, keys: readonly string[]): Promise<Map<string, HandshakeSite>> {
  const rows = await db.$queryRaw<{ id: string; key: string; allowedOrigins: string; hasBlocks: boolean | number | bigint }[]>`SELECT s."id", s."key", s."allowedOrigins",
      EXISTS (SELECT 1 FROM "VisitorBlock" b WHERE b."siteId" = s."id") AS "hasBlocks"
    FROM "Site" s WHERE s."key" IN (${Prisma.join([...keys])})`;
  // EXISTS is a boolean on PostgreSQL and 0/1 on SQLite.
  return new Map(rows.map((r) => [r.key, { id: r.id, key: r.key, allowedOrigins: r.allowedOrigins, hasBlocks: Number(r.hasBlocks) !== 0 }]));
}

/** Visitors by token hash (a returning widget's token), one raw statement per batch. */
export async function visitorsByTokenHash(db: Pick<Db, "$queryRaw">, hashes: readonly string[]): Promise<Map<string, VisitorRow>> {
  const rows = await db.$queryRaw<(VisitorRow & { tokenHash: string })[]>`SELECT "id", "siteId", "tokenHash", "externalId", "name", "email", "attributes", "createdAt", "lastSeenAt"
    FROM "Visitor" WHERE "tokenHash" IN (${Prisma.join([...hashes])})`;
  return new Map(rows.map(({ tokenHash, ...v }) => [tokenHash, v]));
}

type OpenConversation = ConversationRow & { assignee: { id: string; name: string } | null };

type IntLike = number | bigint;

/**
 * Each visitor's newest conversation that is not closed (conversations.openConversationsOf), with
 * its assignee's name: one raw statement where Prisma's include sent two compiled ones (the second
 * `... WHERE id IN (NULL)` for every batch of unassigned conversations).
 */
export async function openConversationsOf(db: Pick<Db, "$queryRaw">, visitorIds: readonly string[]): Promise<Map<string, OpenConversation>> {
  const rows = await db.$queryRaw<
    (Omit<ConversationRow, "lastSeq" | "rating" | "visitorReadSeq" | "agentReadSeq" | "assignee"> & {
      lastSeq: IntLike;
      rating: IntLike | null;
      visitorReadSeq: IntLike;
      agentReadSeq: IntLike;
      assigneeName: string | null;
    })[]
  >`SELECT c."id", c."siteId", c."visitorId", c."status", c."assigneeId", c."lastSeq", c."tags", c."rating", c."visitorReadSeq", c."agentReadSeq",
      c."createdAt", c."queuedAt", c."assignedAt", c."firstResponseAt", c."closedAt", a."name" AS "assigneeName"
    FROM "Conversation" c LEFT JOIN "Agent" a ON a."id" = c."assigneeId"
    WHERE c."visitorId" IN (${Prisma.join([...visitorIds])}) AND c."status" <> 'closed'
    ORDER BY c."createdAt" DESC`;
  const byVisitor = new Map<string, OpenConversation>();
  for (const { assigneeName, ...row } of rows) {
    if (byVisitor.has(row.visitorId)) continue;
    byVisitor.set(row.visitorId, {
      ...row,
      // integers may come back as bigint from the driver
      lastSeq: Number(row.lastSeq),
      rating: row.rating === null ? null : Number(row.rating),
      visitorReadSeq: Number(row.visitorReadSeq),
      agentReadSeq: Number(row.agentReadSeq),
      assignee: row.assigneeId && assigneeName !== null ? { id: row.assigneeId, name: assigneeName } : null,
    });
  }
  return byVisitor;
}
