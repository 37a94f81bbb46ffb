// Visitors and agents for the routing socket tests: a visitor that has opened a chat and records
// what the server pushes to it, and an agent that records what it is handed.
import type { Socket } from "socket.io-client";
import type { Ack, AgentDto, ConversationDto, ConversationSummaryDto, MessageDto, QueuePositionDto, UnassignedDto } from "../../server/protocol.ts";
import { connectAgent, connectVisitor, login, ok } from "../helpers/clients.ts";
import type { TestServer } from "../helpers/server.ts";
import { collect, emitAck, until, waitFor } from "../helpers/wait.ts";

export interface Visitor {
  socket: Socket;
  conversation: ConversationDto;
  positions: QueuePositionDto[];
  updates: ConversationDto[];
  /** a conversation:updated matching `predicate`, received after the first `since` ones (already, or when it comes) */
  update(predicate: (c: ConversationDto) => boolean, since?: number): Promise<ConversationDto>;
  /** likewise for queue:position */
  position(predicate: (p: QueuePositionDto) => boolean, since?: number): Promise<QueuePositionDto>;
}

async function arrived<T>(socket: Socket, list: T[], predicate: (x: T) => boolean, since: number): Promise<T> {
  await until(() => list.slice(since).some(predicate), socket);
  return list.slice(since).find(predicate) as T;
}

let opened = 0;

export async function openChat(server: TestServer, opts: { siteKey?: string; origin?: string } = {}): Promise<Visitor> {
  const { socket } = await connectVisitor(server, opts);
  const positions = collect<QueuePositionDto>(socket, "queue:position");
  const updates = collect<ConversationDto>(socket, "conversation:updated");
  const ack = await emitAck<Ack<{ conversation: ConversationDto; messages: MessageDto[] }>>(socket, "conversation:open", {
    clientId: `open-${++opened}`,
    message: { clientId: "m1", body: "Hello" },
  });
  return {
    socket,
    conversation: ok(ack).conversation,
    positions,
    updates,
    update: (predicate, since = 0) => arrived(socket, updates, predicate, since),
    position: (predicate, since = 0) => arrived(socket, positions, predicate, since),
  };
}

export interface Agent {
  socket: Socket;
  id: string;
  cookie: string;
  assigned: ConversationSummaryDto[];
  unassigned: UnassignedDto[];
}

/** Signs in, connects and goes online, listening before going online: a waiting chat may come at once. */
export async function agentOnline(server: TestServer, email: string): Promise<Agent> {
  const { cookie, agent } = await login(server, email);
  const socket = await connectAgent(server, cookie);
  const assigned = collect<ConversationSummaryDto>(socket, "conversation:assigned");
  const unassigned = collect<UnassignedDto>(socket, "conversation:unassigned");
  ok(await emitAck<Ack<AgentDto>>(socket, "agent:status", { status: "online" }));
  return { socket, id: agent.id, cookie, assigned, unassigned };
}

/** The conversation:assigned the agent got, or gets, for `conversationId`. */
export function handedTo(agent: Agent, conversationId: string): Promise<ConversationSummaryDto> {
  const seen = agent.assigned.find((c) => c.id === conversationId);
  if (seen) return Promise.resolve(seen);
  return waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned", (c) => c.id === conversationId);
}

/** The conversation:unassigned the agent got, or gets, for `conversationId`. */
export function takenFrom(agent: Agent, conversationId: string): Promise<UnassignedDto> {
  const seen = agent.unassigned.find((u) => u.conversationId === conversationId);
  if (seen) return Promise.resolve(seen);
  return waitFor<UnassignedDto>(agent.socket, "conversation:unassigned", (u) => u.conversationId === conversationId);
}
