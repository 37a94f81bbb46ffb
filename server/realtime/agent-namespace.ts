// The /agent namespace: console connections, authenticated by the session cookie.
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import type { Config } from "../config.ts";
import { TokenBucket } from "../auth/rate-limit.ts";
import { agentForSession, readCookie, SESSION_COOKIE } from "../auth/sessions.ts";
import { conversationFor, visibleSiteIds, type Action, type Principal } from "../auth/policy.ts";
import { DomainError } from "../errors.ts";
import { toAgentDto } from "../agents/service.ts";
import { toConversationDto } from "../conversations/dto.ts";
import * as conversations from "../conversations/service.ts";
import { listSummaries, summaryOf } from "../conversations/summary.ts";
import type { Metrics } from "../metrics.ts";
import { registerConsoleEvents } from "./console-events.ts";
import { registerBlockEvents } from "./block-events.ts";
import { handle } from "./handler.ts";
import { registerAgentReadEvents } from "./widget-events.ts";
import { registerAgentRoutingEvents } from "./routing-events.ts";
import type { Notifier } from "./notifier.ts";
import type { MessageWriter } from "../conversations/message-writer.ts";
import type { Presence } from "./presence.ts";
import * as s from "./schemas.ts";
import { rooms, type AgentNamespace, type AgentSocket } from "./types.ts";
import { releasingOnRefusal } from "../scale/connection-limit.ts";

export interface AgentDeps {
  db: Db;
  config: Config;
  log: Logger;
  metrics: Metrics;
  notifier: Notifier;
  /** group-committing message store (conversations/message-writer.ts) */
  messages: MessageWriter;
  presence: Presence;
}

export function setupAgentNamespace(nsp: AgentNamespace, deps: AgentDeps): void {
  const { db, log } = deps;
  nsp.use(
    releasingOnRefusal((socket, next) => {
      const token = readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
      agentForSession(db, token).then(
        (agent) => {
          if (!agent) return next(Object.assign(new Error("Sign in first"), { data: { code: "unauthorized" } }));
          socket.data = { agentId: agent.id, role: agent.role === "admin" ? "admin" : "agent" };
          next();
        },
        (err: unknown) => {
          log.error({ err }, "agent handshake failed");
          next(Object.assign(new Error("Try again later"), { data: { code: "unavailable" } }));
        },
      );
    }),
  );
  nsp.on("connection", (socket) => {
    void onConnection(socket, deps).catch((err: unknown) => {
      log.error({ err }, "agent connection setup failed");
      socket.disconnect(true);
    });
  });
}

async function onConnection(socket: AgentSocket, deps: AgentDeps): Promise<void> {
  const { db, config, log, metrics, notifier, presence } = deps;
  const { agentId } = socket.data;
  metrics.agentsConnected.inc();
  presence.connected(agentId, socket.id);
  socket.on("disconnect", () => {
    metrics.agentsConnected.dec();
    presence.disconnected(agentId, socket.id);
  });
  const bucket = new TokenBucket(config.rateBurst, config.ratePerSecond);
  const caller: Principal = { kind: "agent", agentId, role: socket.data.role };
  const ctx = (event: string) => ({ bucket, log, event, nsp: "agent" as const, principal: caller });
  registerConsoleEvents(socket, deps, ctx);
  registerAgentReadEvents(socket, deps, ctx);
  registerAgentRoutingEvents(socket, deps, ctx);
  registerBlockEvents(socket, deps, ctx);

  // Only conversations of the agent's sites exist for them (auth/policy.ts).
  const existing = (conversationId: string, action: Action = "conversation:write") => conversationFor(db, caller, action, conversationId);

  socket.on(
    "conversation:list",
    handle(ctx("conversation:list"), s.conversationList, async (input) =>
      listSummaries(db, { status: input.status, assigneeId: input.mine ? agentId : undefined, siteIds: await visibleSiteIds(db, { agentId, role: socket.data.role }) }),
    ),
  );

  socket.on(
    "conversation:get",
    handle(ctx("conversation:get"), s.conversationRef, async ({ conversationId }) => {
      await existing(conversationId, "conversation:read");
      const conversation = await summaryOf(db, conversationId);
      if (!conversation) throw new DomainError("not_found", "No such conversation");
      await socket.join(rooms.watching(conversationId));
      return { conversation, messages: await conversations.messagesSince(db, conversationId, 0, { notes: true }) };
    }),
  );

  socket.on(
    "conversation:close",
    handle(ctx("conversation:close"), s.conversationRef, async ({ conversationId }) => {
      await existing(conversationId);
      const result = await conversations.closeConversation(db, conversationId);
      if (result.closed) {
        log.info({ conversationId, agentId }, "conversation closed");
        await notifier.conversation(conversationId);
        await notifier.routing.closed(result);
      }
      return toConversationDto(result.conversation);
    }),
  );

  socket.on(
    "message:send",
    handle(ctx("message:send"), s.agentSendMessage, async (input) => {
      // The writer's guard checks the agent's site with the whole batch (realtime/message-guard.ts).
      const posted = await deps.messages.post({ ...input, authorKind: "agent", authorId: agentId, poster: { kind: "agent", agentId, role: socket.data.role } });
      if (posted.created) notifier.message(posted.message, posted.conversation, socket.id);
      return posted.message;
    }),
  );

  socket.on(
    "messages:since",
    handle(ctx("messages:since"), s.since, async (input) => {
      await existing(input.conversationId, "conversation:read");
      return conversations.messagesSince(db, input.conversationId, input.afterSeq, { notes: true });
    }),
  );

  socket.on(
    "typing",
    handle(ctx("typing"), s.agentTyping, async (input) => {
      const conv = await existing(input.conversationId);
      notifier.typingToVisitor(conv.visitorId, { conversationId: conv.id, typing: input.typing });
    }),
  );

  await socket.join([rooms.agent(agentId), rooms.agents]);
  const me = await db.agent.findUnique({ where: { id: agentId } });
  if (me) socket.emit("agent:updated", toAgentDto(me));
}
