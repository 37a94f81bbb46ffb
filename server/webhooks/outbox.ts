// The webhook outbox: domain functions call these inside the transaction that makes the change,
// so an event is stored exactly when its change commits (no window where one exists without the
// other). Delivery is the dispatcher's business (dispatcher.ts); nothing here touches the network.
import { randomUUID } from "node:crypto";
import { Prisma } from "../db/generated/sqlite/client.ts";
import type { SqlRunner } from "../db/sql.ts";
import { toConversationDto, toMessageDto, type MessageRow } from "../conversations/dto.ts";
import { conversationsWhere } from "../conversations/reads.ts";
import type { AgentRef, AttachmentDto, ConversationDto, WebhookEventType, WebhookMessageDto, WebhookPayloads } from "../protocol.ts";

export function newEventId(): string {
  return `evt_${randomUUID().replaceAll("-", "")}`;
}

/**
 * Whether any enabled endpoint takes `type` (with notes, when `notes`). Read inside the change's
 * transaction: an endpoint that commits later did not exist when the change happened, so the
 * event is not its to receive, and a server without webhooks stores no events at all.
 */
async function subscribed(tx: SqlRunner, type: WebhookEventType, notes = false): Promise<boolean> {
  // Raw SQL: this runs in every transaction that makes an event (each message batch, open,
  // assignment), and a compiled Prisma query costs a WebAssembly compile per call. `events` is a
  // JSON array of type names, which hold no LIKE wildcards.
  const pattern = `%${JSON.stringify(type)}%`;
  const rows = notes
    ? await tx.$queryRaw<unknown[]>`SELECT 1 AS "x" FROM "WebhookEndpoint" WHERE "enabled" = ${true} AND "includeNotes" = ${true} AND "events" LIKE ${pattern} LIMIT 1`
    : await tx.$queryRaw<unknown[]>`SELECT 1 AS "x" FROM "WebhookEndpoint" WHERE "enabled" = ${true} AND "events" LIKE ${pattern} LIMIT 1`;
  return rows.length > 0;
}

/** Stores one event; `payload` is only built (it may read rows) when someone subscribed. */
export async function recordEvent<T extends WebhookEventType>(tx: SqlRunner, type: T, payload: () => WebhookPayloads[T] | Promise<WebhookPayloads[T]>, at = new Date()): Promise<void> {
  await recordEvents(tx, type, [payload], at);
}

/** recordEvent for several changes of one transaction: one subscription check, one insert. */
export async function recordEvents<T extends WebhookEventType>(
  tx: SqlRunner,
  type: T,
  payloads: readonly (() => WebhookPayloads[T] | Promise<WebhookPayloads[T]>)[],
  at = new Date(),
): Promise<void> {
  if (payloads.length === 0 || !(await subscribed(tx, type))) return;
  const rows: EventRow[] = [];
  for (const payload of payloads) rows.push({ type, payload: await payload(), at });
  await insertEvents(tx, rows);
}

interface EventRow {
  type: WebhookEventType;
  payload: unknown;
  at: Date;
}

/** The events in one insert. */
async function insertEvents(tx: SqlRunner, rows: readonly EventRow[]): Promise<void> {
  const values = rows.map((r) => Prisma.sql`(${newEventId()}, ${r.type}, ${JSON.stringify(r.payload)}, ${r.at})`);
  await tx.$executeRaw`INSERT INTO "WebhookEvent" ("id", "type", "payload", "createdAt") VALUES ${Prisma.join(values)}`;
}

/** The conversation as it stands inside the transaction (after the change). */
export async function conversationNow(tx: SqlRunner, conversationId: string): Promise<ConversationDto> {
  const [row] = await conversationsWhere(tx, Prisma.sql`c."id" = ${conversationId}`);
  if (!row) throw new Error(`outbox: conversation ${conversationId} not found`);
  return toConversationDto(row);
}

export async function agentRef(tx: SqlRunner, agentId: string): Promise<AgentRef> {
  const rows = await tx.$queryRaw<AgentRef[]>`SELECT "id", "name" FROM "Agent" WHERE "id" = ${agentId}`;
  return rows[0] ?? { id: agentId, name: "" };
}

/** One `message.created` per stored message, written with the batch that stored them. */
export async function recordMessages(
  tx: SqlRunner,
  rows: readonly MessageRow[],
  convs: ReadonlyMap<string, { siteId: string; visitorId: string }>,
  names: ReadonlyMap<string, string | null>,
  attachments: ReadonlyMap<string, AttachmentDto[]> = new Map(),
): Promise<void> {
  if (rows.length === 0 || !(await subscribed(tx, "message.created"))) return;
  if (rows.every((r) => r.note) && !(await subscribed(tx, "message.created", true))) return;
  const data = rows.map((r) => {
    const conv = convs.get(r.conversationId);
    const message: WebhookMessageDto = {
      ...toMessageDto(r, r.authorId ? (names.get(r.authorId) ?? null) : null),
      attachments: attachments.get(r.id) ?? [],
      siteId: conv?.siteId ?? "",
      visitorId: conv?.visitorId ?? "",
    };
    const payload: WebhookPayloads["message.created"] = { message };
    return { type: "message.created" as const, payload, at: r.createdAt };
  });
  await insertEvents(tx, data);
}
