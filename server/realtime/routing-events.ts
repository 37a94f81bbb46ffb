// Routing events on both namespaces: the agent's status, the queue, accept (manual pick-up),
// transfer and reopen; and the visitor's reopen. Thin: validate, call the engine, notify.
import type { Db } from "../db/client.ts";
import { conversationFor, type Principal } from "../auth/policy.ts";
import type { Logger } from "../logger.ts";
import { toAgentDto } from "../agents/service.ts";
import { toConversationDto } from "../conversations/dto.ts";
import { getConversation } from "../conversations/service.ts";
import { listSummaries } from "../conversations/summary.ts";
import { DomainError } from "../errors.ts";
import { acceptConversation } from "../routing/accept.ts";
import { reopenConversation, type ReopenBy } from "../routing/reopen.ts";
import { sitesOf } from "../routing/state.ts";
import { changeStatus } from "../routing/status.ts";
import { transferConversation } from "../routing/transfer.ts";
import { handle, type HandlerContext } from "./handler.ts";
import type { Notifier } from "./notifier.ts";
import * as s from "./schemas.ts";
import { rooms, type AgentSocket, type VisitorSocket } from "./types.ts";

interface Deps {
  db: Db;
  log: Logger;
  notifier: Notifier;
}
type Ctx = (event: string) => HandlerContext;

async function current(db: Db, conversationId: string) {
  const conv = await getConversation(db, conversationId);
  if (!conv) throw new DomainError("not_found", "No such conversation");
  return toConversationDto(conv);
}

async function reopen(deps: Deps, conversationId: string, by: ReopenBy) {
  const { db, log, notifier } = deps;
  const result = await reopenConversation(db, conversationId, by);
  log.info({ conversationId, agentId: result.assigned?.agentId ?? null, by: "agentId" in by ? "agent" : "visitor" }, "conversation reopened");
  if (result.assigned) await notifier.routing.assigned([result.assigned]);
  else {
    await notifier.conversation(conversationId);
    await notifier.routing.queuePositions(result.siteId);
    void notifier.drain();
  }
  return current(db, conversationId);
}

export function registerAgentRoutingEvents(socket: AgentSocket, deps: Deps, ctx: Ctx): void {
  const { db, log, notifier } = deps;
  const { agentId, role } = socket.data;
  const me: Principal = { kind: "agent", agentId, role };

  socket.on(
    "agent:status",
    handle(ctx("agent:status"), s.agentStatus, async ({ status }) => {
      const { agent, released } = await changeStatus(db, agentId, status);
      log.info({ agentId, status, requeued: released.length }, "agent status");
      socket.nsp.to(rooms.agent(agentId)).emit("agent:updated", toAgentDto(agent));
      if (released.length) await notifier.routing.released(released);
      if (status === "online") void notifier.drain();
      return toAgentDto(agent);
    }),
  );

  socket.on(
    "queue:list",
    handle(ctx("queue:list"), s.empty, async () => listSummaries(db, { status: "queued", siteIds: await sitesOf(db, agentId) })),
  );

  socket.on(
    "conversation:accept",
    handle(ctx("conversation:accept"), s.conversationRef, async ({ conversationId }) => {
      await conversationFor(db, me, "conversation:accept", conversationId);
      const assignment = await acceptConversation(db, conversationId, agentId);
      await notifier.routing.assigned([assignment]);
      return current(db, conversationId);
    }),
  );

  socket.on(
    "conversation:transfer",
    handle(ctx("conversation:transfer"), s.transfer, async ({ conversationId, toAgentId }) => {
      await conversationFor(db, me, "conversation:transfer", conversationId);
      const result = await transferConversation(db, { conversationId, actor: { agentId, role }, toAgentId });
      log.info({ conversationId, from: result.released.agentId, to: toAgentId ?? "queue", by: agentId }, "conversation transferred");
      await notifier.routing.released([result.released]);
      if (result.assigned) await notifier.routing.assigned([result.assigned], { transfer: true });
      return current(db, conversationId);
    }),
  );

  socket.on(
    "conversation:reopen",
    handle(ctx("conversation:reopen"), s.conversationRef, async ({ conversationId }) => {
      await conversationFor(db, me, "conversation:write", conversationId);
      return reopen(deps, conversationId, { agentId });
    }),
  );
}

export function registerVisitorRoutingEvents(socket: VisitorSocket, deps: Deps, ctx: Ctx): void {
  const { visitorId } = socket.data;
  socket.on(
    "conversation:reopen",
    handle(ctx("conversation:reopen"), s.conversationRef, async ({ conversationId }) => reopen(deps, conversationId, { visitorId })),
  );
}
