// Attachment rows to wire shapes, loaded one query per batch of messages (never with their bytes,
// which live in AttachmentBlob).
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { sqlOf } from "../db/sql.ts";
import type { AttachmentDto, AttachmentKind } from "../protocol.ts";
import { INLINE_IMAGE_TYPES } from "./sniff.ts";

export interface AttachmentRow {
  id: string;
  name: string;
  mime: string;
  size: number;
  durationMs: number | null;
}

export const ATTACHMENT_PATH = "/api/v1/attachments/";

/** the columns a DTO needs (no bytes, no uploader) */
export const attachmentDtoSelect = { id: true, name: true, mime: true, size: true, durationMs: true } as const;

export function kindOf(mime: string): AttachmentKind {
  if (INLINE_IMAGE_TYPES.includes(mime)) return "image";
  if (mime.startsWith("audio/")) return "audio";
  return "file";
}

export function toAttachmentDto(a: AttachmentRow): AttachmentDto {
  return { id: a.id, name: a.name, mime: a.mime, size: a.size, kind: kindOf(a.mime), durationMs: a.durationMs, url: `${ATTACHMENT_PATH}${a.id}` };
}

/** ids per query: well under SQLite's and PostgreSQL's bound-parameter limits */
const IDS_PER_QUERY = 1000;

/**
 * `where` narrows to claimed attachments of the chunk's ids. Raw SQL (db/sql.ts): every history
 * read and replay runs this, and a compiled Prisma read cost ~0.6 ms.
 */
async function grouped(db: Db, ids: readonly string[], where: (chunk: string[]) => Prisma.Sql): Promise<Map<string, AttachmentDto[]>> {
  const out = new Map<string, AttachmentDto[]>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
    const rows = await sqlOf(db).$queryRaw<(AttachmentRow & { messageId: string | null })[]>`SELECT "id", "name", "mime", "size", "durationMs", "messageId"
      FROM "Attachment" WHERE ${where(unique.slice(i, i + IDS_PER_QUERY))} ORDER BY "createdAt" ASC, "id" ASC`;
    for (const r of rows) {
      const list = out.get(r.messageId as string) ?? [];
      list.push(toAttachmentDto(r));
      out.set(r.messageId as string, list);
    }
  }
  return out;
}

/** Attachments of these messages, in upload order, by message id; messages without any are absent. */
export function attachmentsByMessage(db: Db, messageIds: readonly string[]): Promise<Map<string, AttachmentDto[]>> {
  return grouped(db, messageIds, (chunk) => Prisma.sql`"messageId" IN (${Prisma.join(chunk)})`);
}

/** The same for every message of these conversations (exports: one query per group of conversations). */
export function attachmentsByConversation(db: Db, conversationIds: readonly string[]): Promise<Map<string, AttachmentDto[]>> {
  return grouped(db, conversationIds, (chunk) => Prisma.sql`"conversationId" IN (${Prisma.join(chunk)}) AND "messageId" IS NOT NULL`);
}

/** Exports that leave Parley (JSON, HTML) link attachments by absolute URL on the public origin. */
export function withAbsoluteUrls<T extends { attachments: AttachmentDto[] }>(messages: readonly T[], publicUrl: string): T[] {
  return messages.map((m) => (m.attachments.length ? { ...m, attachments: m.attachments.map((a) => ({ ...a, url: publicUrl + a.url })) } : m));
}

/** How plain-text exports (CSV, TXT) name an attachment: its name and size. */
export function attachmentLabel(a: Pick<AttachmentDto, "name" | "size">): string {
  return `${a.name} (${a.size} bytes)`;
}
