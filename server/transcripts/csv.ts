// CSV as RFC 4180 describes it (CRLF rows, fields quoted when they hold a quote, comma, CR or
// LF), with spreadsheet formula injection neutralised: a cell a spreadsheet would evaluate
// (leading = + - @, tab or CR) gets a leading apostrophe, which spreadsheets show as text.
import type { TranscriptDto, TranscriptMessageDto } from "../protocol.ts";
import type { TranscriptHeader } from "./export-stream.ts";
import { attachmentLabel } from "../attachments/dto.ts";

export const UTF8_BOM = "\uFEFF";
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export type Cell = string | number | boolean | null;

export function csvCell(value: Cell): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = "'" + text;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(cells: readonly Cell[]): string {
  return cells.map(csvCell).join(",") + "\r\n";
}

export const MESSAGE_COLUMNS = ["seq", "created_at", "author_kind", "author_name", "body", "note", "delivery_state", "attachments"] as const;

export function messageCells(m: TranscriptMessageDto): Cell[] {
  return [m.seq, m.createdAt, m.authorKind, m.authorName, m.body, m.note, m.deliveryState, m.attachments.map(attachmentLabel).join("; ")];
}

/** One conversation: one row per message. */
export function transcriptCsv(t: TranscriptDto, opts: { bom: boolean }): string {
  let out = (opts.bom ? UTF8_BOM : "") + csvRow(MESSAGE_COLUMNS);
  for (const m of t.messages) out += csvRow(messageCells(m));
  return out;
}

export const EXPORT_COLUMNS = [
  "conversation_id",
  "site_key",
  "site_name",
  "status",
  "visitor_id",
  "visitor_name",
  "visitor_email",
  "assignee",
  "tags",
  "rating",
  "conversation_created_at",
  "closed_at",
  ...MESSAGE_COLUMNS,
] as const;

/** Bulk export: the conversation's columns, repeated on each of its message rows. */
export function conversationCells(h: TranscriptHeader): Cell[] {
  const c = h.conversation;
  return [
    c.id,
    h.site.key,
    h.site.name,
    c.status,
    h.visitor.id,
    h.visitor.name,
    h.visitor.email,
    c.assignee?.name ?? null,
    c.tags.join(";"),
    c.rating,
    c.createdAt,
    c.closedAt,
  ];
}
