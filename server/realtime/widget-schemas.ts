// zod schemas for the widget's own socket events (widget-events.ts) and the agent's read mark.
import { z } from "zod";
import { body, clientId, id } from "./schemas.ts";

const seq = z.number().int().min(0);

export const widgetSchemas = {
  read: z.strictObject({ conversationId: id, seq }),
  identify: z.strictObject({
    id: z.string().trim().min(1).max(200),
    name: z.string().trim().min(1).max(120).optional(),
    email: z.email().max(254).optional(),
    hash: z.string().regex(/^[0-9a-fA-F]{64}$/, "hex HMAC-SHA256 of the id (64 characters)").optional(),
  }),
  offline: z.strictObject({
    clientId,
    email: z.email().max(254),
    name: z.string().trim().min(1).max(120).optional(),
    message: z.strictObject({ clientId, body }),
  }),
};
