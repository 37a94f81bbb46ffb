// Real socket.io-client connections and HTTP sign-in, as the widget and console make them.
import { io, type Socket } from "socket.io-client";
import type { TestServer } from "./server.ts";
import { emitAck, waitFor } from "./wait.ts";
import type { Ack, AgentDto, VisitorSessionDto } from "../../server/protocol.ts";

export type Transport = "websocket" | "polling";

const open: Socket[] = [];

/** Disconnects every client a test opened (call in afterEach). */
export function closeAllClients(): void {
  for (const s of open.splice(0)) s.disconnect();
}

export interface VisitorOptions {
  siteKey?: string;
  token?: string;
  origin?: string;
  transports?: Transport[];
}

/** A visitor socket, connected, with the `session` the server sent. */
/** An unconnected-yet visitor socket, as a host page on `origin` would open it. */
function visitorSocket(server: TestServer, opts: VisitorOptions): Socket {
  const socket = io(`${server.url}/visitor`, {
    auth: { siteKey: opts.siteKey ?? server.demoKey, ...(opts.token ? { token: opts.token } : {}) },
    extraHeaders: { origin: opts.origin ?? server.url },
    transports: opts.transports ?? ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  open.push(socket);
  return socket;
}

export async function connectVisitor(server: TestServer, opts: VisitorOptions = {}): Promise<{ socket: Socket; session: VisitorSessionDto }> {
  const socket = visitorSocket(server, opts);
  const session = waitFor<VisitorSessionDto>(socket, "session");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (err) => reject(err));
  });
  return { socket, session: await session };
}

/** Connects expecting a refusal; resolves with the handshake error. */
export function visitorRefused(server: TestServer, opts: VisitorOptions = {}): Promise<Error & { data?: { code?: string } }> {
  const socket = visitorSocket(server, opts);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("connection was accepted")));
    socket.once("connect_error", (err) => resolve(err as Error & { data?: { code?: string } }));
  });
}

/**
 * How a handshake with exactly these headers (nothing added, so no Origin unless given) ends:
 * "connected" or the refusal's code. For the origin and Referer rules.
 */
export function handshakeOutcome(server: TestServer, nsp: "/visitor" | "/agent", auth: Record<string, string>, headers: Record<string, string>, transport: Transport = "polling"): Promise<string> {
  return new Promise((resolve) => {
    const sock = io(`${server.url}${nsp}`, { auth, extraHeaders: headers, transports: [transport], reconnection: false, forceNew: true });
    sock.once("connect", () => {
      sock.disconnect();
      resolve("connected");
    });
    sock.once("connect_error", (err: Error & { data?: { code?: string } }) => {
      sock.disconnect();
      resolve(err.data?.code ?? err.message);
    });
  });
}

export async function login(server: TestServer, email: string, password = "correct horse battery"): Promise<{ cookie: string; agent: AgentDto }> {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: "POST",
    // The console sends this on every write; the server refuses session writes without it (CSRF).
    headers: { "content-type": "application/json", "x-parley-csrf": "1" },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0], agent: (await res.json()) as AgentDto };
}

export async function connectAgent(server: TestServer, cookie: string, transports: Transport[] = ["websocket"]): Promise<Socket> {
  const socket = io(`${server.url}/agent`, { extraHeaders: { cookie }, transports, reconnection: false, forceNew: true });
  open.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (err) => reject(err));
  });
  return socket;
}

/** Signs in and connects an agent, and sets it online. */
export async function onlineAgent(server: TestServer, email: string, transports: Transport[] = ["websocket"]): Promise<{ socket: Socket; agent: AgentDto; cookie: string }> {
  const { cookie, agent } = await login(server, email);
  const socket = await connectAgent(server, cookie, transports);
  const ack = await emitAck<Ack<AgentDto>>(socket, "agent:status", { status: "online" });
  if (!ack.ok) throw new Error(`could not go online: ${ack.error.code}`);
  return { socket, agent: ack.data, cookie };
}

/** Unwraps an ok ack or fails the test with the error. */
export function ok<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`expected ok ack, got ${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}
