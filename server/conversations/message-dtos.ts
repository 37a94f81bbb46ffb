// Message rows to wire shapes, with their authors' display names looked up once per batch.
import type { Db } from "../db/client.ts";
import type { AttachmentDto, MessageDto } from "../protocol.ts";
import { attachmentsByMessage } from "../attachments/dto.ts";
import { toMessageDto, type MessageRow } from "./dto.ts";

/** Display names of the rows' authors; also used inside transactions (webhook outbox). */
export async function authorNames(db: Pick<Db, "agent" | "visitor">, rows: readonly MessageRow[]): Promise<Map<string, string | null>> {
  const ids = (kind: string) => [...new Set(rows.filter((r) => r.authorKind === kind && r.authorId).map((r) => r.authorId as string))];
  const agentIds = ids("agent");
  const visitorIds = ids("visitor");
  const names = new Map<string, string | null>();
  if (agentIds.length) for (const a of await db.agent.findMany({ where: { id: { in: agentIds } }, select: { id: true, name: true } })) names.set(a.id, a.name);
  if (visitorIds.length) for (const v of await db.visitor.findMany({ where: { id: { in: visitorIds } }, select: { id: true, name: true } })) names.set(v.id, v.name);
  return names;
}

/** `known`: attachments already at hand per message id (the writer's); the rest are loaded in one query. */
export async function toMessageDtos(db: Db, rows: readonly MessageRow[], known?: ReadonlyMap<string, AttachmentDto[]>): Promise<MessageDto[]> {
  if (rows.length === 0) return [];
  const names = await authorNames(db, rows);
  const loaded = await attachmentsByMessage(db, rows.filter((r) => !known?.has(r.id)).map((r) => r.id));
  return rows.map((r) => ({
    ...toMessageDto(r, r.authorId ? (names.get(r.authorId) ?? null) : null),
    attachments: known?.get(r.id) ?? loaded.get(r.id) ?? [],
  }));
}
