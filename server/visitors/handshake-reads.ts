// The visitor handshake's batched reads, in as few statements as the answer allows: every
// widget (re)connection runs them, and after a restart thousands do at once. Most of a Prisma
// read's cost is per statement (a query-compiler run, the request pipeline), not per row.
import { Prisma } from "../db/generated/sqlite/client.ts";
import type { Db } from "../db/client.ts";
import type { ConversationRow } from "../conversations/dto.ts";

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

type OpenConversation = ConversationRow & { assignee: { id: string; name: string } | null };

/**
 * Each visitor's newest conversation that is not closed (conversations.openConversationsOf),
 * but the assignee names are read only when some conversation has an assignee: Prisma's include
 * sent `... WHERE id IN (NULL)` for every batch of unassigned ones.
 */
export async function openConversationsOf(db: Db, visitorIds: readonly string[]): Promise<Map<string, OpenConversation>> {
  const rows = await db.conversation.findMany({
    where: { visitorId: { in: [...visitorIds] }, status: { not: "closed" } },
    orderBy: { createdAt: "desc" },
  });
  const assigneeIds = [...new Set(rows.flatMap((r) => (r.assigneeId ? [r.assigneeId] : [])))];
  const agents = assigneeIds.length ? await db.agent.findMany({ where: { id: { in: assigneeIds } }, select: { id: true, name: true } }) : [];
  const agentById = new Map(agents.map((a) => [a.id, a]));
  const byVisitor = new Map<string, OpenConversation>();
  for (const row of rows) {
    if (!byVisitor.has(row.visitorId)) byVisitor.set(row.visitorId, { ...row, assignee: row.assigneeId ? (agentById.get(row.assigneeId) ?? null) : null });
  }
  return byVisitor;
}
