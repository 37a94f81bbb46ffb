// The REST API's shapes as zod schemas: requests are parsed with them, and the OpenAPI document
// (openapi.ts) is generated from them, so the document cannot drift from what the code accepts.
// Response schemas describe what the routes send (the REST tests check real responses with them).
import { z } from "zod";
import { MAX_CLIENT_ID_LENGTH, MAX_MESSAGE_LENGTH } from "../protocol.ts";
import { WEBHOOK_EVENT_TYPES } from "../webhooks/event-types.ts";

export const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "an id");
const iso = z.iso.datetime({ offset: true });
const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

// --- requests -------------------------------------------------------------------------------

export const conversationListQuery = z.strictObject({
  status: z.enum(["queued", "assigned", "closed"]).optional(),
  siteId: id.optional(),
  assigneeId: id.optional(),
  visitorId: id.optional(),
  createdAfter: iso.optional().describe("ISO 8601; inclusive"),
  createdBefore: iso.optional().describe("ISO 8601; exclusive"),
  limit: limit(100, 25),
  cursor: z.string().max(200).optional().describe("nextCursor of the previous page"),
});

export const messageListQuery = z.strictObject({
  cursor: z.string().regex(/^\d{1,10}$/, "nextCursor of the previous page").optional(),
  limit: limit(500, 100),
  notes: z.enum(["true", "false"]).default("false").describe("include private agent notes"),
});

export const postMessageBody = z.strictObject({
  body: z.string().trim().min(1).max(MAX_MESSAGE_LENGTH),
  clientId: z.string().min(1).max(MAX_CLIENT_ID_LENGTH).optional().describe("idempotency key: a retry with the same clientId returns the stored message"),
  note: z.boolean().optional().describe("a private note, never shown to the visitor"),
  agentId: id.optional().describe("post as this (active) agent; omitted: an agent message without an author (a bot)"),
});

const webhookEvents = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length);
const webhookFields = {
  url: z.string().trim().min(1).max(2000).describe("http(s); refused when it resolves to a private, loopback or link-local address"),
  description: z.string().trim().max(200),
  events: webhookEvents,
  includeNotes: z.boolean().describe("also send message.created for private agent notes"),
  enabled: z.boolean(),
  secret: z.string().min(16).max(200).describe("signing secret; generated when omitted"),
};
export const createWebhookBody = z.strictObject(webhookFields).partial({ description: true, includeNotes: true, enabled: true, secret: true });
export const updateWebhookBody = z.strictObject(webhookFields).partial();

export const deliveryListQuery = z.strictObject({
  state: z.enum(["pending", "delivered", "failed"]).optional(),
  limit: limit(100, 25),
  cursor: id.optional().describe("nextCursor of the previous page"),
});

// --- responses ------------------------------------------------------------------------------

export const errorResponse = z.object({
  error: z.object({
    code: z.enum(["bad_request", "unauthorized", "forbidden", "not_found", "conflict", "rate_limited", "too_large", "unsupported_type", "not_eligible", "unavailable", "internal"]),
    message: z.string(),
  }),
});

const agentRef = z.object({ id: z.string(), name: z.string() });

export const visitorDto = z.object({
  id: z.string(),
  siteId: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  identified: z.boolean(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  createdAt: iso,
  lastSeenAt: iso,
});

export const conversationDto = z.object({
  id: z.string(),
  siteId: z.string(),
  visitorId: z.string(),
  status: z.enum(["queued", "assigned", "closed"]),
  assignee: agentRef.nullable(),
  lastSeq: z.number().int(),
  tags: z.array(z.string()),
  rating: z.number().int().nullable(),
  visitorReadSeq: z.number().int(),
  agentReadSeq: z.number().int(),
  createdAt: iso,
  queuedAt: iso,
  assignedAt: iso.nullable(),
  firstResponseAt: iso.nullable(),
  closedAt: iso.nullable(),
});

export const apiConversationDto = conversationDto.extend({ visitor: visitorDto });

export const messageDto = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number().int().min(1),
  authorKind: z.enum(["visitor", "agent", "system"]),
  authorId: z.string().nullable(),
  authorName: z.string().nullable(),
  body: z.string(),
  clientId: z.string(),
  note: z.boolean(),
  createdAt: iso,
  attachments: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      mime: z.string().describe("the sniffed type"),
      size: z.number().int().min(0),
      kind: z.enum(["image", "audio", "file"]),
      durationMs: z.number().int().nullable(),
      url: z.string().describe("path on Parley's origin; GET it with the conversation's credentials"),
    }),
  ),
});

export const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const webhookEndpointDto = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  includeNotes: z.boolean(),
  enabled: z.boolean(),
  failingSince: iso.nullable(),
  secretHint: z.string(),
  createdAt: iso,
  updatedAt: iso,
});

export const createdWebhookEndpointDto = webhookEndpointDto.extend({ secret: z.string() });

export const webhookDeliveryDto = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.enum(WEBHOOK_EVENT_TYPES),
  state: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  nextAttemptAt: iso.nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastDurationMs: z.number().int().nullable(),
  deliveredAt: iso.nullable(),
  createdAt: iso,
  recentAttempts: z.array(
    z.object({ startedAt: iso, durationMs: z.number().int(), statusCode: z.number().int().nullable(), error: z.string().nullable() }),
  ),
});

export const webhookDeliveryPage = z.object({ items: z.array(webhookDeliveryDto), nextCursor: z.string().nullable() });

export const webhookEnvelope = z.object({
  id: z.string(),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  timestamp: iso,
  payload: z.record(z.string(), z.unknown()),
});
