// zod schemas for every socket payload. Strict objects: unknown keys are refused, not ignored,
// so a typo or a probe gets a clear error.
import { z } from "zod";
import { MAX_ATTACHMENTS_PER_MESSAGE, MAX_CLIENT_ID_LENGTH, MAX_MESSAGE_LENGTH } from "../protocol.ts";

export const id = z.string().min(1).max(64);
export const clientId = z.string().min(1).max(MAX_CLIENT_ID_LENGTH);
export const body = z
  .string()
  .max(MAX_MESSAGE_LENGTH, `at most ${MAX_MESSAGE_LENGTH} characters`)
  .refine((s) => s.trim().length > 0, "must not be empty");
const scalar = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);
export const attributes = z.record(z.string().min(1).max(64), scalar).refine((r) => Object.keys(r).length <= 50, "at most 50 attributes");
const name = z.string().trim().min(1).max(120);
const email = z.email().max(254);

export const visitorAuth = z.strictObject({
  siteKey: z.string().min(1).max(64),
  token: z.string().min(1).max(128).optional(),
  // socket.io-client adds these to the handshake when it reconnects, for connection state
  // recovery (on with REDIS_URL); Socket.IO itself reads them, Parley ignores them.
  pid: z.string().max(64).optional(),
  offset: z.string().max(64).optional(),
});

export const openConversation = z.strictObject({
  clientId,
  message: z.strictObject({ clientId, body }).optional(),
  name: name.optional(),
  email: email.optional(),
  fields: z.record(z.string().min(1).max(64), z.string().max(1000)).optional(),
});
// With attachments (uploaded first, docs/attachments.md) the text may be empty: a message needs
// a non-blank body or at least one attachment.
const sendFields = {
  conversationId: id,
  clientId,
  body: z.string().max(MAX_MESSAGE_LENGTH, `at most ${MAX_MESSAGE_LENGTH} characters`),
  attachmentIds: z.array(id).min(1).max(MAX_ATTACHMENTS_PER_MESSAGE, `at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments`).optional(),
};
const notEmpty = (m: { body: string; attachmentIds?: string[] }) => m.body.trim().length > 0 || (m.attachmentIds?.length ?? 0) > 0;
const emptyMessage = { message: "must not be empty", path: ["body"] };
export const sendMessage = z.strictObject(sendFields).refine(notEmpty, emptyMessage);
export const agentSendMessage = z.strictObject({ ...sendFields, note: z.boolean().optional() }).refine(notEmpty, emptyMessage);
export const since = z.strictObject({ conversationId: id, afterSeq: z.number().int().min(0) });
export const conversationRef = z.strictObject({ conversationId: id });
export const rate = z.strictObject({ conversationId: id, rating: z.number().int().min(1).max(5) });
export const visitorTyping = z.strictObject({ conversationId: id, typing: z.boolean(), preview: z.string().max(MAX_MESSAGE_LENGTH).optional() });
export const agentTyping = z.strictObject({ conversationId: id, typing: z.boolean() });
export const visitorUpdate = z.strictObject({ name: name.optional(), email: email.optional(), attributes: attributes.optional() });
export const agentStatus = z.strictObject({ status: z.enum(["online", "away", "offline"]) });
export const empty = z.strictObject({}).optional();
export const conversationList = z.strictObject({ status: z.enum(["queued", "assigned", "closed"]).optional(), mine: z.boolean().optional() });
/** conversation:transfer: no toAgentId = back to the queue */
export const transfer = z.strictObject({ conversationId: id, toAgentId: id.optional() });
