// Inbox rows for agents: conversation + site name + visitor + first visitor message.
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { sqlOf } from "../db/sql.ts";
import type { ConversationStatus, ConversationSummaryDto } from "../protocol.ts";
import { toVisitorDto, type VisitorRow } from "../visitors/service.ts";
import { toConversationDto, type ConversationRow } from "./dto.ts";
import { conversationsWhere } from "./reads.ts";

const PREVIEW_LENGTH = 140;

export const summaryInclude = {
  assignee: { select: { id: true, name: true } },
  site: { select: { name: true } },
  visitor: true,
  messages: { where: { authorKind: "visitor" }, orderBy: { seq: "asc" }, take: 1, select: { body: true } },
} as const;

/** What a summary is made of: the shape of summaryInclude's rows. */
interface SummaryRow extends ConversationRow {
  site: { name: string };
  visitor: VisitorRow;
  messages: { body: string }[];
}

/**
 * Summaries of these conversations in two raw statements (db/sql.ts): every open and every
 * assignment announces one, and summaryInclude through Prisma was four compiled statements.
 */
async function loadMany(db: Db, ids: readonly string[]): Promise<SummaryRow[]> {
  if (ids.length === 0) return [];
  const sql = sqlOf(db);
  const list = Prisma.join([...ids]);
  const [rows, extras] = await Promise.all([
    conversationsWhere(sql, Prisma.sql`c."id" IN (${list})`),
    sql.$queryRaw<(VisitorRow & { conversationId: string; siteName: string; preview: string | null })[]>`SELECT c."id" AS "conversationId", s."name" AS "siteName",
        v."id", v."siteId", v."name", v."email", v."externalId", v."attributes", v."createdAt", v."lastSeenAt",
        (SELECT m."body" FROM "Message" m WHERE m."conversationId" = c."id" AND m."authorKind" = 'visitor' ORDER BY m."seq" ASC LIMIT 1) AS "preview"
      FROM "Conversation" c JOIN "Site" s ON s."id" = c."siteId" JOIN "Visitor" v ON v."id" = c."visitorId"
      WHERE c."id" IN (${list})`,
  ]);
  const byId = new Map(extras.map(({ conversationId, siteName, preview, ...visitor }) => [conversationId, { siteName, preview, visitor }]));
  return rows.flatMap((row) => {
    const e = byId.get(row.id);
    return e ? [{ ...row, site: { name: e.siteName }, visitor: e.visitor, messages: e.preview === null ? [] : [{ body: e.preview }] }] : [];
  });
}

export function toSummary(row: SummaryRow): ConversationSummaryDto {
  const first = row.messages[0]?.body ?? null;
  return {
    ...toConversationDto(row),
    siteName: row.site.name,
    visitor: toVisitorDto(row.visitor),
    preview: first === null ? null : first.slice(0, PREVIEW_LENGTH),
  };
}

export async function summaryOf(db: Db, id: string): Promise<ConversationSummaryDto | null> {
  const [row] = await loadMany(db, [id]);
  return row ? toSummary(row) : null;
}

/** summaryOf for many conversations in one query (a batch of assignments): by id, missing ones left out */
export async function summariesOf(db: Db, ids: readonly string[]): Promise<Map<string, ConversationSummaryDto>> {
  if (ids.length === 0) return new Map();
  const rows = await loadMany(db, ids);
  return new Map(rows.map((r) => [r.id, toSummary(r)]));
}

export async function listSummaries(
  db: Db,
  /** siteIds: only these sites' conversations; null or absent means every site */
  filter: { status?: ConversationStatus; assigneeId?: string; limit?: number; siteIds?: string[] | null },
): Promise<ConversationSummaryDto[]> {
  const rows = await db.conversation.findMany({
    where: {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.assigneeId ? { assigneeId: filter.assigneeId } : {}),
      ...(filter.siteIds ? { siteId: { in: filter.siteIds } } : {}),
    },
    // Queued: in queue order (requeued chats first, then longest waiting), as routing serves them.
    orderBy: filter.status === "queued" ? [{ priority: "desc" }, { queuedAt: "asc" }, { id: "asc" }] : [{ createdAt: "desc" }],
    take: filter.limit ?? 200,
    include: summaryInclude,
  });
  return rows.map(toSummary);
}
