// Closed conversations for the console's history: filters, substring search over message bodies
// and cursor paging. The search is plain SQL (lower + LIKE) so it runs the same on SQLite and
// PostgreSQL; every word of the query must occur somewhere in the conversation.
import type { Db } from "../db/client.ts";
import type { ConversationSummaryDto, HistoryPageDto } from "../protocol.ts";
import { summaryInclude, toSummary } from "./summary.ts";
import { tagNeedle } from "./tags.ts";

export const HISTORY_PAGE = 50;
/** per search word: the most conversations a word can narrow to (keeps the id list bounded) */
const SEARCH_CAP = 5000;
const MAX_TERMS = 8;

export interface HistoryFilter {
  siteId?: string;
  /** only these sites (the caller's, from the authorization policy); null or absent: every site */
  siteIds?: string[] | null;
  agentId?: string;
  from?: Date;
  to?: Date;
  tag?: string;
  rating?: number;
  q?: string;
  cursor?: string;
  limit?: number;
}

export function searchTerms(q: string): string[] {
  return [...new Set(q.toLowerCase().split(/\s+/).filter(Boolean))].slice(0, MAX_TERMS);
}

const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Ids of closed conversations with a message containing every term; null when no terms. */
export async function conversationsMatching(db: Db, q: string): Promise<string[] | null> {
  const terms = searchTerms(q);
  if (terms.length === 0) return null;
  let ids: string[] | undefined;
  for (const term of terms) {
    const rows = await db.$queryRaw<{ id: string }[]>`
      SELECT m."conversationId" AS id FROM "Message" m JOIN "Conversation" c ON c."id" = m."conversationId"
      WHERE c."status" = 'closed' AND lower(m."body") LIKE ${likePattern(term)} ESCAPE '\\'
      GROUP BY m."conversationId" LIMIT ${SEARCH_CAP}`;
    const found = new Set(rows.map((r) => r.id));
    ids = ids === undefined ? [...found] : ids.filter((id) => found.has(id));
    if (ids.length === 0) break;
  }
  return ids ?? [];
}

export async function listHistory(db: Db, filter: HistoryFilter): Promise<HistoryPageDto> {
  const limit = Math.min(filter.limit ?? HISTORY_PAGE, HISTORY_PAGE);
  const matching = filter.q ? await conversationsMatching(db, filter.q) : null;
  if (matching && matching.length === 0) return { items: [], nextCursor: null };
  const createdAt = { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) };
  const rows = await db.conversation.findMany({
    where: {
      status: "closed",
      ...(filter.siteId ? { siteId: filter.siteId } : {}),
      ...(filter.siteIds ? { AND: [{ siteId: { in: filter.siteIds } }] } : {}),
      ...(filter.agentId ? { assigneeId: filter.agentId } : {}),
      ...(filter.from || filter.to ? { createdAt } : {}),
      ...(filter.tag ? { tags: { contains: tagNeedle(filter.tag) } } : {}),
      ...(filter.rating !== undefined ? { rating: filter.rating } : {}),
      ...(matching ? { id: { in: matching } } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    ...(filter.cursor ? { cursor: { id: filter.cursor }, skip: 1 } : {}),
    take: limit + 1,
    include: summaryInclude,
  });
  const items: ConversationSummaryDto[] = rows.slice(0, limit).map(toSummary);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
}

/**
 * The visitor's other conversations, newest first. An identified visitor may have several visitor
 * records (devices) under the same external id on the site: their conversations count too.
 */
export async function pastConversations(db: Db, conversationId: string, limit = 20): Promise<ConversationSummaryDto[]> {
  const conv = await db.conversation.findUnique({ where: { id: conversationId }, include: { visitor: true } });
  if (!conv) return [];
  const visitorIds = conv.visitor.externalId
    ? (await db.visitor.findMany({ where: { siteId: conv.siteId, externalId: conv.visitor.externalId }, select: { id: true }, take: 100 })).map((v) => v.id)
    : [conv.visitorId];
  const rows = await db.conversation.findMany({
    where: { visitorId: { in: visitorIds }, id: { not: conversationId } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    include: summaryInclude,
  });
  return rows.map(toSummary);
}
