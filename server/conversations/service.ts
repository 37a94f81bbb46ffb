// Conversations: open, post (idempotent and sequenced), replay, close. Plain functions over a
// database handle; every invariant is a database constraint or a conditional update, so any
// number of server processes may call these at once.
import type { Db } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { DomainError } from "../errors.ts";
import { logClose } from "../routing/events.ts";
import { withRetry } from "../routing/retry.ts";
import type { MessageDto } from "../protocol.ts";
import { recordEvent } from "../webhooks/outbox.ts";
import { toConversationDto } from "./dto.ts";
import { toMessageDtos } from "./message-dtos.ts";
import { toResults, writeWithRetry, type PostInput, type PostResult } from "./message-writer.ts";

export const REPLAY_LIMIT = 500;
const withAssignee = { assignee: { select: { id: true, name: true } } } as const;

export type { PostInput, PostResult };
export { toMessageDtos };

/**
 * Stores one message with the conversation's next sequence number; a retry with the same
 * clientId returns the stored message. The realtime layer goes through MessageWriter instead,
 * which batches concurrent posts into one transaction (same rules, same code).
 */
export async function postMessage(db: Db, input: PostInput): Promise<PostResult> {
  const [result] = await toResults(db, await writeWithRetry(db, [input]));
  if (result instanceof DomainError) throw result;
  return result;
}

/** Messages after `afterSeq`, in order, at most REPLAY_LIMIT (ask again from the last one). */
export async function messagesSince(db: Db, conversationId: string, afterSeq: number, opts: { notes: boolean }): Promise<MessageDto[]> {
  const rows = await db.message.findMany({
    where: { conversationId, seq: { gt: afterSeq }, ...(opts.notes ? {} : { note: false }) },
    orderBy: { seq: "asc" },
    take: REPLAY_LIMIT,
  });
  return toMessageDtos(db, rows);
}

/**
 * Adds the assignee's name, read only when there is an assignee: Prisma's include sends its
 * second statement (Agent IN (NULL)) for an unassigned row too, and the open path reads three.
 */
async function withAssigneeOf<T extends { assigneeId: string | null }>(db: Db, row: T | null): Promise<(T & { assignee: { id: string; name: string } | null }) | null> {
  if (!row) return null;
  if (row.assigneeId === null) return { ...row, assignee: null };
  return { ...row, assignee: await db.agent.findUnique({ where: { id: row.assigneeId }, select: { id: true, name: true } }) };
}

export async function getConversation(db: Db, id: string) {
  return withAssigneeOf(db, await db.conversation.findUnique({ where: { id } }));
}

/** The visitor's conversation that is still open, if any. */
export async function openConversationOf(db: Db, visitorId: string) {
  return withAssigneeOf(
    db,
    await db.conversation.findFirst({
      where: { visitorId, status: { not: "closed" } },
      orderBy: { createdAt: "desc" },
    }),
  );
}

/** openConversationOf for many visitors in one query (batched handshakes after a restart). */
export async function openConversationsOf(db: Db, visitorIds: string[]) {
  const rows = await db.conversation.findMany({
    where: { visitorId: { in: visitorIds }, status: { not: "closed" } },
    orderBy: { createdAt: "desc" },
    include: withAssignee,
  });
  const byVisitor = new Map<string, (typeof rows)[number]>();
  for (const row of rows) if (!byVisitor.has(row.visitorId)) byVisitor.set(row.visitorId, row);
  return byVisitor;
}

/**
 * Opens a conversation for a visitor, or returns the open one. A retried open (same clientId)
 * returns the conversation it created, by the unique (visitorId, openKey) key.
 */
export async function openConversation(db: Db, input: { siteId: string; visitorId: string; openKey: string }) {
  const existing = await openConversationOf(db, input.visitorId);
  if (existing) return { conversation: existing, created: false };
  try {
    const conversation = await db.$transaction(async (tx) => {
      // A new conversation has no assignee: no include (it cost two more statements per open).
      const row = { ...(await tx.conversation.create({ data: { siteId: input.siteId, visitorId: input.visitorId, openKey: input.openKey } })), assignee: null };
      await recordEvent(tx, "conversation.created", () => ({ conversation: toConversationDto(row) }), row.createdAt);
      return row;
    });
    return { conversation, created: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const conversation = await db.conversation.findUniqueOrThrow({
      where: { visitorId_openKey: { visitorId: input.visitorId, openKey: input.openKey } },
      include: withAssignee,
    });
    return { conversation, created: false };
  }
}

/** Closes a conversation and frees its agent's capacity in the same transaction. */
export async function closeConversation(db: Db, id: string) {
  // Retried when it lost a lock race to another process (SQLite busy, PostgreSQL deadlock).
  return withRetry(() => db.$transaction(async (tx) => {
    const conv = await tx.conversation.findUnique({ where: { id } });
    if (!conv) throw new DomainError("not_found", "No such conversation");
    // Closing a closed conversation is a no-op (it must not move closedAt).
    if (conv.status === "closed") {
      return { conversation: await tx.conversation.findUniqueOrThrow({ where: { id }, include: withAssignee }), closed: false, freedAgentId: null };
    }
    const closed = await tx.conversation.updateMany({
      where: { id, status: conv.status, assigneeId: conv.assigneeId },
      data: { status: "closed", closedAt: new Date() },
    });
    if (closed.count === 0) {
      // Changed under us (closed or reassigned by another process): report the current state.
      const now = await tx.conversation.findUniqueOrThrow({ where: { id } });
      if (now.status === "closed") return { conversation: await tx.conversation.findUniqueOrThrow({ where: { id }, include: withAssignee }), closed: false, freedAgentId: null };
      throw new DomainError("conflict", "The conversation changed; try again");
    }
    if (conv.status === "assigned" && conv.assigneeId) {
      await tx.agent.updateMany({ where: { id: conv.assigneeId, openCount: { gt: 0 } }, data: { openCount: { decrement: 1 } } });
    }
    await logClose(tx, conv);
    const conversation = await tx.conversation.findUniqueOrThrow({ where: { id }, include: withAssignee });
    await recordEvent(tx, "conversation.closed", () => ({ conversation: toConversationDto(conversation) }));
    return { conversation, closed: true, freedAgentId: conv.status === "assigned" ? conv.assigneeId : null };
  }));
}

export async function rateConversation(db: Db, id: string, rating: number) {
  return db.$transaction(async (tx) => {
    const conversation = await tx.conversation.update({ where: { id }, data: { rating }, include: withAssignee });
    await recordEvent(tx, "conversation.rated", () => ({ conversation: toConversationDto(conversation), rating }));
    return conversation;
  });
}
