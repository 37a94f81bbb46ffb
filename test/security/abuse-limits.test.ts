// Abuse limits as specified: sign-in backoff per account and per address (capped, reset by a
// success), new conversations per IP and per visitor, visitor messages per minute, and agents'
// visitor blocks with the refusal code "blocked". Addresses other than loopback come from a
// trusted loopback proxy's X-Forwarded-For, as behind a real reverse proxy.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { io, type Socket } from "socket.io-client";
import { abuseLimits, ACCOUNT_CAP_MS, FREE_FAILURES, hitWindow, pruneAbuseEvents, startAbusePruning } from "../../server/auth/abuse.ts";
import { dbKinds } from "../helpers/databases.ts";
import { API_RATE_WINDOW_MS } from "../../server/http/api-access.ts";
import { createToken } from "../../server/tokens/service.ts";
import { createLogger } from "../../server/logger.ts";
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

async function signIn(email: string, password: string, ip?: string, opts: { cookie?: string; at?: TestServer } = {}) {
  const res = await fetch(`${(opts.at ?? server).url}/api/v1/auth/login`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-parley-csrf": "1",
      ...(ip ? { "x-forwarded-for": ip } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
    },
    body: JSON.stringify({ email, password }),
  });
  const device = res.headers.getSetCookie().find((c) => c.startsWith("parley_device="));
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } }, device: device?.split(";")[0] };
}

/** A second process on the same database (another Parley behind the same load balancer). */
const peers: TestServer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) await p.close();
});
/** Fills the shared request window of `key` (and the next, should it begin meanwhile), as another process would. */
async function saturateWindows(at: TestServer, key: string, windowMs: number) {
  const slot = Math.floor(Date.now() / windowMs);
  for (const n of [slot, slot + 1]) {
    const id = `rate:${key}:${n}`;
    await at.app.database.prisma.loginThrottle.upsert({
      where: { key: id },
      create: { key: id, failures: 10_000, lockedUntil: new Date((n + 1) * windowMs) },
      update: { failures: 10_000 },
    });
  }
}

async function peerOf(first: TestServer): Promise<TestServer> {
  const peer = await startServer({ config: { databaseUrl: first.database.url, seedDemo: false } });
  peers.push(peer);
  return peer;
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

describe("sign-in lockout cannot keep the owner out, and holds across processes", () => {
  beforeEach(async () => {
    server = await startServer();
    await addAgent(server, { email: "victim@example.test", password: "right password!" });
  });

  test("a browser that signed in before still signs in while strangers keep the account locked", async () => {
    const first = await signIn("victim@example.test", "right password!", "198.51.100.20");
    expect(first.status).toBe(200);
    expect(first.device).toMatch(/^parley_device=[0-9a-f]{32}\.[0-9a-f]{64}$/);
    // an attacker keeps failing from many addresses, and once more each time the wait ends
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < FREE_FAILURES; i++) await signIn("victim@example.test", "guess", `203.0.113.${round * 10 + i + 1}`);
      await server.app.database.prisma.loginThrottle.updateMany({ where: { key: "login:account:victim@example.test" }, data: { lockedUntil: new Date(Date.now() - 1) } });
    }
    expect((await signIn("victim@example.test", "guess", "203.0.113.77")).status).toBe(401);
    expect((await signIn("victim@example.test", "right password!", "198.51.100.21")).status).toBe(429);
    // a device cookie is bound to its account and to this server's secret
    const forged = first.device!.replace(/[0-9a-f]$/, (c) => (c === "0" ? "1" : "0"));
    expect((await signIn("victim@example.test", "right password!", "198.51.100.22", { cookie: forged })).status).toBe(429);
    // the owner's browser: not subject to the account's lock (and its success resets the account)
    const owner = await signIn("victim@example.test", "right password!", "198.51.100.21", { cookie: first.device });
    expect(owner.status).toBe(200);
    await addAgent(server, { email: "other@example.test", password: "right password!" });
    for (let i = 0; i < FREE_FAILURES; i++) await signIn("other@example.test", "guess", `192.0.2.${i + 1}`);
    expect((await signIn("other@example.test", "right password!", "198.51.100.23", { cookie: first.device })).status).toBe(429);
  });

  test("failures counted on one process lock the account on another; the per-address brake is shared too", async () => {
    const peer = await peerOf(server);
    for (let i = 0; i < FREE_FAILURES; i++) expect((await signIn("victim@example.test", "wrong", `203.0.113.${i + 1}`)).status).toBe(401);
    expect((await signIn("victim@example.test", "right password!", "203.0.113.99", { at: peer })).status).toBe(429);
    // 20 attempts per address per minute, whichever process answers: the other process used them
    await saturateWindows(server, "login:192.0.2.200", 60_000);
    const braked = await signIn("victim@example.test", "right password!", "192.0.2.200", { at: peer });
    expect(braked.body.error?.message).toBe("Too many sign-in attempts; wait a minute");
    expect((await signIn("victim@example.test", "wrong", "192.0.2.201", { at: peer })).status).toBe(429); // still the account's lock
  });

  test("an API token's request budget is shared by every process", async () => {
    const peer = await peerOf(server);
    const db = server.app.database.prisma;
    const { token, row } = await createToken(db, { name: "script", scopes: ["conversations:read"] });
    const get = (at: TestServer) => fetch(`${at.url}/api/v1/conversations`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get(peer)).status).toBe(200);
    await saturateWindows(server, `api:t:${row.id}`, API_RATE_WINDOW_MS);
    const refused = await get(peer);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
  });
});

describe.each(dbKinds())("shared request windows on %s", (db) => {
  test("concurrent hits from two processes all count, none fails, and the limit holds", async () => {
    server = await startServer({ db });
    const peer = await peerOf(server);
    const hit = (at: TestServer) => hitWindow(at.app.database.prisma, "race", 60_000, 30, "too many").then(() => "ok", (e: Error) => e.message);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => hit(i % 2 ? peer : server)));
    // the minute may roll over during the burst, which can only forgive
    expect(results.filter((r) => r !== "ok" && r !== "too many")).toEqual([]);
    expect(results.filter((r) => r === "ok").length).toBeGreaterThanOrEqual(30);
    const rows = await server.app.database.prisma.loginThrottle.findMany({ where: { key: { startsWith: "rate:race:" } } });
    expect(rows.reduce((n, r) => n + r.failures, 0)).toBe(40);
  });
});

describe("pruning abuse counters", () => {
  test("stale counters go, live ones stay; the server prunes on its own timer", async () => {
    server = await startServer();
    const db = server.app.database.prisma;
    const limits = abuseLimits();
    const old = new Date(Date.now() - limits.conversationWindowMs - 60_000);
    await db.abuseEvent.createMany({ data: [{ key: "conv:ip:1", at: old }, { key: "conv:ip:1" }] });
    await db.loginThrottle.createMany({
      data: [
        { key: "rate:api:t:x:1", failures: 3, lockedUntil: new Date(Date.now() - 1000) }, // window over
        { key: "rate:api:t:x:2", failures: 3, lockedUntil: new Date(Date.now() + 60_000) }, // current window
        { key: "login:account:locked@example.test", failures: 9, lockedUntil: new Date(Date.now() + 60_000) },
        { key: "login:account:fresh@example.test", failures: 2, lockedUntil: new Date(Date.now() - 1000) },
      ],
    });
    // untouched for over a day and not locked: forgotten
    await db.$executeRawUnsafe(`INSERT INTO "LoginThrottle" ("key","failures","lockedUntil","updatedAt") VALUES ('login:ip:203.0.113.1', 3, 0, 0)`);
    expect(await pruneAbuseEvents(db, limits)).toBe(3);
    expect((await db.loginThrottle.findMany({ orderBy: { key: "asc" } })).map((r) => r.key)).toEqual([
      "login:account:fresh@example.test",
      "login:account:locked@example.test",
      "rate:api:t:x:2",
    ]);
    expect(await db.abuseEvent.count()).toBe(1);

    await db.abuseEvent.create({ data: { key: "conv:ip:2", at: old } });
    const pruning = startAbusePruning(db, createLogger("silent"), 20);
    try {
      await new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 10_000;
        const poll = () =>
          void db.abuseEvent.count({ where: { key: "conv:ip:2" } }).then((n) => {
            if (n === 0) resolve();
            else if (Date.now() > deadline) reject(new Error("the timer never pruned"));
            else setImmediate(poll);
          }, reject);
        poll();
      });
    } finally {
      await pruning.stop();
    }
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

describe("messages per address", () => {
  test("PARLEY_MESSAGES_PER_IP_PER_MINUTE counts every visitor and conversation from one address; other addresses go on", async () => {
    process.env.PARLEY_MESSAGES_PER_IP_PER_MINUTE = "4";
    server = await startServer();
    const db = server.app.database.prisma;
    const conversationOf = async (ip: string) => {
      const { socket } = await visitor({ ip });
      const opened = await open(socket);
      if (!opened.ok) throw new Error(opened.error.message);
      return { socket, conversationId: opened.data.conversation.id };
    };
    const a = await conversationOf("198.51.100.30");
    const b = await conversationOf("198.51.100.30");
    const c = await conversationOf("198.51.100.31");
    const send = (v: { socket: Socket; conversationId: string }, i: number) =>
      emitAck<Ack<unknown>>(v.socket, "message:send", { conversationId: v.conversationId, clientId: `p${i}`, body: `line ${i}` });
    for (let i = 0; i < 2; i++) expect(await send(a, i)).toMatchObject({ ok: true });
    for (let i = 2; i < 4; i++) expect(await send(b, i)).toMatchObject({ ok: true });
    const before = await db.message.count();
    expect(await send(a, 4)).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    expect(await send(b, 5)).toMatchObject({ ok: false, error: { code: "rate_limited" } });
    expect(await db.message.count()).toBe(before);
    expect(await send(c, 6)).toMatchObject({ ok: true });
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
