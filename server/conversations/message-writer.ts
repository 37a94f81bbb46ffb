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
import { randomUUID } from "node:crypto";
import type { Db, Tx } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { DomainError } from "../errors.ts";
import type { AttachmentDto, AuthorKind, MessageDto } from "../protocol.ts";
import { attachmentClaims, ClaimConflict } from "../attachments/claims.ts";
import { recordMessages } from "../webhooks/outbox.ts";
import type { MessageRow } from "./dto.ts";
import { toMessageDtos } from "./message-dtos.ts";

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
 * The per-message checks of the adapter (ownership, site membership, abuse limits), made for a
 * whole batch at once inside its transaction, so they cost a few statements per batch instead
 * of several per message: a refusal or null per item, in order. `retry`: its clientId is stored.
 */
export type BatchGuard = (
  tx: Tx,
  items: readonly { input: PostInput & { poster: Poster }; conversation: PostedConversation; retry: boolean }[],
) => Promise<(DomainError | null)[]>;

export interface PostResult {
  message: MessageDto;
  /** false when this was a retry of a message already stored */
  created: boolean;
  conversation: PostedConversation;
}

/** `attachments`: known for created rows (no query needed for their DTO); absent for retries */
export type Outcome =
  | { ok: true; row: MessageRow; created: boolean; conversation: PostedConversation; attachments?: AttachmentDto[] }
  | { ok: false; error: DomainError };

const MAX_BATCH = 256;

interface ConvState {
  id: string;
  siteId: string;
  visitorId: string;
  assigneeId: string | null;
  lastSeq: number;
  status: string;
  firstResponseAt: Date | null;
}

/** Writes a batch in one transaction; one outcome per input, in order. */
export async function writeMessages(db: Db, inputs: readonly PostInput[], guard?: BatchGuard): Promise<Outcome[]> {
  const convIds = [...new Set(inputs.map((i) => i.conversationId))];
  return db.$transaction(async (tx) => {
    // Touching the rows first takes the write lock (a row lock on PostgreSQL, the database lock
    // on SQLite) before anything is read, so no other writer can hand out the same seqs.
    await tx.$executeRaw`UPDATE "Conversation" SET "lastSeq" = "lastSeq" WHERE "id" IN (${Prisma.join(convIds)})`;
    // Raw reads, like the INSERT below: a compiled Prisma query costs a WebAssembly compile per
    // call, and these two run for every batch (a batch of one message at low load).
    const convRows = await tx.$queryRaw<ConvState[]>`SELECT "id", "siteId", "visitorId", "assigneeId", "lastSeq", "status", "firstResponseAt"
      FROM "Conversation" WHERE "id" IN (${Prisma.join(convIds)})`;
    const convs = new Map<string, ConvState>(convRows.map((c) => [c.id, { ...c, lastSeq: Number(c.lastSeq) }]));
    const clientIds = [...new Set(inputs.map((i) => i.clientId))];
    const stored = await tx.$queryRaw<MessageRow[]>`SELECT "id", "conversationId", "seq", "authorKind", "authorId", "body", "clientId", "note", "createdAt"
      FROM "Message" WHERE "conversationId" IN (${Prisma.join(convIds)}) AND "clientId" IN (${Prisma.join(clientIds)})`;
    const byKey = new Map<string, MessageRow>(stored.map((m) => [`${m.conversationId}\u0000${m.clientId}`, m]));
    const claims = await attachmentClaims(tx, inputs);
    const refusals = await guarded(tx, inputs, convs, byKey, guard);

    const now = new Date();
    const fresh: MessageRow[] = [];
    const firstResponders = new Set<string>();
    const outcomes: Outcome[] = inputs.map((input) => {
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
        id: randomUUID(),
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
    if (fresh.length === 0) return outcomes;

    await insertMessages(tx, fresh);
    const attached = await claims.commit(tx);
    // Same transaction: a message.created event exists exactly when its message does.
    await recordMessages(tx, fresh, convs, attached);
    const touched = [...new Set(fresh.map((r) => r.conversationId))];
    const cases = Prisma.join(
      touched.map((id) => Prisma.sql`WHEN ${id} THEN CAST(${(convs.get(id) as ConvState).lastSeq} AS INTEGER)`),
      " ",
    );
    await tx.$executeRaw`UPDATE "Conversation" SET "lastSeq" = CASE "id" ${cases} END WHERE "id" IN (${Prisma.join(touched)})`;
    if (firstResponders.size) {
      await tx.conversation.updateMany({ where: { id: { in: [...firstResponders] }, firstResponseAt: null }, data: { firstResponseAt: now } });
    }
    return outcomes;
  });
}

/**
 * One multi-row INSERT in raw SQL. Prisma's createMany hands every value of every row to its query
 * compiler (WebAssembly) on each call, which made it the writer's largest cost per message (the
 * batch profile: ~30% of CPU in the compiler's input encoding); a raw statement skips it. Values
 * are bound parameters; Dates and booleans are stored as Prisma stores them (driver adapters).
 */
async function insertMessages(tx: Tx, rows: readonly MessageRow[]): Promise<void> {
  const values = rows.map(
    (r) =>
      Prisma.sql`(${r.id}, ${r.conversationId}, CAST(${r.seq} AS INTEGER), ${r.authorKind}, ${r.authorId}, ${r.body}, ${r.clientId}, ${r.note}, ${r.createdAt})`,
  );
  await tx.$executeRaw`INSERT INTO "Message" ("id", "conversationId", "seq", "authorKind", "authorId", "body", "clientId", "note", "createdAt") VALUES ${Prisma.join(values)}`;
}

const posted = (c: ConvState): PostedConversation => ({ id: c.id, siteId: c.siteId, visitorId: c.visitorId, assigneeId: c.assigneeId });

/** Runs the guard over the items that name a poster and whose conversation exists. */
async function guarded(
  tx: Tx,
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
    return [{ input: { ...input, poster: input.poster }, original: input, conversation: posted(conv), retry }];
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
 * Writes one batch, and when a concurrent writer beat it to a clientId (the unique key fired) or
 * an attachment it reserved was gone at write time (ClaimConflict), writes the items one by one
 * so each gets its own answer: one bad item never fails the other messages of its batch.
 */
export async function writeWithRetry(db: Db, inputs: readonly PostInput[], guard?: BatchGuard): Promise<Outcome[]> {
  try {
    return await writeMessages(db, inputs, guard);
  } catch (err) {
    if (!isUniqueViolation(err) && !(err instanceof ClaimConflict)) throw err;
    if (inputs.length === 1) {
      try {
        return await writeMessages(db, inputs, guard);
      } catch (again) {
        if (again instanceof ClaimConflict) return [{ ok: false, error: again }];
        throw again;
      }
    }
    const out: Outcome[] = [];
    for (const input of inputs) out.push(...(await writeWithRetry(db, [input], guard)));
    return out;
  }
}

interface Pending {
  input: PostInput;
  resolve: (r: PostResult) => void;
  reject: (err: unknown) => void;
}

/** Outcomes to what callers get: a PostResult each, or the DomainError it failed with. */
export async function toResults(db: Db, outcomes: readonly Outcome[]): Promise<(PostResult | DomainError)[]> {
  const rows = outcomes.flatMap((o) => (o.ok ? [o.row] : []));
  const known = new Map(outcomes.flatMap((o) => (o.ok && o.attachments ? [[o.row.id, o.attachments] as const] : [])));
  const dtos = await toMessageDtos(db, rows, known);
  let i = 0;
  return outcomes.map((o) => (o.ok ? { message: dtos[i++], created: o.created, conversation: o.conversation } : o.error));
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Group commit: one batch in flight at a time; everything that arrives meanwhile is the next. */
export class MessageWriter {
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;

  /** `guard`: the adapter's per-message checks, run once per batch (BatchGuard) */
  constructor(
    private readonly db: Db,
    private readonly guard?: BatchGuard,
  ) {}

  post(input: PostInput): Promise<PostResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves when nothing is waiting to be written (shutdown flushes before closing the db). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      // Let the event loop read what the sockets have before taking a batch. SQLite answers
      // synchronously, so a whole batch can run in microtasks without the loop ever polling:
      // without this turn every post found an empty queue and batches were of one message.
      while ((await nextTurn(), this.queue.length)) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const results = await toResults(this.db, await writeWithRetry(this.db, batch.map((p) => p.input), this.guard));
          batch.forEach((p, i) => {
            const r = results[i];
            if (r instanceof DomainError) p.reject(r);
            else p.resolve(r);
          });
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.running = null;
    }
  }
}
