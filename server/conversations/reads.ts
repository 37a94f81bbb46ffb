// The conversation reads of the chat paths (open, replay, each event's ownership check), as raw
// statements on db/sql.ts: every widget open and reconnect runs several, and a compiled Prisma
// read cost ~0.6 ms (one with an include, two statements). The rows are the ones Prisma would
// give, assignee included, so the DTO code is shared with the Prisma reads elsewhere.
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { sqlOf, type SqlRunner } from "../db/sql.ts";
import type { MessageDto } from "../protocol.ts";
import type { ConversationRow, MessageRow } from "./dto.ts";
import { toMessageDtos } from "./message-dtos.ts";

export const REPLAY_LIMIT = 500;

export type ConversationWithAssignee = ConversationRow & { assignee: { id: string; name: string } | null };

type IntLike = number | bigint;
type Raw = Omit<ConversationRow, "lastSeq" | "rating" | "visitorReadSeq" | "agentReadSeq" | "assignee"> & {
  lastSeq: IntLike;
  rating: IntLike | null;
  visitorReadSeq: IntLike;
  agentReadSeq: IntLike;
  assigneeName: string | null;
};

/** Conversations matching `where` (on alias c), with their assignee's name: one statement. */
export async function conversationsWhere(db: SqlRunner, where: Prisma.Sql, order: Prisma.Sql = Prisma.empty): Promise<ConversationWithAssignee[]> {
  const rows = await db.$queryRaw<Raw[]>`SELECT c."id", c."siteId", c."visitorId", c."status", c."assigneeId", c."lastSeq", c."tags", c."rating", c."visitorReadSeq",
      c."agentReadSeq", c."createdAt", c."queuedAt", c."assignedAt", c."firstResponseAt", c."closedAt", a."name" AS "assigneeName"
    FROM "Conversation" c LEFT JOIN "Agent" a ON a."id" = c."assigneeId"
    WHERE ${where} ${order}`;
  return rows.map(({ assigneeName, ...row }) => ({
    ...row,
    // integers may come back as bigint from the driver
    lastSeq: Number(row.lastSeq),
    rating: row.rating === null ? null : Number(row.rating),
    visitorReadSeq: Number(row.visitorReadSeq),
    agentReadSeq: Number(row.agentReadSeq),
    assignee: row.assigneeId && assigneeName !== null ? { id: row.assigneeId, name: assigneeName } : null,
  }));
}

export async function conversationById(db: Db, id: string): Promise<ConversationWithAssignee | null> {
  const [row] = await conversationsWhere(sqlOf(db), Prisma.sql`c."id" = ${id}`);
  return row ?? null;
}

/** Each visitor's newest conversation that is not closed (batched handshakes, batched opens). */
export async function openConversationsOf(db: SqlRunner, visitorIds: readonly string[]): Promise<Map<string, ConversationWithAssignee>> {
  const rows = await conversationsWhere(db, Prisma.sql`c."visitorId" IN (${Prisma.join([...visitorIds])}) AND c."status" <> 'closed'`, Prisma.sql`ORDER BY c."createdAt" DESC`);
  const byVisitor = new Map<string, ConversationWithAssignee>();
  for (const row of rows) if (!byVisitor.has(row.visitorId)) byVisitor.set(row.visitorId, row);
  return byVisitor;
}

/** Messages after `afterSeq`, in order, at most REPLAY_LIMIT (ask again from the last one). */
export async function messagesSince(db: Db, conversationId: string, afterSeq: number, opts: { notes: boolean }): Promise<MessageDto[]> {
  const notes = opts.notes ? Prisma.empty : Prisma.sql`AND "note" = ${false}`;
  const rows = await sqlOf(db).$queryRaw<MessageRow[]>`SELECT "id", "conversationId", "seq", "authorKind", "authorId", "body", "clientId", "note", "createdAt"
    FROM "Message" WHERE "conversationId" = ${conversationId} AND "seq" > ${afterSeq} ${notes} ORDER BY "seq" ASC LIMIT ${REPLAY_LIMIT}`;
  return toMessageDtos(db, rows.map((r) => ({ ...r, seq: Number(r.seq) })));
}
