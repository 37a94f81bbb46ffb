// Storing messages, many at a time. A batch costs a handful of statements whatever its size,
// which is how Parley persists thousands of messages a second on SQLite (group commit): posts
// that arrive while a batch is being written wait for the next one, so an idle server writes
// at once and a busy one writes in larger batches. Nothing is acknowledged before its batch
// has committed.
//
// Invariants, all held by the database: each conversation's sequence is gapless (seqs are
// handed out while the conversation rows are write-locked, and a failed batch rolls back
// whole); a retried clientId returns the stored message (unique (conversationId, clientId);
// if a concurrent writer wins the race, the batch fails on that key and is retried item by
// item, each item then finding the stored row).
import type { Db } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { sqlOf, type SqlRunner } from "../db/sql.ts";
import { timeOrderedId } from "../db/time-ordered-id.ts";
import { DomainError } from "../errors.ts";
import type { AttachmentDto, AuthorKind, MessageDto } from "../protocol.ts";
import { attachmentClaims, ClaimConflict } from "../attachments/claims.ts";
import { recordMessages } from "../webhooks/outbox.ts";
import { eachAlone, GroupCommit } from "../scale/batch.ts";
import { attachmentsByMessage } from "../attachments/dto.ts";
import { toMessageDto, type MessageRow } from "./dto.ts";
import { authorNames } from "./message-dtos.ts";

export interface PostInput {
  conversationId: string;
  authorKind: AuthorKind;
  authorId: string | null;
  clientId: string;
  body: string;
  note?: boolean;
  /** uploads that go on this message: all of them or the message is refused (attachments/claims.ts) */
  attachmentIds?: string[];
  /** who posts, for the writer's guard (the adapter's checks); absent for callers that checked already */
  poster?: Poster;
}

/** A socket's identity, as the adapter knows it. */
export type Poster = { kind: "visitor"; visitorId: string; siteId: string } | { kind: "agent"; agentId: string; role: "admin" | "agent" };

/** The conversation a message went into, as its batch saw it: whom to tell (assignee now). */
export interface PostedConversation {
  id: string;
  siteId: string;
  visitorId: string;
  assigneeId: string | null;
}

/**
 * The conversation's count of visitor messages in one clock minute (minutes since 1970), as
 * stored on its row. The guard may move it (a new minute, one more message); the writer stores it
 * with the batch, so the count lives in the database without a statement of its own.
 */
export interface VisitorWindow {
  minute: number;
  count: number;
}

/**
 * The per-message checks of the adapter (ownership, site membership, abuse limits), made for a
 * whole batch at once inside its transaction, so they cost a few statements per batch instead
 * of several per message: a refusal or null per item, in order. `retry`: its clientId is stored.
 * `window`: one object per conversation, shared by its items.
 */
export type BatchGuard = (
  tx: SqlRunner,
  items: readonly { input: PostInput & { poster: Poster }; conversation: PostedConversation; retry: boolean; window: VisitorWindow }[],
) => Promise<(DomainError | null)[]>;

export interface PostResult {
  message: MessageDto;
  /** false when this was a retry of a message already stored */
  created: boolean;
  conversation: PostedConversation;
}

/**
 * `authorName`: read in the batch's transaction; `attachments`: known for created rows (no query
 * needed for their DTO), absent for retries. `error`: a refusal (DomainError), or what failed
 * this item alone when its batch was split (writeWithRetry).
 */
export type Outcome =
  | { ok: true; row: MessageRow; created: boolean; conversation: PostedConversation; authorName: string | null; attachments?: AttachmentDto[] }
  | { ok: false; error: Error };

type Draft = Exclude<Outcome, { ok: true }> | Omit<Extract<Outcome, { ok: true }>, "authorName">;

/** The drafts with their authors' names (read in one statement for the whole batch). */
function named(names: ReadonlyMap<string, string | null>, drafts: readonly Draft[]): Outcome[] {
  return drafts.map((d) => (d.ok ? { ...d, authorName: d.row.authorId ? (names.get(d.row.authorId) ?? null) : null } : d));
}

const MAX_BATCH = 256;

interface ConvState {
  id: string;
  siteId: string;
  visitorId: string;
  assigneeId: string | null;
  lastSeq: number;
  status: string;
  firstResponseAt: Date | null;
  window: VisitorWindow;
}

/** Writes a batch in one transaction; one outcome per input, in order. */
export async function writeMessages(db: Db, inputs: readonly PostInput[], guard?: BatchGuard): Promise<Outcome[]> {
  const convIds = [...new Set(inputs.map((i) => i.conversationId))];
  // Direct statements on SQLite (db/sql.ts): a batch is a dozen statements, and through Prisma
  // each cost ~150 µs, which capped group commit at a few thousand messages a second.
  const sql = sqlOf(db);
  return sql.transaction(async (tx) => {
    // The conversation rows are locked before anything is read, so no other writer can hand out
    // the same seqs: touching them takes their row locks (PostgreSQL). A direct SQLite transaction
    // holds the database's write lock from BEGIN; the touch cost it ~70 µs a batch for nothing.
    if (!sql.lockedFromBegin) await tx.$executeRaw`UPDATE "Conversation" SET "lastSeq" = "lastSeq" WHERE "id" IN (${Prisma.join(convIds)})`;
    const convRows = await tx.$queryRaw<(Omit<ConvState, "window"> & { visitorMinute: number; visitorMinuteCount: number })[]>`SELECT "id", "siteId", "visitorId", "assigneeId", "lastSeq", "status", "firstResponseAt", "visitorMinute", "visitorMinuteCount"
      FROM "Conversation" WHERE "id" IN (${Prisma.join(convIds)})`;
    const convs = new Map<string, ConvState>(
      convRows.map(({ visitorMinute, visitorMinuteCount, ...c }) => [
        c.id,
        { ...c, lastSeq: Number(c.lastSeq), window: { minute: Number(visitorMinute), count: Number(visitorMinuteCount) } },
      ]),
    );
    // (conversation, clientId) pairs: two IN lists made SQLite look up every combination of them
    // (2,500 index probes for a batch of 50; 640 µs against 65 µs).
    const pairs = Prisma.join(inputs.map((i) => Prisma.sql`(${i.conversationId}, ${i.clientId})`));
    const stored = await tx.$queryRaw<MessageRow[]>`SELECT "id", "conversationId", "seq", "authorKind", "authorId", "body", "clientId", "note", "createdAt"
      FROM "Message" WHERE ("conversationId", "clientId") IN (VALUES ${pairs})`;
    const byKey = new Map<string, MessageRow>(stored.map((m) => [`${m.conversationId}\u0000${m.clientId}`, m]));
    const claims = await attachmentClaims(tx, inputs);
    const refusals = await guarded(tx, inputs, convs, byKey, guard);

    const now = new Date();
    const fresh: MessageRow[] = [];
    const firstResponders = new Set<string>();
    const drafts: Draft[] = inputs.map((input) => {
      const key = `${input.conversationId}\u0000${input.clientId}`;
      const refusal = refusals.get(input);
      if (refusal) return { ok: false, error: refusal };
      const conv = convs.get(input.conversationId);
      const existing = byKey.get(key);
      // A duplicate inside this batch is answered like a retry, with the same row.
      if (existing && conv) return { ok: true, row: existing, created: false, conversation: posted(conv) };
      if (!conv) return { ok: false, error: new DomainError("not_found", "No such conversation") };
      if (conv.status === "closed") return { ok: false, error: new DomainError("conflict", "This conversation is closed") };
      const refused = claims.refuse(input);
      if (refused) return { ok: false, error: refused };
      conv.lastSeq += 1;
      const row: MessageRow = {
        id: timeOrderedId(now.getTime()),
        conversationId: input.conversationId,
        seq: conv.lastSeq,
        authorKind: input.authorKind,
        authorId: input.authorId,
        body: input.body,
        clientId: input.clientId,
        note: input.note ?? false,
        createdAt: now,
      };
      if (input.authorKind === "agent" && !row.note && conv.firstResponseAt === null) {
        conv.firstResponseAt = now;
        firstResponders.add(input.conversationId);
      }
      byKey.set(key, row);
      fresh.push(row);
      return { ok: true, row, created: true, conversation: posted(conv), attachments: claims.bind(row.id, input) };
    });
    const names = await authorNames(tx, drafts.flatMap((d) => (d.ok ? [d.row] : [])));
    if (fresh.length === 0) return named(names, drafts);

    await insertMessages(tx, fresh);
    const attached = await claims.commit(tx);
    // Same transaction: a message.created event exists exactly when its message does.
    await recordMessages(tx, fresh, convs, names, attached);
    const touched = [...new Set(fresh.map((r) => r.conversationId))].map((id) => convs.get(id) as ConvState);
    // One UPDATE ... FROM a VALUES list (VALUES names its columns column1... on both databases):
    // a CASE per column compared every row with every WHEN, 2 ms for a batch of 256.
    const values = Prisma.join(
      touched.map((c) => Prisma.sql`(${c.id}, CAST(${c.lastSeq} AS INTEGER), CAST(${c.window.minute} AS INTEGER), CAST(${c.window.count} AS INTEGER))`),
    );
    await tx.$executeRaw`UPDATE "Conversation" SET "lastSeq" = v."lastSeq", "visitorMinute" = v."minute", "visitorMinuteCount" = v."count"
      FROM (SELECT "column1" AS "id", "column2" AS "lastSeq", "column3" AS "minute", "column4" AS "count" FROM (VALUES ${values}) AS x) AS v
      WHERE "Conversation"."id" = v."id"`;
    if (firstResponders.size) {
      await tx.$executeRaw`UPDATE "Conversation" SET "firstResponseAt" = ${now} WHERE "id" IN (${Prisma.join([...firstResponders])}) AND "firstResponseAt" IS NULL`;
    }
    return named(names, drafts);
  });
}

/**
 * One multi-row INSERT in raw SQL. Prisma's createMany hands every value of every row to its query
 * compiler (WebAssembly) on each call, which made it the writer's largest cost per message (the
 * batch profile: ~30% of CPU in the compiler's input encoding); a raw statement skips it. Values
 * are bound parameters; Dates and booleans are stored as Prisma stores them (driver adapters).
 */
async function insertMessages(tx: SqlRunner, rows: readonly MessageRow[]): Promise<void> {
  const values = rows.map(
    (r) =>
      Prisma.sql`(${r.id}, ${r.conversationId}, CAST(${r.seq} AS INTEGER), ${r.authorKind}, ${r.authorId}, ${r.body}, ${r.clientId}, ${r.note}, ${r.createdAt})`,
  );
  await tx.$executeRaw`INSERT INTO "Message" ("id", "conversationId", "seq", "authorKind", "authorId", "body", "clientId", "note", "createdAt") VALUES ${Prisma.join(values)}`;
}

const posted = (c: ConvState): PostedConversation => ({ id: c.id, siteId: c.siteId, visitorId: c.visitorId, assigneeId: c.assigneeId });

/** Runs the guard over the items that name a poster and whose conversation exists. */
async function guarded(
  tx: SqlRunner,
  inputs: readonly PostInput[],
  convs: ReadonlyMap<string, ConvState>,
  stored: ReadonlyMap<string, MessageRow>,
  guard: BatchGuard | undefined,
): Promise<Map<PostInput, DomainError>> {
  const refusals = new Map<PostInput, DomainError>();
  if (!guard) return refusals;
  const items = inputs.flatMap((input) => {
    const conv = convs.get(input.conversationId);
    if (!conv || !input.poster) return [];
    const retry = stored.has(`${input.conversationId}\u0000${input.clientId}`);
    return [{ input: { ...input, poster: input.poster }, original: input, conversation: posted(conv), retry, window: conv.window }];
  });
  if (items.length === 0) return refusals;
  const verdicts = await guard(tx, items);
  items.forEach((item, i) => {
    const refusal = verdicts[i];
    if (refusal) refusals.set(item.original, refusal);
  });
  return refusals;
}

/**
 * Writes one batch. When it fails for something an item may have brought (a concurrent writer
 * beat it to a clientId, an attachment it reserved was gone at write time, a value the database
 * refuses), the items are written one by one so each gets its own answer: one bad item never fails
 * the other messages of its batch. A database that cannot be reached fails the batch whole.
 */
export async function writeWithRetry(db: Db, inputs: readonly PostInput[], guard?: BatchGuard): Promise<Outcome[]> {
  try {
    return await writeMessages(db, inputs, guard);
  } catch (err) {
    if (inputs.length > 1 && !isDatabaseUnavailable(err)) return eachAlone(inputs, (one) => writeWithRetry(db, one, guard), (error): Outcome => ({ ok: false, error }));
    if (!isUniqueViolation(err) && !(err instanceof ClaimConflict)) throw err;
    try {
      return await writeMessages(db, inputs, guard);
    } catch (again) {
      if (again instanceof ClaimConflict) return [{ ok: false, error: again }];
      throw again;
    }
  }
}

/** Outcomes to what callers get: a PostResult each, or the error it failed with. */
export async function toResults(db: Db, outcomes: readonly Outcome[]): Promise<(PostResult | Error)[]> {
  // Only retries' attachments are not at hand (no statement when there are none).
  const loaded = await attachmentsByMessage(db, outcomes.flatMap((o) => (o.ok && !o.attachments ? [o.row.id] : [])));
  return outcomes.map((o) =>
    o.ok
      ? { message: { ...toMessageDto(o.row, o.authorName), attachments: o.attachments ?? loaded.get(o.row.id) ?? [] }, created: o.created, conversation: o.conversation }
      : o.error,
  );
}

/** Posts, group-committed (scale/batch.ts): concurrent posts share one transaction. */
export class MessageWriter {
  private readonly batches: GroupCommit<PostInput, PostResult>;

  /** `guard`: the adapter's per-message checks, run once per batch (BatchGuard) */
  constructor(db: Db, guard?: BatchGuard) {
    this.batches = new GroupCommit<PostInput, PostResult>(async (inputs) => toResults(db, await writeWithRetry(db, inputs, guard)), MAX_BATCH);
  }

  post(input: PostInput): Promise<PostResult> {
    return this.batches.add(input);
  }

  /** Resolves when nothing is waiting to be written (shutdown flushes before closing the db). */
  idle(): Promise<void> {
    return this.batches.idle();
  }
}
