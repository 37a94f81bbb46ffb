// The /agent namespace: console connections, authenticated by the session cookie.
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import type { Config } from "../config.ts";
import { TokenBucket } from "../auth/rate-limit.ts";
import { agentForSession, readCookie, SESSION_COOKIE } from "../auth/sessions.ts";
import { DomainError } from "../errors.ts";
import { setAgentStatus, toAgentDto } from "../agents/service.ts";
import { toConversationDto } from "../conversations/dto.ts";
import * as conversations from "../conversations/service.ts";
import { listSummaries, summaryOf } from "../conversations/summary.ts";
import { claim } from "../routing/assign.ts";
import { effectiveCapacity } from "../routing/capacity.ts";
import type { Metrics } from "../metrics.ts";
import { registerConsoleEvents } from "./console-events.ts";
import { handle } from "./handler.ts";
import { registerAgentReadEvents } from "./widget-events.ts";
import type { Notifier } from "./notifier.ts";
import type { MessageWriter } from "../conversations/message-writer.ts";
import type { Presence } from "./presence.ts";
import * as s from "./schemas.ts";
import { rooms, type AgentNamespace, type AgentSocket } from "./types.ts";

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
  nsp.use((socket, next) => {
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
  });
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
  presence.connected(agentId);
  socket.on("disconnect", () => {
    metrics.agentsConnected.dec();
    presence.disconnected(agentId);
  });
  const bucket = new TokenBucket(config.rateBurst, config.ratePerSecond);
  const ctx = (event: string) => ({ bucket, log, event });
  registerConsoleEvents(socket, deps, ctx);
  registerAgentReadEvents(socket, deps, ctx);

  const existing = async (conversationId: string) => {
    const conv = await conversations.getConversation(db, conversationId);
    if (!conv) throw new DomainError("not_found", "No such conversation");
    return conv;
  };

  socket.on(
    "agent:status",
    handle(ctx("agent:status"), s.agentStatus, async ({ status }) => {
      const agent = toAgentDto(await setAgentStatus(db, agentId, status));
      log.info({ agentId, status }, "agent status");
      nsp(socket).to(rooms.agent(agentId)).emit("agent:updated", agent);
      if (status === "online") void notifier.drain();
      return agent;
    }),
  );

  socket.on(
    "queue:list",
    handle(ctx("queue:list"), s.empty, async () => listSummaries(db, { status: "queued" })),
  );

  socket.on(
    "conversation:list",
    handle(ctx("conversation:list"), s.conversationList, async (input) =>
      listSummaries(db, { status: input.status, assigneeId: input.mine ? agentId : undefined }),
    ),
  );

  socket.on(
    "conversation:get",
    handle(ctx("conversation:get"), s.conversationRef, async ({ conversationId }) => {
      const conversation = await summaryOf(db, conversationId);
      if (!conversation) throw new DomainError("not_found", "No such conversation");
      await socket.join(rooms.watching(conversationId));
      return { conversation, messages: await conversations.messagesSince(db, conversationId, 0, { notes: true }) };
    }),
  );

  socket.on(
    "conversation:accept",
    handle(ctx("conversation:accept"), s.conversationRef, async ({ conversationId }) => {
      const conv = await existing(conversationId);
      if (conv.status !== "queued") throw new DomainError("conflict", "Someone else already has this conversation");
      const [agent, site] = await Promise.all([
        db.agent.findUniqueOrThrow({ where: { id: agentId } }),
        db.site.findUniqueOrThrow({ where: { id: conv.siteId } }),
      ]);
      if (!(await claim(db, conversationId, agentId, effectiveCapacity(agent.maxChats, site.defaultCapacity)))) {
        const now = await existing(conversationId);
        throw now.status === "queued"
          ? new DomainError("not_eligible", "Go online and free a slot to accept more conversations")
          : new DomainError("conflict", "Someone else already has this conversation");
      }
      await notifier.announce([{ conversationId, agentId, siteId: conv.siteId }]);
      return toConversationDto(await existing(conversationId));
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
        if (result.freedAgentId) void notifier.drain();
      }
      return toConversationDto(result.conversation);
    }),
  );

  socket.on(
    "message:send",
    handle(ctx("message:send"), s.agentSendMessage, async (input) => {
      const conv = await existing(input.conversationId);
      const posted = await deps.messages.post({ ...input, authorKind: "agent", authorId: agentId });
      if (posted.created) notifier.message(posted.message, conv);
      return posted.message;
    }),
  );

  socket.on(
    "messages:since",
    handle(ctx("messages:since"), s.since, async (input) => {
      await existing(input.conversationId);
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

function nsp(socket: AgentSocket) {
  return socket.nsp;
}
