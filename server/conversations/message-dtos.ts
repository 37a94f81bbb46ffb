// Message rows to wire shapes, with their authors' display names looked up once per batch.
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { sqlOf, type SqlRunner } from "../db/sql.ts";
import type { AttachmentDto, MessageDto } from "../protocol.ts";
import { attachmentsByMessage } from "../attachments/dto.ts";
import { toMessageDto, type MessageRow } from "./dto.ts";

/**
 * Display names of the rows' authors; also used inside transactions (webhook outbox). One raw
 * statement for agents and visitors together: this runs after every message batch, and a
 * compiled Prisma query costs a WebAssembly compile per call.
 */
export async function authorNames(db: SqlRunner, rows: readonly MessageRow[]): Promise<Map<string, string | null>> {
  const ids = (kind: string) => [...new Set(rows.filter((r) => r.authorKind === kind && r.authorId).map((r) => r.authorId as string))];
  const agentIds = ids("agent");
  const visitorIds = ids("visitor");
  const parts = [
    ...(agentIds.length ? [Prisma.sql`SELECT "id", "name" FROM "Agent" WHERE "id" IN (${Prisma.join(agentIds)})`] : []),
    ...(visitorIds.length ? [Prisma.sql`SELECT "id", "name" FROM "Visitor" WHERE "id" IN (${Prisma.join(visitorIds)})`] : []),
  ];
  const names = new Map<string, string | null>();
  if (parts.length === 0) return names;
  for (const r of await db.$queryRaw<{ id: string; name: string | null }[]>`${Prisma.join(parts, " UNION ALL ")}`) names.set(r.id, r.name);
  return names;
}

/** `known`: attachments already at hand per message id (the writer's); the rest are loaded in one query. */
export async function toMessageDtos(db: Db, rows: readonly MessageRow[], known?: ReadonlyMap<string, AttachmentDto[]>): Promise<MessageDto[]> {
  if (rows.length === 0) return [];
  const names = await authorNames(sqlOf(db), rows);
  const loaded = await attachmentsByMessage(db, rows.filter((r) => !known?.has(r.id)).map((r) => r.id));
  return rows.map((r) => ({
    ...toMessageDto(r, r.authorId ? (names.get(r.authorId) ?? null) : null),
    attachments: known?.get(r.id) ?? loaded.get(r.id) ?? [],
  }));
}
