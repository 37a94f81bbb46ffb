// The events Parley sends to webhook endpoints (the list admins subscribe from).
import type { WebhookEventType } from "../protocol.ts";

export const WEBHOOK_EVENT_TYPES = [
  "conversation.created",
  "conversation.assigned",
  "conversation.transferred",
  "conversation.closed",
  "conversation.rated",
  "message.created",
  "visitor.identified",
] as const satisfies readonly WebhookEventType[];

// Fails to compile when protocol.ts gains an event type this list lacks.
type Missing = Exclude<WebhookEventType, (typeof WEBHOOK_EVENT_TYPES)[number]>;
const _complete: Missing extends never ? true : never = true;
void _complete;

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
