// The /visitor namespace: widget connections. Thin: authenticate the handshake (site key,
// allowed origin, visitor token), validate each event, call the domain, notify.
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import type { Config } from "../config.ts";
import { TokenBucket } from "../auth/rate-limit.ts";
import { originAllowed, requestOrigin, sameOrigin } from "../auth/origins.ts";
import { abuseLimits, ipMessageLimiter, isBlocked } from "../auth/abuse.ts";
import { socketClientIp } from "../auth/client-ip.ts";
import { DomainError } from "../errors.ts";
import { toConversationDto } from "../conversations/dto.ts";
import * as conversations from "../conversations/service.ts";
import { allowedOriginsOf } from "../sites/service.ts";
import { createVisitor, toVisitorDto, updateVisitor, type VisitorRow } from "../visitors/service.ts";
import { hashToken } from "../auth/tokens.ts";
import { handshakeSites, visitorsByTokenHash } from "../visitors/handshake-reads.ts";
import { openConversationsOf } from "../conversations/reads.ts";
import type { ConversationOpener } from "../conversations/opener.ts";
import { sqlOf } from "../db/sql.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { batchLoader, writeBehind } from "../scale/batch.ts";
import type { Metrics } from "../metrics.ts";
import { handle } from "./handler.ts";
import { registerVisitorWidgetEvents } from "./widget-events.ts";
import { registerVisitorRoutingEvents } from "./routing-events.ts";
import type { Notifier } from "./notifier.ts";
import type { MessageWriter } from "../conversations/message-writer.ts";
import * as s from "./schemas.ts";
import { releasingOnRefusal } from "../scale/connection-limit.ts";
import { rooms, type VisitorNamespace, type VisitorSocket } from "./types.ts";

export interface VisitorDeps {
  db: Db;
  config: Config;
  log: Logger;
  metrics: Metrics;
  notifier: Notifier;
  /** group-committing message store (conversations/message-writer.ts) */
  messages: MessageWriter;
  /** group-committing conversation opens (conversations/opener.ts) */
  opener: ConversationOpener;
}

/** Handshake errors carry a code in `data`, so the widget can tell "not allowed" from "down". */
function refuse(code: string, message: string): Error {
  return Object.assign(new Error(message), { data: { code } });
}

/** `idle`: resolves once the written-behind last-seen times are stored (shutdown, before the database closes). */
export function setupVisitorNamespace(nsp: VisitorNamespace, deps: VisitorDeps): { idle(): Promise<void> } {
  const { db, log } = deps;
  // one budget per address for the whole namespace, whichever socket the messages come on
  const admitIpMessage = ipMessageLimiter(abuseLimits());

  // A restart brings every widget back at once: the handshake's reads are batched per tick and
  // its last-seen write goes behind (server/scale/batch.ts).
  // The site and whether it blocks anyone come in one raw statement (visitors/handshake-reads.ts).
  const siteByKey = batchLoader((keys: string[]) => handshakeSites(sqlOf(db), keys));
  const visitorByTokenHash = batchLoader((hashes: string[]) => visitorsByTokenHash(sqlOf(db), hashes));
  const openConversationOf = batchLoader((visitorIds: string[]) => openConversationsOf(sqlOf(db), visitorIds));
  const lastSeen = writeBehind(
    (ids: string[]) => sqlOf(db).$executeRaw`UPDATE "Visitor" SET "lastSeenAt" = ${new Date()} WHERE "id" IN (${Prisma.join(ids)})`,
    (err) => log.warn({ err }, "visitor last-seen update failed"),
  );

  nsp.use(
    releasingOnRefusal((socket, next) => {
      const auth = s.visitorAuth.safeParse(socket.handshake.auth);
      if (!auth.success) return next(refuse("bad_request", "A site key is required"));
      void (async () => {
        const site = await siteByKey(auth.data.siteKey);
        if (!site) return next(refuse("not_found", "Unknown site"));
        // The widget's iframe is Parley's own page (its CSP frame-ancestors holds the site's
        // origins), so it connects from Parley's origin; other pages must be allowed origins.
        const { host, referer } = socket.handshake.headers;
        const origin = requestOrigin(socket.handshake.headers.origin, referer, host);
        if (!originAllowed(origin, allowedOriginsOf(site)) && !sameOrigin(origin, host)) {
          log.warn({ siteId: site.id, origin: socket.handshake.headers.origin }, "visitor refused: origin not allowed");
          return next(refuse("forbidden", "This page's origin is not allowed for this site"));
        }
        const byToken = auth.data.token ? await visitorByTokenHash(hashToken(auth.data.token)) : undefined;
        const known = byToken && byToken.siteId === site.id ? byToken : null;
        // Blocks are rare: the precise check runs only for a site that has any.
        if (site.hasBlocks && (await isBlocked(db, { siteId: site.id, visitorId: known?.id, ip: socketClientIp(socket.handshake) }))) {
          log.info({ siteId: site.id, visitorId: known?.id ?? null }, "visitor refused: blocked");
          return next(refuse("blocked", "You cannot start a chat on this site"));
        }
        if (known && auth.data.token) {
          socket.data = { siteId: site.id, visitorId: known.id, token: auth.data.token };
          handshakeVisitor.set(socket, { row: known, fresh: false });
        } else {
          const created = await createVisitor(sqlOf(db), site.id);
          socket.data = { siteId: site.id, visitorId: created.visitor.id, token: created.token };
          handshakeVisitor.set(socket, { row: created.visitor, fresh: true });
        }
        next();
      })().catch((err: unknown) => {
        log.error({ err }, "visitor handshake failed");
        next(refuse("unavailable", "Try again later"));
      });
    }),
  );

  nsp.on("connection", (socket) => {
    void onConnection(socket, deps, admitIpMessage, { touch: (id) => lastSeen.add(id), openConversationOf }).catch((err: unknown) => {
      log.error({ err }, "visitor connection setup failed");
      socket.disconnect(true);
    });
  });
  return { idle: () => lastSeen.idle() };
}

/**
 * The visitor row the handshake read or created, handed to the connection (no second read);
 * `fresh`: created by this handshake, so it has no conversation yet and none is looked for.
 */
const handshakeVisitor = new WeakMap<VisitorSocket, { row: VisitorRow; fresh: boolean }>();

/** The connection's share of the handshake batching (setupVisitorNamespace). */
interface Batched {
  /** records the visitor's last-seen time, written behind */
  touch(visitorId: string): void;
  openConversationOf(visitorId: string): Promise<Awaited<ReturnType<typeof openConversationsOf>> extends Map<string, infer C> ? C | undefined : never>;
}

async function onConnection(socket: VisitorSocket, deps: VisitorDeps, admitIpMessage: (ip: string) => void, batched: Batched): Promise<void> {
  const { db, config, log, metrics, notifier } = deps;
  const { siteId, visitorId } = socket.data;
  metrics.visitorsConnected.inc();
  socket.on("disconnect", () => metrics.visitorsConnected.dec());
  const bucket = new TokenBucket(config.rateBurst, config.ratePerSecond);
  // Every visitor row of the policy admits verified and unverified visitors alike; what an
  // identified visitor may see more is decided by identify itself (visitors/identify.ts).
  const principal = { kind: "visitor" as const, siteId, visitorId, identified: false };
  const ctx = (event: string) => ({ bucket, log, event, nsp: "visitor" as const, principal });
  registerVisitorWidgetEvents(socket, deps, ctx);
  registerVisitorRoutingEvents(socket, deps, ctx);

  /** The conversation, only if it is this visitor's; anything else is "not found" (no oracle). */
  const own = async (conversationId: string) => {
    const conv = await conversations.getConversation(db, conversationId);
    if (!conv || conv.visitorId !== visitorId) throw new DomainError("not_found", "No such conversation");
    return conv;
  };

  socket.on(
    "conversation:open",
    handle(ctx("conversation:open"), s.openConversation, async (input) => {
      if (input.name !== undefined || input.email !== undefined || input.fields) {
        await updateVisitor(db, visitorId, { name: input.name, email: input.email, attributes: input.fields });
      }
      const { conversation, created } = await deps.opener.open({ siteId, visitorId, openKey: input.clientId, ip: socketClientIp(socket.handshake) });
      if (input.message) {
        const posted = await deps.messages.post({
          conversationId: conversation.id,
          authorKind: "visitor",
          authorId: visitorId,
          clientId: input.message.clientId,
          body: input.message.body,
          // through the guard like any message: it counts towards the visitor's minute
          poster: { kind: "visitor", visitorId, siteId },
        });
        if (posted.created) notifier.message(posted.message, conversation, socket.id);
      }
      if (created) {
        log.info({ conversationId: conversation.id, siteId }, "conversation opened");
        await notifier.conversation(conversation.id);
        // Not awaited: a site's positions are pushed at most every 200 ms, and the open's answer
        // must not wait for the next round.
        void notifier.queuePositions(siteId);
        void notifier.drain();
      }
      // Read last: the answer is never older than a conversation:updated (say, assigned)
      // already sent, which the widget would otherwise overwrite with "queued".
      const messages = await conversations.messagesSince(db, conversation.id, 0, { notes: false });
      const fresh = (await conversations.getConversation(db, conversation.id)) ?? conversation;
      return { conversation: toConversationDto(fresh), messages };
    }),
  );

  socket.on(
    "message:send",
    handle(ctx("message:send"), s.sendMessage, async (input) => {
      admitIpMessage(socketClientIp(socket.handshake));
      // Ownership and the per-conversation limit are checked with the writer's batch, in its
      // transaction (realtime/message-guard.ts): no statement of its own per message.
      const posted = await deps.messages.post({ ...input, authorKind: "visitor", authorId: visitorId, poster: { kind: "visitor", visitorId, siteId } });
      if (posted.created) notifier.message(posted.message, posted.conversation, socket.id);
      return posted.message;
    }),
  );

  socket.on(
    "messages:since",
    handle(ctx("messages:since"), s.since, async (input) => {
      await own(input.conversationId);
      return conversations.messagesSince(db, input.conversationId, input.afterSeq, { notes: false });
    }),
  );

  socket.on(
    "conversation:close",
    handle(ctx("conversation:close"), s.conversationRef, async (input) => {
      await own(input.conversationId);
      const result = await conversations.closeConversation(db, input.conversationId);
      if (result.closed) {
        await notifier.conversation(input.conversationId);
        await notifier.routing.closed(result);
      }
      return toConversationDto(result.conversation);
    }),
  );

  socket.on(
    "conversation:rate",
    handle(ctx("conversation:rate"), s.rate, async (input) => {
      await own(input.conversationId);
      const conv = await conversations.rateConversation(db, input.conversationId, input.rating);
      await notifier.conversation(conv.id);
      return toConversationDto(conv);
    }),
  );

  socket.on(
    "visitor:update",
    handle(ctx("visitor:update"), s.visitorUpdate, async (input) => toVisitorDto(await updateVisitor(db, visitorId, input))),
  );

  socket.on(
    "typing",
    handle(ctx("typing"), s.visitorTyping, async (input) => {
      const conv = await own(input.conversationId);
      const targets = [rooms.watching(conv.id)];
      if (conv.assigneeId) targets.push(rooms.agent(conv.assigneeId));
      notifier.typingToAgents(targets, input);
    }),
  );

  await socket.join(rooms.visitor(visitorId));
  const handed = handshakeVisitor.get(socket);
  const row = handed?.row ?? (await db.visitor.findUniqueOrThrow({ where: { id: visitorId } }));
  const visitor = { ...row, lastSeenAt: new Date() };
  // A visitor created by this handshake has just been stamped: no conversation, no last-seen write.
  if (!handed?.fresh) batched.touch(visitorId);
  const open = handed?.fresh ? undefined : await batched.openConversationOf(visitorId);
  socket.emit("session", { token: socket.data.token, visitor: toVisitorDto(visitor), conversation: open ? toConversationDto(open) : null });
  if (open?.status === "queued") await notifier.queuePositions(siteId);
}
