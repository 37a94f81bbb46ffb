// Agents block a conversation's visitor (optionally their address) on its site; the visitor's
// live sockets are dropped and every later handshake is refused with the code "blocked".
import { z } from "zod";
import { blockVisitor, unblockVisitor } from "../auth/abuse.ts";
import { socketClientIp } from "../auth/client-ip.ts";
import { conversationFor, type Principal } from "../auth/policy.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { handle, type HandlerContext } from "./handler.ts";
import { rooms, type AgentSocket } from "./types.ts";

const id = z.string().min(1).max(64);
const blockInput = z.strictObject({ conversationId: id, ip: z.boolean().optional() });
const unblockInput = z.strictObject({ conversationId: id });

export function registerBlockEvents(socket: AgentSocket, deps: { db: Db; log: Logger }, ctx: (event: string) => HandlerContext): void {
  const { db, log } = deps;
  const me: Principal = { kind: "agent", agentId: socket.data.agentId, role: socket.data.role };
  const visitors = () => socket.nsp.server.of("/visitor");

  socket.on(
    "visitor:block",
    handle(ctx("visitor:block"), blockInput, async ({ conversationId, ip }) => {
      const conv = await conversationFor(db, me, "visitor:block", conversationId);
      let address: string | null = null;
      if (ip) {
        // The address they are connected from now (any process, through the adapter).
        const live = await visitors().in(rooms.visitor(conv.visitorId)).fetchSockets();
        address = live.length ? socketClientIp(live[0].handshake) : null;
      }
      await blockVisitor(db, { siteId: conv.siteId, visitorId: conv.visitorId, ip: address, byAgentId: me.agentId });
      log.info({ conversationId, visitorId: conv.visitorId, siteId: conv.siteId, byIp: address !== null, agentId: me.agentId }, "visitor blocked");
      visitors().in(rooms.visitor(conv.visitorId)).disconnectSockets(true);
      return { blocked: true as const };
    }),
  );

  socket.on(
    "visitor:unblock",
    handle(ctx("visitor:unblock"), unblockInput, async ({ conversationId }) => {
      const conv = await conversationFor(db, me, "visitor:block", conversationId);
      await unblockVisitor(db, { siteId: conv.siteId, visitorId: conv.visitorId });
      log.info({ conversationId, visitorId: conv.visitorId, agentId: me.agentId }, "visitor unblocked");
      return { blocked: false as const };
    }),
  );
}
