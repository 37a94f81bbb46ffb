// zod schemas for the console's own socket events (console-events.ts).
import { z } from "zod";
import { MAX_TAG_LENGTH, MAX_TAGS } from "../protocol.ts";
import { id } from "./schemas.ts";

export const consoleSchemas = {
  conversationTags: z.strictObject({
    conversationId: id,
    tags: z.array(z.string().trim().min(1).max(MAX_TAG_LENGTH)).max(MAX_TAGS),
  }),
};
