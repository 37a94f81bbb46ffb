// Pure helpers over the conversation's messages: merging what the server sent (in any order,
// possibly twice) and the view the list renders, with each of the visitor's messages' state.
import type { AttachmentDto, ConversationDto, MessageDto } from "../../../server/protocol.ts";

export interface OutboxEntry {
  clientId: string;
  body: string;
  /** already uploaded (a message is queued only once all its uploads succeeded) */
  attachments?: AttachmentDto[];
  /** null: this message opens a new conversation */
  conversationId: string | null;
  /** why the server refused it for good (a catalogue key's reason) */
  error?: string;
}

export type Delivery = "sending" | "sent" | "delivered" | "read" | "failed";

export interface MessageView {
  key: string;
  mine: boolean;
  authorName: string | null;
  body: string;
  attachments: AttachmentDto[];
  /** the visitor's own messages only */
  state: Delivery | null;
  error?: string;
}

/** Messages sorted by seq, each seq once: replays and live pushes may overlap. */
export function mergeMessages(current: readonly MessageDto[], incoming: readonly MessageDto[]): MessageDto[] {
  const bySeq = new Map<number, MessageDto>();
  for (const m of current) bySeq.set(m.seq, m);
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export function lastSeq(messages: readonly MessageDto[]): number {
  return messages.length ? messages[messages.length - 1].seq : 0;
}

/**
 * Sent: stored by the server. Delivered: in an agent's inbox (the conversation is assigned).
 * Read: an agent reported reading up to it.
 */
export function deliveryOf(m: MessageDto, conv: ConversationDto | null): Delivery {
  if (conv && m.seq <= conv.agentReadSeq) return "read";
  if (conv && conv.assignee) return "delivered";
  return "sent";
}

export function toViews(stored: readonly MessageDto[], outbox: readonly OutboxEntry[], conv: ConversationDto | null): MessageView[] {
  const views: MessageView[] = stored.map((m) => ({
    key: m.clientId,
    mine: m.authorKind === "visitor",
    authorName: m.authorName,
    body: m.body,
    // Older servers (and stored outboxes) may lack the field.
    attachments: m.attachments ?? [],
    state: m.authorKind === "visitor" ? deliveryOf(m, conv) : null,
  }));
  const storedIds = new Set(stored.map((m) => m.clientId));
  for (const e of outbox) {
    if (storedIds.has(e.clientId) || (e.conversationId !== null && e.conversationId !== conv?.id)) continue;
    views.push({ key: e.clientId, mine: true, authorName: null, body: e.body, attachments: e.attachments ?? [], state: e.error ? "failed" : "sending", error: e.error });
  }
  return views;
}

/** Messages from the other side the visitor has not seen yet. */
export function unreadCount(stored: readonly MessageDto[], readSeq: number): number {
  let n = 0;
  for (const m of stored) if (m.authorKind !== "visitor" && m.seq > readSeq) n++;
  return n;
}
