// The REST API for integrations (/api/v1/conversations...): list and read conversations and
// their messages, post an agent message, close. Writes go through the same domain functions as
// the console's socket events and tell live clients through the app's notifier.
import { randomUUID } from "node:crypto";
import { Router, type Request } from "express";
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { DomainError } from "../errors.ts";
import { closeConversation, getConversation } from "../conversations/service.ts";
import { getApiConversation, listConversations, messagesPage } from "../conversations/listing.ts";
import type { MessageWriter } from "../conversations/message-writer.ts";
import type { Notifier } from "../realtime/notifier.ts";
import { actorOf, type ApiAccess } from "./api-access.ts";
import { parseBody, route } from "./routes-kit.ts";
import * as s from "./rest-schemas.ts";

/** What only exists once the app is wired (Socket.IO, the message writer); read per request. */
export interface LiveDeps {
  notifier: Notifier;
  messages: MessageWriter;
}

export function pathId(req: Request, key: string): string {
  const parsed = s.id.safeParse(req.params[key]);
  if (!parsed.success) throw new DomainError("bad_request", `${key}: not an id`);
  return parsed.data;
}

export function restRoutes(db: Db, log: Logger, access: ApiAccess, live: () => LiveDeps): Router {
  const r = Router();

  r.get(
    "/conversations",
    route(async (req, res) => {
      await access.require(req, "conversations:read");
      const q = parseBody(s.conversationListQuery, req.query);
      const filter = {
        status: q.status,
        siteId: q.siteId,
        assigneeId: q.assigneeId,
        visitorId: q.visitorId,
        createdAfter: q.createdAfter ? new Date(q.createdAfter) : undefined,
        createdBefore: q.createdBefore ? new Date(q.createdBefore) : undefined,
      };
      res.json(await listConversations(db, filter, { limit: q.limit, cursor: q.cursor }));
    }),
  );

  r.get(
    "/conversations/:id",
    route(async (req, res) => {
      await access.require(req, "conversations:read");
      res.json(await getApiConversation(db, pathId(req, "id")));
    }),
  );

  r.get(
    "/conversations/:id/messages",
    route(async (req, res) => {
      await access.require(req, "conversations:read");
      const id = pathId(req, "id");
      const q = parseBody(s.messageListQuery, req.query);
      if (!(await getConversation(db, id))) throw new DomainError("not_found", "No such conversation");
      res.json(await messagesPage(db, id, { afterSeq: q.cursor ? Number(q.cursor) : 0, limit: q.limit, notes: q.notes === "true" }));
    }),
  );

  r.post(
    "/conversations/:id/messages",
    route(async (req, res) => {
      const caller = await access.require(req, "conversations:write");
      const id = pathId(req, "id");
      const input = parseBody(s.postMessageBody, req.body);
      const conv = await getConversation(db, id);
      if (!conv) throw new DomainError("not_found", "No such conversation");
      if (input.agentId && !(await db.agent.findFirst({ where: { id: input.agentId, active: true }, select: { id: true } }))) {
        throw new DomainError("bad_request", "agentId: no such active agent");
      }
      const { notifier, messages } = live();
      const posted = await messages.post({
        conversationId: id,
        authorKind: "agent",
        authorId: input.agentId ?? null,
        clientId: input.clientId ?? `api_${randomUUID()}`,
        body: input.body,
        note: input.note ?? false,
      });
      if (posted.created) {
        notifier.message(posted.message, conv);
        log.info({ conversationId: id, messageId: posted.message.id, ...actorOf(caller) }, "message posted via api");
      }
      res.status(posted.created ? 201 : 200).json(posted.message);
    }),
  );

  r.post(
    "/conversations/:id/close",
    route(async (req, res) => {
      const caller = await access.require(req, "conversations:write");
      const id = pathId(req, "id");
      const result = await closeConversation(db, id);
      if (result.closed) {
        log.info({ conversationId: id, ...actorOf(caller) }, "conversation closed via api");
        const { notifier } = live();
        await notifier.conversation(id);
        await notifier.routing.closed(result);
      }
      res.json(await getApiConversation(db, id));
    }),
  );
  return r;
}
