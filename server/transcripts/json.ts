// One conversation as a transcript object (the JSON format, and what csv/txt/html render).
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import type { AgentRef, MessageDto, TranscriptDto, TranscriptMessageDto } from "../protocol.ts";
import { toConversationDto } from "../conversations/dto.ts";
import { toMessageDtos } from "../conversations/service.ts";
import { toVisitorDto } from "../visitors/service.ts";
import { deliveryStateOf, type ReadMarks } from "./delivery.ts";

export function withDeliveryState(messages: readonly MessageDto[], marks: ReadMarks): TranscriptMessageDto[] {
  return messages.map((m) => ({ ...m, deliveryState: deliveryStateOf(m, marks) }));
}

/** Agents who wrote in the conversation, then the assignee, each once. */
export function agentsOf(messages: readonly MessageDto[], assignee: AgentRef | null): AgentRef[] {
  const agents = new Map<string, string>();
  for (const m of messages) if (m.authorKind === "agent" && m.authorId) agents.set(m.authorId, m.authorName ?? "");
  if (assignee) agents.set(assignee.id, assignee.name);
  return [...agents].map(([id, name]) => ({ id, name }));
}

export async function buildTranscript(db: Db, conversationId: string, opts: { notes: boolean }): Promise<TranscriptDto> {
  const conv = await db.conversation.findUnique({
    where: { id: conversationId },
    include: { assignee: { select: { id: true, name: true } }, site: true, visitor: true },
  });
  if (!conv) throw new DomainError("not_found", "No such conversation");
  const rows = await db.message.findMany({
    where: { conversationId, ...(opts.notes ? {} : { note: false }) },
    orderBy: { seq: "asc" },
  });
  const messages = withDeliveryState(await toMessageDtos(db, rows), conv);
  return {
    conversation: toConversationDto(conv),
    site: { id: conv.site.id, key: conv.site.key, name: conv.site.name },
    visitor: toVisitorDto(conv.visitor),
    agents: agentsOf(messages, conv.assignee),
    messages,
  };
}
