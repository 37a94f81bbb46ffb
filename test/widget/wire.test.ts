// The widget's own Socket.IO client (widget/app/client/wire.ts) against a real Parley server, in
// Node: WebSocket (the `ws` package, as the browser's is missing here) and fetch long-polling.
// The browser tests run the same code in Chromium.
import { afterEach, describe, expect, it } from "vitest";
import type { Ack, ConversationDto, MessageDto, VisitorSessionDto } from "../../server/protocol.ts";
import { backoffDelay, createWire, retryAfterDelay, type ConnectError, type Transport, type Wire } from "../../widget/app/client/wire.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, ok, onlineAgent } from "../helpers/clients.ts";
import { waitFor } from "../helpers/wait.ts";

let server: TestServer | undefined;
const wires: Wire[] = [];
afterEach(async () => {
  for (const w of wires.splice(0)) w.disconnect();
  closeAllClients();
  await server?.close();
  server = undefined;
});

// A transitive dependency (of socket.io), loaded by name so the type checker does not need its types.
const WS_MODULE = "ws";
async function nodeWebSocket(origin: string): Promise<typeof WebSocket> {
  type NodeWs = new (url: string, protocols: string[], options: { origin: string }) => WebSocket;
  const { WebSocket: Base } = (await import(WS_MODULE)) as { WebSocket: NodeWs };
  // Browsers send their page's origin with the handshake; Parley checks it.
  class WithOrigin extends Base {
    constructor(url: string | URL) {
      super(String(url), [], { origin });
    }
  }
  return WithOrigin as unknown as typeof WebSocket;
}

function originFetch(origin: string): typeof fetch {
  return (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), origin } });
}

/** Resolves with the next payload of `event` on the wire. */
function next<T>(wire: Wire, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), timeoutMs);
    wire.on<T>(event, (arg) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(arg);
    });
  });
}

/** A WebSocket class that records when each connection attempt starts. */
function countingWebSocket(Base: typeof WebSocket, attempts: number[]): typeof WebSocket {
  class Counting extends (Base as unknown as new (url: string | URL) => WebSocket) {
    constructor(url: string | URL) {
      attempts.push(performance.now());
      super(url);
    }
  }
  return Counting as unknown as typeof WebSocket;
}

async function wireFor(s: TestServer, opts: { transports?: Transport[]; siteKey?: string; WebSocket?: typeof WebSocket } = {}) {
  const wire = createWire({
    url: s.url,
    nsp: "/visitor",
    auth: () => ({ siteKey: opts.siteKey ?? s.demoKey }),
    transports: opts.transports,
    WebSocket: opts.WebSocket ?? (await nodeWebSocket(s.url)),
    fetch: originFetch(s.url),
  });
  wires.push(wire);
  return wire;
}

function serverTransports(s: TestServer): string[] {
  return [...s.app.io.of("/visitor").sockets.values()].map((sock) => sock.conn.transport.name);
}

describe("widget wire client", () => {
  it.each<Transport>(["websocket", "polling"])("chats over %s: session, acked calls, pushed events", async (transport) => {
    server = await startServer();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    const wire = await wireFor(server, { transports: [transport] });
    const session = next<VisitorSessionDto>(wire, "session");
    wire.connect();
    expect((await session).token).toMatch(/^v_/);
    expect(wire.connected).toBe(true);
    expect(wire.transport).toBe(transport);
    expect(serverTransports(server)).toEqual([transport]);

    const assigned = waitFor<{ id: string }>(agent.socket, "conversation:assigned");
    const acked = (await wire.call("conversation:open", { clientId: "o1", message: { clientId: "m1", body: "Hello ✓ \u2028 </script>" } }, 10_000)) as [Ack<{ conversation: ConversationDto }>];
    const conversation = ok(acked[0]).conversation;
    expect((await assigned).id).toBe(conversation.id);

    const pushed = next<MessageDto>(wire, "message:new");
    agent.socket.emit("message:send", { conversationId: conversation.id, clientId: "a1", body: "Hi there" }, () => undefined);
    expect((await pushed).body).toBe("Hi there");

    const typing = waitFor<{ typing: boolean; preview?: string }>(agent.socket, "typing");
    wire.emit("typing", { conversationId: conversation.id, typing: true, preview: "draft" });
    expect(await typing).toMatchObject({ typing: true, preview: "draft" });

    const bad = (await wire.call("message:send", { conversationId: conversation.id }, 10_000)) as [Ack<MessageDto>];
    expect(!bad[0].ok && bad[0].error.code).toBe("bad_request");
    const rows = await server.app.database.prisma.message.findMany({ where: { conversationId: conversation.id }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => r.body)).toEqual(["Hello ✓ \u2028 </script>", "Hi there"]);
  });

  it("falls back to long-polling when a WebSocket cannot open", async () => {
    server = await startServer();
    class Blocked {
      static readonly OPEN = 1;
      readyState = 3;
      onclose: (() => void) | null = null;
      onmessage: (() => void) | null = null;
      constructor() {
        setTimeout(() => this.onclose?.(), 0);
      }
      send(): void {}
      close(): void {}
    }
    const wire = await wireFor(server, { WebSocket: Blocked as unknown as typeof WebSocket });
    const session = next<VisitorSessionDto>(wire, "session");
    wire.connect();
    await session;
    expect(wire.transport).toBe("polling");
    expect(serverTransports(server)).toEqual(["polling"]);
  });

  it("a refused handshake reports the server's code and does not retry", async () => {
    server = await startServer();
    const wire = await wireFor(server, { siteKey: "site_missing" });
    const refused = next<ConnectError>(wire, "connect_error");
    wire.connect();
    const err = await refused;
    expect(err.data?.code).toBe("not_found");
    expect(err.message).toBe("Unknown site");
    expect(wire.connected).toBe(false);
    expect(await wire.call("messages:since", { conversationId: "x", afterSeq: 0 }, 1000)).toBeNull();
  });

  it.each<Transport>(["websocket", "polling"])("reconnects on its own after the connection drops (%s); pending calls resolve null", async (transport) => {
    server = await startServer();
    const wire = await wireFor(server, { transports: [transport] });
    const first = next<VisitorSessionDto>(wire, "session");
    wire.connect();
    await first;
    const reasons: string[] = [];
    wire.on<string>("disconnect", (r) => reasons.push(r));
    const sessions: VisitorSessionDto[] = [];
    const again = new Promise<void>((resolve) =>
      wire.on<VisitorSessionDto>("session", (s) => {
        sessions.push(s);
        resolve();
      }),
    );
    // No handler on the server answers this one: the call is still waiting when the connection goes.
    const pending = wire.call("no:such-event", {}, 30_000);
    for (const sock of server.app.io.of("/visitor").sockets.values()) sock.conn.close();
    expect(await pending).toBeNull();
    await again;
    expect(reasons).toEqual(["transport close"]);
    expect(wire.connected).toBe(true);
    expect(sessions).toHaveLength(1);
  });

  it("reconnection back-off starts small, doubles, is jittered and capped", () => {
    expect(backoffDelay(1, () => 0)).toBe(125);
    expect(backoffDelay(1, () => 1)).toBe(250);
    expect(backoffDelay(2, () => 0)).toBe(250);
    expect(backoffDelay(3, () => 1)).toBe(1000);
    expect(backoffDelay(50, () => 0)).toBe(2500);
    expect(backoffDelay(50, () => 1)).toBe(5000);
    expect(retryAfterDelay(2000, () => 0)).toBe(2000);
    expect(retryAfterDelay(2000, () => 1)).toBe(2400);
    // A nonsensical suggestion is bounded, never a park for hours or a negative delay.
    expect(retryAfterDelay(1e9, () => 0)).toBe(60_000);
    expect(retryAfterDelay(-5, () => 0)).toBe(0);
  });

  it("a handshake refused as busy is retried after the server's retryAfterMs, then succeeds", async () => {
    // One handshake at once, one more every 400 ms: the second wire is refused, told when to come back.
    server = await startServer({ config: { connectionRate: { burst: 1, perSecond: 2.5 } } });
    const first = await wireFor(server);
    const firstSession = next<VisitorSessionDto>(first, "session");
    first.connect();
    await firstSession;

    const attempts: number[] = [];
    const wire = await wireFor(server, { WebSocket: countingWebSocket(await nodeWebSocket(server.url), attempts), transports: ["websocket"] });
    const refusals: { at: number; err: ConnectError }[] = [];
    wire.on<ConnectError>("connect_error", (err) => refusals.push({ at: performance.now(), err }));
    const session = next<VisitorSessionDto>(wire, "session");
    wire.connect();
    expect((await session).token).toMatch(/^v_/);
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    // Each refusal was busy with a delay, and the next attempt waited at least that long.
    for (const [i, r] of refusals.entries()) {
      expect(r.err.data?.code).toBe("unavailable");
      const after = r.err.data?.retryAfterMs ?? NaN;
      expect(after).toBeGreaterThan(0);
      expect(attempts[i + 1] - r.at).toBeGreaterThanOrEqual(after - 5);
    }
    expect(attempts).toHaveLength(refusals.length + 1);
  });
});
