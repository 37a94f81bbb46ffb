import type { Namespace, Server, Socket } from "socket.io";
import type { AgentClientToServer, AgentServerToClient, VisitorClientToServer, VisitorServerToClient } from "../protocol.ts";

export interface VisitorSocketData {
  siteId: string;
  visitorId: string;
  token: string;
}
export interface AgentSocketData {
  agentId: string;
  role: "admin" | "agent";
}

export type VisitorNamespace = Namespace<VisitorClientToServer, VisitorServerToClient, Record<string, never>, VisitorSocketData>;
export type AgentNamespace = Namespace<AgentClientToServer, AgentServerToClient, Record<string, never>, AgentSocketData>;
export type VisitorSocket = Socket<VisitorClientToServer, VisitorServerToClient, Record<string, never>, VisitorSocketData>;
export type AgentSocket = Socket<AgentClientToServer, AgentServerToClient, Record<string, never>, AgentSocketData>;
export type ParleyIo = Server;

export const rooms = {
  visitor: (visitorId: string) => `visitor:${visitorId}`,
  agent: (agentId: string) => `agent:${agentId}`,
  /** agents who opened this conversation in the console */
  watching: (conversationId: string) => `watch:${conversationId}`,
  /** every connected agent: queue changes */
  agents: "agents",
} as const;
