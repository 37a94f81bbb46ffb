// The baselines' server: bare Socket.IO 4.8 with Parley's engine options, speaking just enough of
// Parley's protocol (same namespaces, events and payload shapes) that the load workers drive it
// with the very same code. Nothing is persisted and nothing is validated: it is the floor.
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { Server as IoServer } from "socket.io";
import { MAX_PACKET_BYTES, type ConversationDto, type MessageDto } from "../server/protocol.ts";
import type { ChatGroup, SeededAgent } from "./seed.ts";

interface Conv {
  id: string;
  visitorId: string;
  assigneeId: string | null;
  lastSeq: number;
}

export interface BareServer {
  url: string;
  httpServer: HttpServer;
  seedAgents(count: number): SeededAgent[];
  seedConversations(agents: readonly SeededAgent[], perAgent: number): ChatGroup[];
  close(): Promise<void>;
}

function conversationDto(c: Conv): ConversationDto {
  const now = new Date().toISOString();
  return {
    id: c.id,
    siteId: "bare",
    visitorId: c.visitorId,
    status: c.assigneeId ? "assigned" : "queued",
    assignee: c.assigneeId ? { id: c.assigneeId, name: c.assigneeId } : null,
    lastSeq: c.lastSeq,
    tags: [],
    rating: null,
    createdAt: now,
    queuedAt: now,
    assignedAt: c.assigneeId ? now : null,
    firstResponseAt: null,
    closedAt: null,
    visitorReadSeq: 0,
    agentReadSeq: 0,
  };
}

export async function startBareServer(port: number, host: string): Promise<BareServer> {
  const httpServer = createServer((_req, res) => res.writeHead(404).end());
  const io = new IoServer(httpServer, { maxHttpBufferSize: MAX_PACKET_BYTES, cors: { origin: true, credentials: true }, pingInterval: 20_000, pingTimeout: 20_000 });
  const convs = new Map<string, Conv>();
  const convOfVisitor = new Map<string, Conv>();
  const online = new Map<string, number>(); // agentId -> open chats
  const visitors = io.of("/visitor");
  const agents = io.of("/agent");

  const relay = (authorKind: "visitor" | "agent", authorId: string, input: unknown, ack: unknown) => {
    const { conversationId, clientId, body } = (input ?? {}) as { conversationId?: string; clientId?: string; body?: string };
    const conv = conversationId ? convs.get(conversationId) : undefined;
    if (typeof ack !== "function") return;
    if (!conv || typeof clientId !== "string" || typeof body !== "string") return ack({ ok: false, error: { code: "not_found", message: "No such conversation" } });
    conv.lastSeq += 1;
    const message: MessageDto = {
      id: `${conv.id}-${conv.lastSeq}`,
      conversationId: conv.id,
      seq: conv.lastSeq,
      authorKind,
      authorId,
      authorName: null,
      body,
      clientId,
      note: false,
      createdAt: new Date().toISOString(),
      attachments: [],
    };
    visitors.to(`visitor:${conv.visitorId}`).emit("message:new", message);
    if (conv.assigneeId) agents.to(`agent:${conv.assigneeId}`).emit("message:new", message);
    ack({ ok: true, data: message });
  };

  visitors.on("connection", (socket) => {
    const auth = socket.handshake.auth as { token?: string };
    const token = typeof auth.token === "string" && auth.token ? auth.token : `v_${randomBytes(12).toString("base64url")}`;
    const visitorId = token;
    void socket.join(`visitor:${visitorId}`);
    const open = convOfVisitor.get(visitorId);
    socket.emit("session", { token, visitor: { id: visitorId }, conversation: open ? conversationDto(open) : null });
    socket.on("message:send", (input: unknown, ack: unknown) => relay("visitor", visitorId, input, ack));
    socket.on("conversation:open", (input: unknown, ack: unknown) => {
      let conv = convOfVisitor.get(visitorId);
      if (!conv) {
        conv = { id: `c-${visitorId}`, visitorId, assigneeId: null, lastSeq: 0 };
        convs.set(conv.id, conv);
        convOfVisitor.set(visitorId, conv);
        // The same rule as Parley's router: the online agent with the fewest open chats.
        let best: string | null = null;
        for (const [id, n] of online) if (best === null || n < (online.get(best) ?? 0)) best = id;
        if (best) {
          conv.assigneeId = best;
          online.set(best, (online.get(best) ?? 0) + 1);
          agents.to(`agent:${best}`).emit("conversation:assigned", conversationDto(conv));
          visitors.to(`visitor:${visitorId}`).emit("conversation:updated", conversationDto(conv));
        }
      }
      if (typeof ack === "function") ack({ ok: true, data: { conversation: conversationDto(conv), messages: [] } });
    });
  });

  agents.on("connection", (socket) => {
    const cookie = socket.handshake.headers.cookie ?? "";
    const agentId = /parley_session=([^;]+)/.exec(cookie)?.[1] ?? socket.id;
    void socket.join(`agent:${agentId}`);
    socket.on("agent:status", (input: { status?: string }, ack: unknown) => {
      if (input?.status === "online") online.set(agentId, online.get(agentId) ?? 0);
      else online.delete(agentId);
      if (typeof ack === "function") ack({ ok: true, data: { id: agentId, status: input?.status ?? "offline" } });
    });
    socket.on("message:send", (input: unknown, ack: unknown) => relay("agent", agentId, input, ack));
    socket.on("disconnect", () => online.delete(agentId));
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, host, () => resolve());
  });
  const addr = httpServer.address() as AddressInfo;
  return {
    url: `http://${host}:${addr.port}`,
    httpServer,
    seedConversations(agents, perAgent) {
      return agents.map((agent, a) => {
        const conversations = [];
        for (let i = 0; i < perAgent; i++) {
          const visitorId = `v_${a}_${i}`;
          const conv: Conv = { id: `c_${a}_${i}`, visitorId, assigneeId: agent.agentId, lastSeq: 0 };
          convs.set(conv.id, conv);
          convOfVisitor.set(visitorId, conv);
          conversations.push({ conversationId: conv.id, visitorToken: visitorId });
        }
        return { ...agent, conversations };
      });
    },
    seedAgents(count) {
      return Array.from({ length: count }, (_, i) => ({ agentId: `a${i}`, cookie: `parley_session=a${i}` }));
    },
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}
