// Widget events beyond the backbone's: read receipts (visitor and agent side), identify and the
// offline form. Registered from the two namespaces' connection handlers.
import type { Db } from "../db/client.ts";
import { conversationFor } from "../auth/policy.ts";
import { abuseLimits } from "../auth/abuse.ts";
import { socketClientIp } from "../auth/client-ip.ts";
import type { Logger } from "../logger.ts";
import { DomainError } from "../errors.ts";
import { toConversationDto } from "../conversations/dto.ts";
import { getConversation, messagesSince } from "../conversations/service.ts";
import { leaveOfflineMessage } from "../conversations/offline-message.ts";
import { markRead } from "../conversations/read-receipts.ts";
import type { Reader, ReadReceiptDto } from "../protocol.ts";
import { siteSettingsOf } from "../sites/settings.ts";
import { identifyVisitor } from "../visitors/identify.ts";
import { toVisitorDto } from "../visitors/service.ts";
import { handle, type HandlerContext } from "./handler.ts";
import type { Notifier } from "./notifier.ts";
import type { AgentSocket, VisitorSocket } from "./types.ts";
import { widgetSchemas as ws } from "./widget-schemas.ts";

interface Deps {
  db: Db;
  log: Logger;
  notifier: Notifier;
}
type Ctx = (event: string) => HandlerContext;

async function read(deps: Deps, reader: Reader, input: { conversationId: string; seq: number }, visitorId: string | null): Promise<ReadReceiptDto> {
  const conv = await getConversation(deps.db, input.conversationId);
  // A visitor only ever learns of their own conversations: anything else is "not found".
  if (!conv || (visitorId !== null && conv.visitorId !== visitorId)) throw new DomainError("not_found", "No such conversation");
  const result = await markRead(deps.db, conv.id, reader, input.seq);
  const receipt = { conversationId: conv.id, reader, seq: result.seq };
  if (result.changed) deps.notifier.readReceipt(conv, receipt);
  return receipt;
}

export function registerVisitorWidgetEvents(socket: VisitorSocket, deps: Deps, ctx: Ctx): void {
  const { db, log, notifier } = deps;
  const { siteId, visitorId } = socket.data;

  socket.on(
    "conversation:read",
    handle(ctx("conversation:read"), ws.read, (input) => read(deps, "visitor", input, visitorId)),
  );

  socket.on(
    "visitor:identify",
    handle(ctx("visitor:identify"), ws.identify, async (input) => {
      const site = await db.site.findUniqueOrThrow({ where: { id: siteId } });
      const visitor = await identifyVisitor(db, visitorId, { identitySecret: site.identitySecret, requireIdentity: siteSettingsOf(site).requireIdentity }, input);
      log.info({ visitorId, siteId, verified: visitor.externalId !== null }, "visitor identified");
      return toVisitorDto(visitor);
    }),
  );

  socket.on(
    "conversation:offline",
    handle(ctx("conversation:offline"), ws.offline, async (input) => {
      const left = await leaveOfflineMessage(db, abuseLimits(), { siteId, visitorId, ...input, ip: socketClientIp(socket.handshake) });
      const conv = left.conversation;
      if (left.posted.created) notifier.message(left.posted.message, conv);
      if (left.created) {
        log.info({ conversationId: conv.id, siteId }, "offline message left");
        await notifier.conversation(conv.id);
        await notifier.queuePositions(siteId);
        void notifier.drain();
      }
      const fresh = (await getConversation(db, conv.id)) ?? conv;
      return { conversation: toConversationDto(fresh), messages: await messagesSince(db, conv.id, 0, { notes: false }) };
    }),
  );
}

export function registerAgentReadEvents(socket: AgentSocket, deps: Deps, ctx: Ctx): void {
  socket.on(
    "conversation:read",
    handle(ctx("conversation:read"), ws.read, async (input) => {
      await conversationFor(deps.db, { kind: "agent", agentId: socket.data.agentId, role: socket.data.role }, "conversation:read", input.conversationId);
      return read(deps, "agent", input, null);
    }),
  );
}
