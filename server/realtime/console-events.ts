// Console events on the /agent namespace beyond the backbone's: tags, the visitor's past
// conversations, the agent list for transfers.
import { toAgentDto } from "../agents/service.ts";
import { toConversationDto } from "../conversations/dto.ts";
import { getConversation } from "../conversations/service.ts";
import { pastConversations } from "../conversations/history.ts";
import { setTags } from "../conversations/tags.ts";
import type { Db } from "../db/client.ts";
import { conversationFor, type Principal } from "../auth/policy.ts";
import { DomainError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { handle, type HandlerContext } from "./handler.ts";
import type { Notifier } from "./notifier.ts";
import * as s from "./schemas.ts";
import { consoleSchemas as cs } from "./console-schemas.ts";
import type { AgentSocket } from "./types.ts";

export function registerConsoleEvents(socket: AgentSocket, deps: { db: Db; log: Logger; notifier: Notifier }, ctx: (event: string) => HandlerContext): void {
  const { db, log, notifier } = deps;
  const { agentId } = socket.data;
  const me: Principal = { kind: "agent", agentId, role: socket.data.role };

  socket.on(
    "conversation:tags",
    handle(ctx("conversation:tags"), cs.conversationTags, async ({ conversationId, tags }) => {
      await conversationFor(db, me, "conversation:write", conversationId);
      await setTags(db, conversationId, tags);
      log.info({ conversationId, agentId, count: tags.length }, "conversation tagged");
      await notifier.conversation(conversationId);
      const conv = await getConversation(db, conversationId);
      if (!conv) throw new DomainError("not_found", "No such conversation");
      return toConversationDto(conv);
    }),
  );

  socket.on(
    "visitor:conversations",
    handle(ctx("visitor:conversations"), s.conversationRef, async ({ conversationId }) => {
      await conversationFor(db, me, "conversation:read", conversationId);
      return pastConversations(db, conversationId);
    }),
  );

  socket.on(
    "agents:list",
    handle(ctx("agents:list"), s.empty, async () =>
      (await db.agent.findMany({ where: { active: true }, orderBy: [{ name: "asc" }, { id: "asc" }], take: 500 })).map(toAgentDto),
    ),
  );
}
