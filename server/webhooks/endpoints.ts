// Webhook endpoints: what admins register (URL, events, secret, notes opt-in, on/off).
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import { parseJsonArray } from "../json-text.ts";
import type { WebhookEndpointDto, WebhookEventType } from "../protocol.ts";
import { checkDestination, type Resolver } from "./destination.ts";
import { isWebhookEventType } from "./event-types.ts";

export interface EndpointRow {
  id: string;
  url: string;
  description: string;
  events: string;
  secret: string;
  includeNotes: boolean;
  enabled: boolean;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface EndpointInput {
  url: string;
  description?: string;
  events: WebhookEventType[];
  includeNotes?: boolean;
  enabled?: boolean;
  /** generated when omitted */
  secret?: string;
}

export interface Guard {
  allowHosts: readonly string[];
  resolve?: Resolver;
}

export function eventsOf(row: { events: string }): WebhookEventType[] {
  return parseJsonArray(row.events).filter(isWebhookEventType);
}

export function toEndpointDto(row: EndpointRow): WebhookEndpointDto {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: eventsOf(row),
    includeNotes: row.includeNotes,
    enabled: row.enabled,
    failingSince: row.failingSince?.toISOString() ?? null,
    secretHint: row.secret.slice(-4),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString("base64url")}`;
}

/** Refuses a URL whose host is (or resolves to) an address Parley must not call. */
export async function assertDestination(url: string, guard: Guard): Promise<void> {
  const dest = await checkDestination(url, guard);
  if (!dest.ok) throw new DomainError("bad_request", `url: ${dest.reason}`);
}

export async function listEndpoints(db: Db) {
  return db.webhookEndpoint.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

export async function getEndpoint(db: Db, id: string) {
  const row = await db.webhookEndpoint.findUnique({ where: { id } });
  if (!row) throw new DomainError("not_found", "No such webhook endpoint");
  return row;
}

export async function createEndpoint(db: Db, input: EndpointInput, guard: Guard) {
  await assertDestination(input.url, guard);
  const secret = input.secret ?? newSecret();
  const row = await db.webhookEndpoint.create({
    data: {
      url: input.url,
      description: input.description ?? "",
      events: JSON.stringify([...new Set(input.events)]),
      includeNotes: input.includeNotes ?? false,
      enabled: input.enabled ?? true,
      secret,
    },
  });
  return { row, secret };
}

export async function updateEndpoint(db: Db, id: string, changes: Partial<EndpointInput>, guard: Guard) {
  await getEndpoint(db, id);
  if (changes.url !== undefined) await assertDestination(changes.url, guard);
  return db.webhookEndpoint.update({
    where: { id },
    data: {
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.events !== undefined ? { events: JSON.stringify([...new Set(changes.events)]) } : {}),
      ...(changes.includeNotes !== undefined ? { includeNotes: changes.includeNotes } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      ...(changes.secret !== undefined ? { secret: changes.secret } : {}),
    },
  });
}

export async function rotateSecret(db: Db, id: string) {
  await getEndpoint(db, id);
  const secret = newSecret();
  const row = await db.webhookEndpoint.update({ where: { id }, data: { secret } });
  return { row, secret };
}

/** Deletes the endpoint and its deliveries (and so stops their retries). */
export async function deleteEndpoint(db: Db, id: string) {
  const gone = await db.webhookEndpoint.deleteMany({ where: { id } });
  if (gone.count === 0) throw new DomainError("not_found", "No such webhook endpoint");
}
