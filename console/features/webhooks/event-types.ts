// The webhook event types the console offers (the server's list is the reference; a missing or
// extra name here fails to compile).
import type { WebhookEventType } from "../../../server/protocol.ts";

const ALL: Record<WebhookEventType, true> = {
  "conversation.created": true,
  "conversation.assigned": true,
  "conversation.transferred": true,
  "conversation.closed": true,
  "conversation.rated": true,
  "message.created": true,
  "visitor.identified": true,
};

export const EVENT_TYPES = Object.keys(ALL) as WebhookEventType[];
