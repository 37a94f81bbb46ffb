// The bulk export's filters: validated from the query string (or CLI flags), then resolved
// against the database into a conversation filter. Bad input is a bad_request, unknown site or
// agent a not_found, a site the agent does not belong to a forbidden.
import { z } from "zod";
import type { Db } from "../db/client.ts";
import type { Prisma } from "../db/generated/sqlite/client.ts";
import { DomainError } from "../errors.ts";
import { visibleSiteIds, type TranscriptReader } from "./access.ts";
import { EXPORT_FORMATS, type ExportFormat } from "./formats.ts";

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * An ISO 8601 date (`2026-01-31`, a whole UTC day) or date-time with a zone. `from` is the
 * start of the range (inclusive); `to` is its end (exclusive), and a date-only `to` includes
 * that whole day, which is what "from the 1st to the 31st" means to people.
 */
function isoParam(name: string, edge: "start" | "end") {
  return z.string().transform((text, ctx) => {
    const dateOnly = DATE_ONLY.test(text);
    if (!dateOnly && !DATE_TIME.test(text)) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 date (2026-01-31) or date-time (2026-01-31T12:00:00Z)" });
      return z.NEVER;
    }
    const date = new Date(dateOnly ? `${text}T00:00:00Z` : text);
    // Date parsing rolls 2026-02-30 over to March; a real date prints back the same day.
    if (Number.isNaN(date.getTime()) || (dateOnly && date.toISOString().slice(0, 10) !== text)) {
      ctx.addIssue({ code: "custom", message: `is not a valid date: ${text}` });
      return z.NEVER;
    }
    return dateOnly && edge === "end" ? new Date(date.getTime() + DAY_MS) : date;
  });
}

const flag = z.enum(["0", "1"]).optional().transform((v) => v === "1");

export const exportQuerySchema = z
  .object({
    format: z.enum(EXPORT_FORMATS, { message: `must be ${EXPORT_FORMATS.join(" or ")}` }).default("ndjson"),
    from: isoParam("from", "start").optional(),
    to: isoParam("to", "end").optional(),
    site: z.string().min(1).max(100).optional(),
    agent: z.string().trim().toLowerCase().pipe(z.email({ message: "must be an email address" })).optional(),
    status: z.enum(["queued", "assigned", "closed"], { message: "must be queued, assigned or closed" }).optional(),
    tag: z.string().min(1).max(100).optional(),
    notes: flag,
    bom: flag,
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: "from must be before to" });

export type ExportQuery = z.infer<typeof exportQuerySchema>;

export function parseExportQuery(input: unknown): ExportQuery {
  const parsed = exportQuerySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError("bad_request", issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message);
  }
  return parsed.data;
}

export interface ExportPlan {
  format: ExportFormat;
  bom: boolean;
  notes: boolean;
  where: Prisma.ConversationWhereInput;
  /** tags are a JSON text column, so the exact match happens on each row */
  tag: string | null;
}

export async function planExport(db: Db, query: ExportQuery, reader: TranscriptReader): Promise<ExportPlan> {
  if (reader.kind === "visitor") throw new DomainError("forbidden", "Visitors cannot export transcripts");
  const and: Prisma.ConversationWhereInput[] = [];
  if (query.from) and.push({ createdAt: { gte: query.from } });
  if (query.to) and.push({ createdAt: { lt: query.to } });
  if (query.status) and.push({ status: query.status });
  // The database narrows by the tag's JSON text; the exact match happens per row. A backslash
  // (an escaped quote) would be read as LIKE's escape character by PostgreSQL, so such tags
  // skip the narrowing.
  if (query.tag && !JSON.stringify(query.tag).includes("\\")) and.push({ tags: { contains: JSON.stringify(query.tag) } });

  const visible = reader.kind === "agent" ? await visibleSiteIds(db, reader) : null;
  if (query.site) {
    const site = await db.site.findUnique({ where: { key: query.site }, select: { id: true } });
    if (!site) throw new DomainError("not_found", `No site with key ${query.site}`);
    if (visible && !visible.includes(site.id)) throw new DomainError("forbidden", "You are not an agent of that site");
    and.push({ siteId: site.id });
  } else if (visible) {
    and.push({ siteId: { in: visible } });
  }
  if (query.agent) {
    const agent = await db.agent.findUnique({ where: { email: query.agent }, select: { id: true } });
    if (!agent) throw new DomainError("not_found", `No agent with email ${query.agent}`);
    // The agent's conversations: assigned to them, or where they wrote (a transfer moves the
    // assignment on, but they still took part).
    and.push({ OR: [{ assigneeId: agent.id }, { messages: { some: { authorKind: "agent", authorId: agent.id } } }] });
  }
  return {
    format: query.format,
    bom: query.bom,
    notes: query.notes && reader.kind === "agent",
    where: and.length ? { AND: and } : {},
    tag: query.tag ?? null,
  };
}
