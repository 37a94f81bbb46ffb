// Rows to wire shapes (protocol.ts).
import { parseJsonArray } from "../json-text.ts";
import type { AuthorKind, ConversationDto, ConversationStatus, MessageDto } from "../protocol.ts";

export interface ConversationRow {
  id: string;
  siteId: string;
  visitorId: string;
  status: string;
  assigneeId: string | null;
  assignee?: { id: string; name: string } | null;
  lastSeq: number;
  tags: string;
  rating: number | null;
  visitorReadSeq: number;
  agentReadSeq: number;
  createdAt: Date;
  queuedAt: Date;
  assignedAt: Date | null;
  firstResponseAt: Date | null;
  closedAt: Date | null;
}

export interface MessageRow {
  id: string;
  conversationId: string;
  seq: number;
  authorKind: string;
  authorId: string | null;
  body: string;
  clientId: string;
  note: boolean;
  createdAt: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toConversationDto(c: ConversationRow): ConversationDto {
  return {
    id: c.id,
    siteId: c.siteId,
    visitorId: c.visitorId,
    status: c.status as ConversationStatus,
    assignee: c.assignee ? { id: c.assignee.id, name: c.assignee.name } : null,
    lastSeq: c.lastSeq,
    tags: parseJsonArray(c.tags),
    rating: c.rating,
    visitorReadSeq: c.visitorReadSeq,
    agentReadSeq: c.agentReadSeq,
    createdAt: c.createdAt.toISOString(),
    queuedAt: c.queuedAt.toISOString(),
    assignedAt: iso(c.assignedAt),
    firstResponseAt: iso(c.firstResponseAt),
    closedAt: iso(c.closedAt),
  };
}

export function toMessageDto(m: MessageRow, authorName: string | null): MessageDto {
  return {
    id: m.id,
    conversationId: m.conversationId,
    seq: m.seq,
    authorKind: m.authorKind as AuthorKind,
    authorId: m.authorId,
    authorName,
    body: m.body,
    clientId: m.clientId,
    note: m.note,
    createdAt: m.createdAt.toISOString(),
    attachments: [],
  };
}
