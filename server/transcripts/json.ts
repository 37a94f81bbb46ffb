// One conversation as a JSON transcript.
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import type { TranscriptDto } from "../protocol.ts";
import { toConversationDto } from "../conversations/dto.ts";
import { toMessageDtos } from "../conversations/service.ts";
import { toVisitorDto } from "../visitors/service.ts";

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
  const messages = await toMessageDtos(db, rows);
  const agents = new Map<string, string>();
  for (const m of messages) if (m.authorKind === "agent" && m.authorId) agents.set(m.authorId, m.authorName ?? "");
  if (conv.assignee) agents.set(conv.assignee.id, conv.assignee.name);
  return {
    conversation: toConversationDto(conv),
    site: { id: conv.site.id, key: conv.site.key, name: conv.site.name },
    visitor: toVisitorDto(conv.visitor),
    agents: [...agents].map(([id, name]) => ({ id, name })),
    messages,
  };
}
