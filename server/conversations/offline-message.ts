// The offline form: the visitor's message and email become a conversation tagged "offline",
// queued like any other, so agents see it when they come back.
import type { AbuseLimits } from "../auth/abuse.ts";
import type { Db } from "../db/client.ts";
import { OFFLINE_TAG } from "../protocol.ts";
import { parseJsonArray } from "../json-text.ts";
import { updateVisitor } from "../visitors/service.ts";
import { openConversation, postMessage, type PostResult } from "./service.ts";

export interface OfflineMessage {
  siteId: string;
  visitorId: string;
  clientId: string;
  email: string;
  name?: string;
  message: { clientId: string; body: string };
  /** the client's address, for the new-conversation limits */
  ip: string;
}

/** Past the new-conversation limits it throws rate_limited (and changes nothing but the visitor's details). */
export async function leaveOfflineMessage(db: Db, limits: AbuseLimits, input: OfflineMessage) {
  await updateVisitor(db, input.visitorId, { email: input.email, name: input.name });
  const opened = await openConversation(db, limits, { siteId: input.siteId, visitorId: input.visitorId, openKey: input.clientId, ip: input.ip });
  const tags = parseJsonArray(opened.conversation.tags);
  if (!tags.includes(OFFLINE_TAG)) {
    // Only this visitor's own open conversation is touched, and adding a tag twice is harmless.
    await db.conversation.update({ where: { id: opened.conversation.id }, data: { tags: JSON.stringify([...tags, OFFLINE_TAG]) } });
  }
  const posted: PostResult = await postMessage(db, {
    conversationId: opened.conversation.id,
    authorKind: "visitor",
    authorId: input.visitorId,
    clientId: input.message.clientId,
    body: input.message.body,
  });
  return { conversation: opened.conversation, created: opened.created, posted };
}
