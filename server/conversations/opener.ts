// Opening conversations, many at a time. A visitor has at most one open conversation: opening
// again returns it, and a retried open (same openKey) returns the conversation it created, by
// the unique (visitorId, openKey) key. A new conversation passes the abuse limits first (new
// conversations per visitor and per address, counted in AbuseEvent) and is recorded with them.
// Concurrent opens share one transaction (group commit): a burst of 1,000 widgets opening at once
// costs a few statements per batch, where one transaction per open cost a flush each and, through
// Prisma's compiled queries, ~8 ms of CPU.
import type { AbuseLimits } from "../auth/abuse.ts";
import { isLoopback } from "../auth/abuse.ts";
import type { Db } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { sqlOf, type SqlRunner } from "../db/sql.ts";
import { timeOrderedId } from "../db/time-ordered-id.ts";
import { DomainError } from "../errors.ts";
import { eachAlone, GroupCommit } from "../scale/batch.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { recordEvents } from "../webhooks/outbox.ts";
import { toConversationDto } from "./dto.ts";
import { conversationsWhere, openConversationsOf, type ConversationWithAssignee } from "./reads.ts";

export interface OpenInput {
  siteId: string;
  visitorId: string;
  openKey: string;
  /** the client's address: counted against the per-address limit unless it is loopback */
  ip: string;
}

export interface Opened {
  conversation: ConversationWithAssignee;
  created: boolean;
}

type Limits = Pick<AbuseLimits, "conversationsPerIp" | "conversationsPerVisitor" | "conversationWindowMs">;

const MAX_BATCH = 256;
/** a batch that lost a unique-key race to another process is simply run again (it then finds the row) */
const ATTEMPTS = 3;

const refused = () => new DomainError("rate_limited", "Too many new conversations from here; try again later");

function keysOf(input: OpenInput): string[] {
  return [`conv:visitor:${input.visitorId}`, ...(isLoopback(input.ip) ? [] : [`conv:ip:${input.ip}`])];
}

/**
 * Opens (or finds) a conversation for each input, in one transaction; a result or a refusal each.
 * A batch that fails for anything but a lost unique-key race or an unreachable database is opened
 * input by input, so one bad input fails only itself.
 */
export async function openConversations(db: Db, limits: Limits, inputs: readonly OpenInput[]): Promise<(Opened | Error)[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sqlOf(db).transaction((tx) => openIn(tx, limits, inputs));
    } catch (err) {
      if (isUniqueViolation(err) && attempt < ATTEMPTS) continue;
      if (inputs.length > 1 && !isDatabaseUnavailable(err)) return eachAlone(inputs, (one) => openConversations(db, limits, one), (error) => error);
      throw err;
    }
  }
}

async function openIn(tx: SqlRunner, limits: Limits, inputs: readonly OpenInput[]): Promise<(Opened | Error)[]> {
  const open = await openConversationsOf(tx, [...new Set(inputs.map((i) => i.visitorId))]);
  const retried = await byOpenKey(tx, inputs);
  const needed = inputs.filter((i) => !open.has(i.visitorId) && !retriedOf(retried, i));
  const counts = await recentCounts(tx, [...new Set(needed.flatMap(keysOf))], new Date(Date.now() - limits.conversationWindowMs));

  const now = new Date();
  const created: { conversation: ConversationWithAssignee; openKey: string }[] = [];
  const admitted: string[] = [];
  const results = inputs.map((input): Opened | Error => {
    // The visitor's open conversation comes first, also the one this batch just created for
    // another of their tabs: a late retry of an open whose conversation has since been closed
    // and followed by a new one must land the visitor in the new one.
    const current = open.get(input.visitorId);
    if (current) return { conversation: current, created: false };
    const again = retriedOf(retried, input);
    if (again) return { conversation: again, created: false };
    const keys = keysOf(input);
    const [byVisitor, byIp] = keys.map((k) => counts.get(k) ?? 0);
    if (byVisitor >= limits.conversationsPerVisitor || (byIp ?? 0) >= limits.conversationsPerIp) return refused();
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    admitted.push(...keys);
    const conversation: ConversationWithAssignee = {
      id: timeOrderedId(now.getTime()),
      siteId: input.siteId,
      visitorId: input.visitorId,
      status: "queued",
      assigneeId: null,
      assignee: null,
      lastSeq: 0,
      tags: "[]",
      rating: null,
      visitorReadSeq: 0,
      agentReadSeq: 0,
      createdAt: now,
      queuedAt: now,
      assignedAt: null,
      firstResponseAt: null,
      closedAt: null,
    };
    open.set(input.visitorId, conversation);
    created.push({ conversation, openKey: input.openKey });
    return { conversation, created: true };
  });
  if (created.length === 0) return results;

  await tx.$executeRaw`INSERT INTO "AbuseEvent" ("id", "key", "at") VALUES ${Prisma.join(admitted.map((key) => Prisma.sql`(${timeOrderedId(now.getTime())}, ${key}, ${now})`))}`;
  await tx.$executeRaw`INSERT INTO "Conversation" ("id", "siteId", "visitorId", "status", "openKey", "createdAt", "queuedAt") VALUES ${Prisma.join(
    created.map(({ conversation: c, openKey }) => Prisma.sql`(${c.id}, ${c.siteId}, ${c.visitorId}, 'queued', ${openKey}, ${now}, ${now})`),
  )}`;
  // Same transaction: a conversation.created event exists exactly when its conversation does.
  await recordEvents(
    tx,
    "conversation.created",
    created.map(({ conversation }) => () => ({ conversation: toConversationDto(conversation) })),
    now,
  );
  return results;
}

const keyOf = (visitorId: string, openKey: string) => `${visitorId}\u0000${openKey}`;

/** Conversations these opens created before (a retry), by visitor and openKey; usually none. */
async function byOpenKey(tx: SqlRunner, inputs: readonly OpenInput[]): Promise<Map<string, ConversationWithAssignee>> {
  const pairs = Prisma.join(inputs.map((i) => Prisma.sql`(${i.visitorId}, ${i.openKey})`));
  const found = await tx.$queryRaw<{ id: string; visitorId: string; openKey: string }[]>`SELECT "id", "visitorId", "openKey" FROM "Conversation"
    WHERE ("visitorId", "openKey") IN (VALUES ${pairs})`;
  if (found.length === 0) return new Map();
  const rows = new Map((await conversationsWhere(tx, Prisma.sql`c."id" IN (${Prisma.join(found.map((f) => f.id))})`)).map((c) => [c.id, c]));
  return new Map(found.flatMap((f) => (rows.has(f.id) ? [[keyOf(f.visitorId, f.openKey), rows.get(f.id) as ConversationWithAssignee]] : [])));
}

function retriedOf(retried: ReadonlyMap<string, ConversationWithAssignee>, input: OpenInput): ConversationWithAssignee | undefined {
  return retried.get(keyOf(input.visitorId, input.openKey));
}

/** Abuse events per key since `since` (one statement; keys without any are absent). */
async function recentCounts(tx: SqlRunner, keys: readonly string[], since: Date): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const rows = await tx.$queryRaw<{ key: string; n: number | bigint }[]>`SELECT "key", COUNT(*) AS "n" FROM "AbuseEvent"
    WHERE "key" IN (${Prisma.join([...keys])}) AND "at" >= ${since} GROUP BY "key"`;
  return new Map(rows.map((r) => [r.key, Number(r.n)]));
}

/** Opens, group-committed (scale/batch.ts). */
export class ConversationOpener {
  private readonly batches: GroupCommit<OpenInput, Opened>;

  constructor(db: Db, limits: Limits) {
    this.batches = new GroupCommit<OpenInput, Opened>((inputs) => openConversations(db, limits, inputs), MAX_BATCH);
  }

  open(input: OpenInput): Promise<Opened> {
    return this.batches.add(input);
  }

  idle(): Promise<void> {
    return this.batches.idle();
  }
}
