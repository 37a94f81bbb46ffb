// Conversations: open, post (idempotent and sequenced), replay, close. Plain functions over a
// database handle; every invariant is a database constraint or a conditional update, so any
// number of server processes may call these at once.
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import { logClose } from "../routing/events.ts";
import { withRetry } from "../routing/retry.ts";
import { recordEvent } from "../webhooks/outbox.ts";
import { toConversationDto } from "./dto.ts";
import { toMessageDtos } from "./message-dtos.ts";
import { toResults, writeWithRetry, type PostInput, type PostResult } from "./message-writer.ts";
import { conversationById } from "./reads.ts";
import { openConversations, type OpenInput, type Opened } from "./opener.ts";
import type { AbuseLimits } from "../auth/abuse.ts";

const withAssignee = { assignee: { select: { id: true, name: true } } } as const;

export type { PostInput, PostResult };
export { toMessageDtos };
export { messagesSince, REPLAY_LIMIT } from "./reads.ts";

/**
 * Stores one message with the conversation's next sequence number; a retry with the same
 * clientId returns the stored message. The realtime layer goes through MessageWriter instead,
 * which batches concurrent posts into one transaction (same rules, same code).
 */
export async function postMessage(db: Db, input: PostInput): Promise<PostResult> {
  const [result] = await toResults(db, await writeWithRetry(db, [input]));
  if (result instanceof Error) throw result;
  return result;
}

export const getConversation = conversationById;

/**
 * Opens a conversation for a visitor, or returns the open one (conversations/opener.ts; the
 * realtime layer batches opens through ConversationOpener instead). Past the abuse limits it
 * throws rate_limited.
 */
export async function openConversation(db: Db, limits: AbuseLimits, input: OpenInput): Promise<Opened> {
  const [result] = await openConversations(db, limits, [input]);
  if (result instanceof Error) throw result;
  return result;
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
