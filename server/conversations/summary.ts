// Inbox rows for agents: conversation + site name + visitor + first visitor message.
import type { Db } from "../db/client.ts";
import type { ConversationStatus, ConversationSummaryDto } from "../protocol.ts";
import { toVisitorDto } from "../visitors/service.ts";
import { toConversationDto } from "./dto.ts";

const PREVIEW_LENGTH = 140;

export const summaryInclude = {
  assignee: { select: { id: true, name: true } },
  site: { select: { name: true } },
  visitor: true,
  messages: { where: { authorKind: "visitor" }, orderBy: { seq: "asc" }, take: 1, select: { body: true } },
} as const;

type SummaryRow = NonNullable<Awaited<ReturnType<typeof loadMany>>>[number];

function loadMany(db: Db, ids: readonly string[]) {
  return db.conversation.findMany({ where: { id: { in: [...ids] } }, include: summaryInclude });
}

const { assignee: _assignee, ...withoutAssignee } = summaryInclude;

/**
 * One conversation's summary row. The assignee is read only when there is one: Prisma's include
 * sends Agent IN (NULL) for an unassigned row too, and every open announces an unassigned one.
 */
async function loadOne(db: Db, id: string): Promise<SummaryRow | null> {
  const row = await db.conversation.findUnique({ where: { id }, include: withoutAssignee });
  if (!row) return null;
  const assignee = row.assigneeId === null ? null : await db.agent.findUnique({ where: { id: row.assigneeId }, select: { id: true, name: true } });
  return { ...row, assignee };
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
  const row = await loadOne(db, id);
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
