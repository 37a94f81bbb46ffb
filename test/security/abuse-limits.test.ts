// Abuse limits as specified: sign-in backoff per account and per address (capped, reset by a
// success), new conversations per IP and per visitor, visitor messages per minute, and agents'
// visitor blocks with the refusal code "blocked". Addresses other than loopback come from a
// trusted loopback proxy's X-Forwarded-For, as behind a real reverse proxy.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { io, type Socket } from "socket.io-client";
import { ACCOUNT_CAP_MS, FREE_FAILURES } from "../../server/auth/abuse.ts";
import type { Ack, VisitorSessionDto } from "../../server/protocol.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectAgent, login } from "../helpers/clients.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";

let server: TestServer;
const sockets: Socket[] = [];
const savedEnv = { ...process.env };

afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  closeAllClients();
  process.env = { ...savedEnv };
  await server?.close();
});

async function signIn(email: string, password: string, ip?: string) {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-parley-csrf": "1", ...(ip ? { "x-forwarded-for": ip } : {}) },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

function visitorSocket(opts: { ip?: string; token?: string } = {}): Socket {
  const socket = io(`${server.url}/visitor`, {
    auth: { siteKey: server.demoKey, ...(opts.token ? { token: opts.token } : {}) },
    extraHeaders: { origin: server.url, ...(opts.ip ? { "x-forwarded-for": opts.ip } : {}) },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  return socket;
}

async function visitor(opts: { ip?: string; token?: string } = {}) {
  const socket = visitorSocket(opts);
  const session = waitFor<VisitorSessionDto>(socket, "session");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return { socket, session: await session };
}

function refusal(opts: { ip?: string; token?: string }): Promise<string | undefined> {
  const socket = visitorSocket(opts);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("connection was accepted")));
    socket.once("connect_error", (err: Error & { data?: { code?: string } }) => resolve(err.data?.code));
  });
}

let n = 0;
const open = (socket: Socket, body = "hello") =>
  emitAck<Ack<{ conversation: { id: string } }>>(socket, "conversation:open", { clientId: `c${++n}`, message: { clientId: `m${n}`, body } });

describe("sign-in brute force", () => {
  beforeEach(async () => {
    server = await startServer();
    await addAgent(server, { email: "victim@example.test", password: "right password!" });
  });

  test("an account locks after repeated failures, even for the right password, then opens again and a success resets it", async () => {
    for (let i = 0; i < FREE_FAILURES; i++) expect((await signIn("victim@example.test", "wrong", `203.0.113.${i + 1}`)).status).toBe(401);
    // from yet another address, with the right password: the account itself is locked
    const locked = await signIn("victim@example.test", "right password!", "203.0.113.99");
    expect(locked.status).toBe(429);
    expect(locked.body.error?.message).toMatch(/try again in \d+ s/);
    const db = server.app.database.prisma;
    // the wait elapses (moved into the past rather than slept through)
    await db.loginThrottle.updateMany({ data: { lockedUntil: new Date(Date.now() - 1) } });
    expect((await signIn("victim@example.test", "right password!", "203.0.113.99")).status).toBe(200);
    expect(await db.loginThrottle.findUnique({ where: { key: "login:account:victim@example.test" } })).toBeNull();
    // after the reset one wrong password does not lock again
    expect((await signIn("victim@example.test", "wrong", "203.0.113.50")).status).toBe(401);
    expect((await signIn("victim@example.test", "right password!", "203.0.113.50")).status).toBe(200);
  });

  test("the wait doubles per failure but never exceeds the cap", async () => {
    const db = server.app.database.prisma;
    await db.loginThrottle.create({ data: { key: "login:account:victim@example.test", failures: 60, lockedUntil: new Date(0) } });
    const before = Date.now();
    expect((await signIn("victim@example.test", "wrong", "198.51.100.1")).status).toBe(401);
    const row = await db.loginThrottle.findUniqueOrThrow({ where: { key: "login:account:victim@example.test" } });
    expect(row.lockedUntil.getTime() - before).toBeLessThanOrEqual(ACCOUNT_CAP_MS + 1000);
    expect(row.lockedUntil.getTime() - before).toBeGreaterThan(ACCOUNT_CAP_MS - 5000);
  });

  test("one address guessing across many accounts is throttled; other addresses are not", async () => {
    for (let i = 0; i < FREE_FAILURES; i++) expect((await signIn(`nobody${i}@example.test`, "wrong", "192.0.2.10")).status).toBe(401);
    expect((await signIn("victim@example.test", "right password!", "192.0.2.10")).status).toBe(429);
    expect((await signIn("victim@example.test", "right password!", "192.0.2.11")).status).toBe(200);
  });
});

describe("conversation and message limits", () => {
  test("six new conversations per address per window by default; the seventh is refused, other addresses go on", async () => {
    server = await startServer();
    for (let i = 0; i < 6; i++) {
      const { socket } = await visitor({ ip: "198.51.100.7" });
      expect(await open(socket)).toMatchObject({ ok: true });
    }
    const { socket } = await visitor({ ip: "198.51.100.7" });
    expect(await open(socket)).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    const other = await visitor({ ip: "198.51.100.8" });
    expect(await open(other.socket)).toMatchObject({ ok: true });
    expect(await server.app.database.prisma.conversation.count()).toBe(7);
  });

  test("per visitor (PARLEY_CONVERSATIONS_PER_VISITOR) and messages per minute (PARLEY_MESSAGES_PER_MINUTE)", async () => {
    process.env.PARLEY_CONVERSATIONS_PER_VISITOR = "2";
    process.env.PARLEY_MESSAGES_PER_MINUTE = "3";
    server = await startServer();
    const { socket } = await visitor();
    const first = await open(socket);
    if (!first.ok) throw new Error(first.error.message);
    const conversationId = first.data.conversation.id;
    const send = (i: number) => emitAck<Ack<unknown>>(socket, "message:send", { conversationId, clientId: `s${i}`, body: `line ${i}` });
    expect(await send(1)).toMatchObject({ ok: true });
    expect(await send(2)).toMatchObject({ ok: true });
    expect(await send(3)).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    expect(await server.app.database.prisma.message.count({ where: { conversationId } })).toBe(3);

    expect(await emitAck(socket, "conversation:close", { conversationId })).toMatchObject({ ok: true });
    const second = await open(socket);
    if (!second.ok) throw new Error(second.error.message);
    expect(await emitAck(socket, "conversation:close", { conversationId: second.data.conversation.id })).toMatchObject({ ok: true });
    expect(await open(socket)).toMatchObject({ ok: false, error: { code: "rate_limited" } });
  });
});

describe("blocking a visitor", () => {
  test("by visitor and address: live socket dropped, later handshakes refused with 'blocked', unblock lets them back", async () => {
    server = await startServer();
    await addAgent(server, { email: "agent@example.test" });
    const agent = await connectAgent(server, (await login(server, "agent@example.test")).cookie);
    const v = await visitor({ ip: "192.0.2.44" });
    const opened = await open(v.socket, "abuse");
    if (!opened.ok) throw new Error(opened.error.message);
    const conversationId = opened.data.conversation.id;

    const dropped = new Promise<void>((resolve) => v.socket.once("disconnect", () => resolve()));
    expect(await emitAck(agent, "visitor:block", { conversationId, ip: true })).toEqual({ ok: true, data: { blocked: true } });
    await dropped;

    expect(await refusal({ token: v.session.token, ip: "192.0.2.99" })).toBe("blocked");
    expect(await refusal({ ip: "192.0.2.44" })).toBe("blocked"); // a fresh identity from the same address
    await visitor({ ip: "192.0.2.45" }); // everyone else is unaffected

    expect(await emitAck(agent, "visitor:unblock", { conversationId })).toEqual({ ok: true, data: { blocked: false } });
    const back = await visitor({ token: v.session.token, ip: "192.0.2.44" });
    expect(back.session.visitor.id).toBe(v.session.visitor.id);
  });

  test("by visitor only: the same address with a new identity is still welcome; bad input changes nothing", async () => {
    server = await startServer();
    await addAgent(server, { email: "agent@example.test" });
    const agent = await connectAgent(server, (await login(server, "agent@example.test")).cookie);
    const v = await visitor({ ip: "192.0.2.60" });
    const opened = await open(v.socket);
    if (!opened.ok) throw new Error(opened.error.message);
    const conversationId = opened.data.conversation.id;
    expect(await emitAck(agent, "visitor:block", { conversationId: "nope" })).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await emitAck(agent, "visitor:block", { conversationId, ip: "yes" })).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await server.app.database.prisma.visitorBlock.count()).toBe(0);
    expect(await emitAck(agent, "visitor:block", { conversationId })).toMatchObject({ ok: true });
    expect(await refusal({ token: v.session.token, ip: "192.0.2.60" })).toBe("blocked");
    await visitor({ ip: "192.0.2.60" });
  });
});
