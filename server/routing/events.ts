// The routing event log. Every writer calls logEvent inside its transaction after locking the rows
// the event is about, so per agent and per conversation the ids follow the commit order: the log
// can be replayed to check that capacity was never exceeded and no chat had two agents.
// Raw statements on a SqlRunner, so the same calls work in Prisma's transactions and direct ones.
import { Prisma } from "../db/generated/sqlite/client.ts";
import type { SqlRunner } from "../db/sql.ts";

export type RoutingEventKind = "queued" | "assigned" | "released" | "closed" | "status";

export interface RoutingEventInput {
  kind: RoutingEventKind;
  conversationId?: string | null;
  agentId?: string | null;
  /** the agent's openCount after the change, read under the row lock */
  openCount?: number | null;
  detail?: string | null;
  /** when it happened, stamped under the row lock (the log replays in this order); default: now */
  at?: Date;
}

export async function logEvent(tx: SqlRunner, e: RoutingEventInput): Promise<void> {
  await logEvents(tx, [e]);
}

/** Several events in one insert, ids in the order given (the order of the changes). */
export async function logEvents(tx: SqlRunner, events: readonly RoutingEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const values = events.map(
    (e) => Prisma.sql`(${e.kind}, ${e.conversationId ?? null}, ${e.agentId ?? null}, CAST(${e.openCount ?? null} AS INTEGER), ${e.detail ?? null}, ${e.at ?? new Date()})`,
  );
  await tx.$executeRaw`INSERT INTO "RoutingEvent" ("kind", "conversationId", "agentId", "openCount", "detail", "createdAt") VALUES ${Prisma.join(values)}`;
}

/** The agent's open count inside the transaction that just changed it. */
export async function openCountOf(tx: SqlRunner, agentId: string): Promise<number | null> {
  const rows = await tx.$queryRaw<{ openCount: number | bigint }[]>`SELECT "openCount" FROM "Agent" WHERE "id" = ${agentId}`;
  return rows.length ? Number(rows[0].openCount) : null;
}

/** Called by closeConversation inside its transaction, after freeing the agent's slot. */
export async function logClose(tx: SqlRunner, conv: { id: string; status: string; assigneeId: string | null }): Promise<void> {
  const agentId = conv.status === "assigned" ? conv.assigneeId : null;
  await logEvent(tx, { kind: "closed", conversationId: conv.id, agentId, openCount: agentId ? await openCountOf(tx, agentId) : null });
}
