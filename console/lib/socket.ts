// The console's Socket.IO connection to /agent (the session cookie authenticates it) and a
// typed request helper that turns acks into promises.
import { io, type Socket } from "socket.io-client";
import type { Ack, AckFn, AgentClientToServer, AgentServerToClient, ErrorCode } from "../../server/protocol.ts";

export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

export const REQUEST_TIMEOUT_MS = 10_000;

export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode | "timeout",
    message: string,
  ) {
    super(message);
  }
}

export function connectAgentSocket(): AgentSocket {
  return io("/agent", { withCredentials: true, reconnectionDelay: 500, reconnectionDelayMax: 5000 });
}

type Events = AgentClientToServer;
type InputOf<E extends keyof Events> = Parameters<Events[E]>[0];
type DataOf<E extends keyof Events> = Parameters<Events[E]>[1] extends AckFn<infer T> ? T : never;

interface AckEmitter {
  timeout(ms: number): { emitWithAck(event: string, input: unknown): Promise<unknown> };
}

export async function request<E extends keyof Events>(socket: AgentSocket, event: E, input: InputOf<E>): Promise<DataOf<E>> {
  let ack: Ack<DataOf<E>>;
  try {
    ack = (await (socket as unknown as AckEmitter).timeout(REQUEST_TIMEOUT_MS).emitWithAck(event, input)) as Ack<DataOf<E>>;
  } catch {
    throw new RequestError("timeout", "");
  }
  if (!ack.ok) throw new RequestError(ack.error.code, ack.error.message);
  return ack.data;
}
