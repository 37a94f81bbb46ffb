// Conversations: open, post (idempotent and sequenced), replay, close. Plain functions over a
// database handle; every invariant is a database constraint or a conditional update, so any
// number of server processes may call these at once.
import type { Db } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { DomainError } from "../errors.ts";
import type { AuthorKind, MessageDto } from "../protocol.ts";
import { toMessageDto, type MessageRow } from "./dto.ts";

export const REPLAY_LIMIT = 500;
const withAssignee = { assignee: { select: { id: true, name: true } } } as const;

export interface PostInput {
  conversationId: string;
  authorKind: AuthorKind;
  authorId: string | null;
  clientId: string;
  body: string;
  note?: boolean;
}

export interface PostResult {
  message: MessageDto;
  /** false when this was a retry of a message already stored */
  created: boolean;
}

/** Display names for message authors, looked up once per batch. */
async function authorNames(db: Db, rows: readonly MessageRow[]): Promise<Map<string, string | null>> {
  const agentIds = [...new Set(rows.filter((r) => r.authorKind === "agent" && r.authorId).map((r) => r.authorId as string))];
  const visitorIds = [...new Set(rows.filter((r) => r.authorKind === "visitor" && r.authorId).map((r) => r.authorId as string))];
  const names = new Map<string, string | null>();
  if (agentIds.length) for (const a of await db.agent.findMany({ where: { id: { in: agentIds } }, select: { id: true, name: true } })) names.set(a.id, a.name);
  if (visitorIds.length) for (const v of await db.visitor.findMany({ where: { id: { in: visitorIds } }, select: { id: true, name: true } })) names.set(v.id, v.name);
  return names;
}

export async function toMessageDtos(db: Db, rows: readonly MessageRow[]): Promise<MessageDto[]> {
  const names = await authorNames(db, rows);
  return rows.map((r) => toMessageDto(r, r.authorId ? (names.get(r.authorId) ?? null) : null));
}

/**
 * Stores a message with the conversation's next sequence number. A retry with the same clientId
 * returns the stored message: the unique (conversationId, clientId) key decides, not a lookup.
 */
export async function postMessage(db: Db, input: PostInput): Promise<PostResult> {
  try {
    const row = await db.$transaction(async (tx) => {
      // The increment locks the conversation row, so sequences stay gapless under concurrency;
      // a failed insert rolls the increment back with it.
      const conv = await tx.conversation.updateMany({
        where: { id: input.conversationId, status: { not: "closed" } },
        data: { lastSeq: { increment: 1 } },
      });
      if (conv.count === 0) {
        const exists = await tx.conversation.count({ where: { id: input.conversationId } });
        throw new DomainError(exists ? "conflict" : "not_found", exists ? "This conversation is closed" : "No such conversation");
      }
      const { lastSeq } = await tx.conversation.findUniqueOrThrow({ where: { id: input.conversationId }, select: { lastSeq: true } });
      const message = await tx.message.create({
        data: {
          conversationId: input.conversationId,
          seq: lastSeq,
          authorKind: input.authorKind,
          authorId: input.authorId,
          clientId: input.clientId,
          body: input.body,
          note: input.note ?? false,
        },
      });
      if (input.authorKind === "agent" && !input.note) {
        await tx.conversation.updateMany({ where: { id: input.conversationId, firstResponseAt: null }, data: { firstResponseAt: message.createdAt } });
      }
      return message;
    });
    return { message: (await toMessageDtos(db, [row]))[0], created: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const existing = await db.message.findUnique({
      where: { conversationId_clientId: { conversationId: input.conversationId, clientId: input.clientId } },
    });
    if (!existing) throw err;
    return { message: (await toMessageDtos(db, [existing]))[0], created: false };
  }
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

export async function getConversation(db: Db, id: string) {
  return db.conversation.findUnique({ where: { id }, include: withAssignee });
}

/** The visitor's conversation that is still open, if any. */
export async function openConversationOf(db: Db, visitorId: string) {
  return db.conversation.findFirst({
    where: { visitorId, status: { not: "closed" } },
    orderBy: { createdAt: "desc" },
    include: withAssignee,
  });
}

/**
 * Opens a conversation for a visitor, or returns the open one. A retried open (same clientId)
 * returns the conversation it created, by the unique (visitorId, openKey) key.
 */
export async function openConversation(db: Db, input: { siteId: string; visitorId: string; openKey: string }) {
  const existing = await openConversationOf(db, input.visitorId);
  if (existing) return { conversation: existing, created: false };
  try {
    const conversation = await db.conversation.create({
      data: { siteId: input.siteId, visitorId: input.visitorId, openKey: input.openKey },
      include: withAssignee,
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
  return db.$transaction(async (tx) => {
    const conv = await tx.conversation.findUnique({ where: { id } });
    if (!conv) throw new DomainError("not_found", "No such conversation");
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
    if (conv.status === "closed") {
      return { conversation: await tx.conversation.findUniqueOrThrow({ where: { id }, include: withAssignee }), closed: false, freedAgentId: null };
    }
    if (conv.status === "assigned" && conv.assigneeId) {
      await tx.agent.updateMany({ where: { id: conv.assigneeId, openCount: { gt: 0 } }, data: { openCount: { decrement: 1 } } });
    }
    const conversation = await tx.conversation.findUniqueOrThrow({ where: { id }, include: withAssignee });
    return { conversation, closed: true, freedAgentId: conv.status === "assigned" ? conv.assigneeId : null };
  });
}

export async function rateConversation(db: Db, id: string, rating: number) {
  return db.conversation.update({ where: { id }, data: { rating }, include: withAssignee });
}
