// Bulk export as a stream of events, read from the database with keyset pagination: a page of
// conversations at a time (ordered by createdAt, id), and their messages in bounded batches. A
// conversation of any length is streamed in slices, so memory stays flat however much is
// exported. The encoders turn the events into NDJSON or CSV text chunks.
import type { Db } from "../db/client.ts";
import type { AgentRef, ConversationDto, TranscriptMessageDto, VisitorDto } from "../protocol.ts";
import { toConversationDto, toMessageDto, type MessageRow } from "../conversations/dto.ts";
import { attachmentsByConversation } from "../attachments/dto.ts";
import { toVisitorDto } from "../visitors/service.ts";
import { parseJsonArray } from "../json-text.ts";
import { deliveryStateOf } from "./delivery.ts";
import { conversationCells, csvCell, csvRow, EXPORT_COLUMNS, messageCells, UTF8_BOM } from "./csv.ts";
import type { ExportPlan } from "./export-filter.ts";

export const CONVERSATION_PAGE = 200;
/** messages held at once; bodies are at most 5,000 characters, so this caps a batch near 10 MB */
export const MESSAGE_BATCH = 1000;
const NAME_CACHE_LIMIT = 10_000;

export interface TranscriptHeader {
  conversation: ConversationDto;
  site: { id: string; key: string; name: string };
  visitor: VisitorDto;
}

export type ExportEvent =
  | { kind: "conversation"; header: TranscriptHeader }
  | { kind: "messages"; header: TranscriptHeader; messages: TranscriptMessageDto[] }
  | { kind: "end"; header: TranscriptHeader; agents: AgentRef[] };

export type ExportSelection = Pick<ExportPlan, "where" | "tag" | "notes">;

const conversationInclude = {
  assignee: { select: { id: true, name: true } },
  site: { select: { id: true, key: true, name: true } },
  visitor: true,
} as const;

type ConversationPageRow = Awaited<ReturnType<typeof fetchPage>>[number];

function fetchPage(db: Db, sel: ExportSelection, after: { createdAt: Date; id: string } | null) {
  // "createdAt >= x AND (createdAt > x OR id > y)": the first half lets the database seek into
  // the (createdAt, id) index, where the plain OR form would scan it from the start every page.
  const keyset = after ? { createdAt: { gte: after.createdAt }, OR: [{ createdAt: { gt: after.createdAt } }, { id: { gt: after.id } }] } : {};
  return db.conversation.findMany({
    where: { AND: [sel.where, keyset] },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: CONVERSATION_PAGE,
    include: conversationInclude,
  });
}

/** Author display names, cached across batches (agents are few; other visitors are rare). */
class AuthorNames {
  private readonly cache = new Map<string, string | null>();
  constructor(private readonly db: Db) {}

  async prime(rows: readonly MessageRow[], conversationVisitorId: string): Promise<void> {
    const agents = new Set<string>();
    const visitors = new Set<string>();
    for (const r of rows) {
      if (!r.authorId || this.cache.has(r.authorId)) continue;
      if (r.authorKind === "agent") agents.add(r.authorId);
      else if (r.authorKind === "visitor" && r.authorId !== conversationVisitorId) visitors.add(r.authorId);
    }
    if (this.cache.size > NAME_CACHE_LIMIT) this.cache.clear();
    if (agents.size) for (const a of await this.db.agent.findMany({ where: { id: { in: [...agents] } }, select: { id: true, name: true } })) this.cache.set(a.id, a.name);
    if (visitors.size) for (const v of await this.db.visitor.findMany({ where: { id: { in: [...visitors] } }, select: { id: true, name: true } })) this.cache.set(v.id, v.name);
  }

  nameOf(r: MessageRow, visitor: VisitorDto): string | null {
    if (!r.authorId) return null;
    if (r.authorKind === "visitor" && r.authorId === visitor.id) return visitor.name;
    return this.cache.get(r.authorId) ?? null;
  }
}

/** Splits a page into groups whose messages fit one batch; a long conversation goes alone. */
function groupsOf(convs: readonly ConversationPageRow[]): ConversationPageRow[][] {
  const groups: ConversationPageRow[][] = [];
  let current: ConversationPageRow[] = [];
  let size = 0;
  for (const c of convs) {
    if (current.length && size + c.lastSeq > MESSAGE_BATCH) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(c);
    size += c.lastSeq;
  }
  if (current.length) groups.push(current);
  return groups;
}

export async function* exportTranscripts(db: Db, sel: ExportSelection): AsyncGenerator<ExportEvent> {
  const names = new AuthorNames(db);
  const noteFilter = sel.notes ? {} : { note: false };

  /** All messages of a group in one query, or null when they exceed a batch (lastSeq is only
   *  an upper bound if the data came from elsewhere, so the batch size is checked, not trusted). */
  async function prefetch(ids: string[]): Promise<Map<string, MessageRow[]> | null> {
    const rows = await db.message.findMany({
      where: { conversationId: { in: ids }, ...noteFilter },
      orderBy: [{ conversationId: "asc" }, { seq: "asc" }],
      take: MESSAGE_BATCH + 1,
    });
    if (rows.length > MESSAGE_BATCH) return null;
    const byConversation = new Map<string, MessageRow[]>();
    for (const r of rows) {
      const list = byConversation.get(r.conversationId);
      if (list) list.push(r);
      else byConversation.set(r.conversationId, [r]);
    }
    return byConversation;
  }

  async function* slices(conversationId: string): AsyncGenerator<MessageRow[]> {
    let afterSeq = 0;
    for (;;) {
      const rows = await db.message.findMany({
        where: { conversationId, seq: { gt: afterSeq }, ...noteFilter },
        orderBy: { seq: "asc" },
        take: MESSAGE_BATCH,
      });
      if (rows.length) yield rows;
      if (rows.length < MESSAGE_BATCH) return;
      afterSeq = rows[rows.length - 1].seq;
    }
  }

  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const page = await fetchPage(db, sel, after);
    if (!page.length) return;
    const last = page[page.length - 1];
    after = { createdAt: last.createdAt, id: last.id };
    const convs = sel.tag ? page.filter((c) => parseJsonArray(c.tags).includes(sel.tag as string)) : page;
    for (const group of groupsOf(convs)) {
      const prefetched = group.length > 1 || group[0].lastSeq <= MESSAGE_BATCH ? await prefetch(group.map((c) => c.id)) : null;
      const files = await attachmentsByConversation(db, group.map((c) => c.id));
      for (const conv of group) {
        const header: TranscriptHeader = {
          conversation: toConversationDto(conv),
          site: conv.site,
          visitor: toVisitorDto(conv.visitor),
        };
        const agents = new Map<string, string>();
        yield { kind: "conversation", header };
        const batches = prefetched ? [prefetched.get(conv.id) ?? []] : slices(conv.id);
        for await (const rows of batches) {
          if (!rows.length) continue;
          await names.prime(rows, conv.visitorId);
          const messages = rows.map((r) => {
            const m = { ...toMessageDto(r, names.nameOf(r, header.visitor)), attachments: files.get(r.id) ?? [] };
            if (m.authorKind === "agent" && m.authorId) agents.set(m.authorId, m.authorName ?? "");
            return { ...m, deliveryState: deliveryStateOf(m, conv) };
          });
          yield { kind: "messages", header, messages };
        }
        if (conv.assignee) agents.set(conv.assignee.id, conv.assignee.name);
        yield { kind: "end", header, agents: [...agents].map(([id, name]) => ({ id, name })) };
      }
    }
  }
}

/** Messages the export will hold, for progress reports (tags are matched later, so at most). */
export function countExportMessages(db: Db, sel: ExportSelection): Promise<number> {
  return db.message.count({ where: { conversation: sel.where, ...(sel.notes ? {} : { note: false }) } });
}

/** NDJSON: one TranscriptDto per line, written in parts so a long conversation is never whole. */
export async function* ndjsonChunks(events: AsyncIterable<ExportEvent>): AsyncGenerator<string> {
  let first = true;
  for await (const e of events) {
    if (e.kind === "conversation") {
      const head = JSON.stringify({ conversation: e.header.conversation, site: e.header.site, visitor: e.header.visitor });
      first = true;
      yield head.slice(0, -1) + ',"messages":[';
    } else if (e.kind === "messages") {
      yield (first ? "" : ",") + e.messages.map((m) => JSON.stringify(m)).join(",");
      first = false;
    } else {
      yield `],"agents":${JSON.stringify(e.agents)}}\n`;
    }
  }
}

/** CSV: one row per message, the conversation's columns repeated on each. */
export async function* csvChunks(events: AsyncIterable<ExportEvent>, opts: { bom: boolean }): AsyncGenerator<string> {
  yield (opts.bom ? UTF8_BOM : "") + csvRow(EXPORT_COLUMNS);
  let prefix = "";
  for await (const e of events) {
    if (e.kind === "conversation") prefix = conversationCells(e.header).map(csvCell).join(",") + ",";
    else if (e.kind === "messages") yield e.messages.map((m) => prefix + csvRow(messageCells(m))).join("");
  }
}

/** Calls `onMessages` with each batch size as the events pass through (progress bars). */
export async function* countingMessages(events: AsyncIterable<ExportEvent>, onMessages: (n: number) => void): AsyncGenerator<ExportEvent> {
  for await (const e of events) {
    if (e.kind === "messages") onMessages(e.messages.length);
    yield e;
  }
}
