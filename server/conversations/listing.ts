// Conversations for the REST API: filtered, newest first, in keyset pages over the
// (createdAt, id) index, so a page costs the same however deep it is.
import type { Db } from "../db/client.ts";
import type { Prisma } from "../db/generated/sqlite/client.ts";
import { DomainError } from "../errors.ts";
import type { ApiConversationDto, ConversationStatus } from "../protocol.ts";
import { toVisitorDto } from "../visitors/service.ts";
import { toConversationDto } from "./dto.ts";
import { toMessageDtos } from "./message-dtos.ts";

export interface ConversationFilter {
  status?: ConversationStatus;
  siteId?: string;
  assigneeId?: string;
  visitorId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

const include = { assignee: { select: { id: true, name: true } }, visitor: true } as const;

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    const createdAt = new Date(String(at));
    if (typeof id === "string" && !Number.isNaN(createdAt.getTime())) return { createdAt, id };
  } catch {
    // fall through: a cursor we did not hand out
  }
  throw new DomainError("bad_request", "cursor: not a cursor this API handed out");
}

export function toApiConversationDto(row: Parameters<typeof toConversationDto>[0] & { visitor: Parameters<typeof toVisitorDto>[0] }): ApiConversationDto {
  return { ...toConversationDto(row), visitor: toVisitorDto(row.visitor) };
}

export async function listConversations(db: Db, filter: ConversationFilter, page: { limit: number; cursor?: string }) {
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  const where: Prisma.ConversationWhereInput = {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.siteId ? { siteId: filter.siteId } : {}),
    ...(filter.assigneeId ? { assigneeId: filter.assigneeId } : {}),
    ...(filter.visitorId ? { visitorId: filter.visitorId } : {}),
    createdAt: { ...(filter.createdAfter ? { gte: filter.createdAfter } : {}), ...(filter.createdBefore ? { lt: filter.createdBefore } : {}) },
    ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
  };
  const rows = await db.conversation.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: page.limit + 1, include });
  const items = rows.slice(0, page.limit);
  return { data: items.map(toApiConversationDto), nextCursor: rows.length > page.limit ? encodeCursor(items[items.length - 1]) : null };
}

export async function getApiConversation(db: Db, id: string): Promise<ApiConversationDto> {
  const row = await db.conversation.findUnique({ where: { id }, include });
  if (!row) throw new DomainError("not_found", "No such conversation");
  return toApiConversationDto(row);
}

/** Messages after seq `afterSeq`, in order; the cursor is the last seq of the page. */
export async function messagesPage(db: Db, conversationId: string, opts: { afterSeq: number; limit: number; notes: boolean }) {
  const rows = await db.message.findMany({
    where: { conversationId, seq: { gt: opts.afterSeq }, ...(opts.notes ? {} : { note: false }) },
    orderBy: { seq: "asc" },
    take: opts.limit + 1,
  });
  const items = rows.slice(0, opts.limit);
  return { data: await toMessageDtos(db, items), nextCursor: rows.length > opts.limit ? String(items[items.length - 1].seq) : null };
}
