// The authorization table (server/auth/policy.ts) as tests: every socket event and /api/v1 route
// has a row, and the rows hold over real HTTP and real sockets for each role.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { Socket } from "socket.io-client";
import { HTTP_ROUTES, ROLE_ACTIONS, SOCKET_EVENTS, type Action } from "../../server/auth/policy.ts";
import { createToken } from "../../server/tokens/service.ts";
import type { Ack, ConversationSummaryDto, HistoryPageDto } from "../../server/protocol.ts";
import { addAgent, addSite, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectAgent, connectVisitor, login } from "../helpers/clients.ts";
import { api } from "../helpers/http.ts";
import { listRoutes } from "../helpers/routes.ts";
import { emitAck } from "../helpers/wait.ts";

const BUILT_IN = new Set(["disconnect", "disconnecting", "error"]);

/** The events a connected socket of `nsp` listens to, read from the server's own socket. */
function serverEvents(server: TestServer, nsp: "/agent" | "/visitor"): string[] {
  const sockets = [...server.app.io.of(nsp).sockets.values()];
  expect(sockets.length).toBeGreaterThan(0);
  return sockets[0].eventNames().map(String).filter((e) => !BUILT_IN.has(e)).sort();
}

const concrete = (path: string, siteKey: string) =>
  path.replace(":siteKey", siteKey).replace(".:format", ".txt").replace(/:[a-zA-Z]+/g, "no-such-id");

let server: TestServer;
afterEach(async () => {
  closeAllClients();
  await server?.close();
});

describe("the table covers everything", () => {
  beforeEach(async () => {
    server = await startServer();
  });

  test("every socket event on /agent and /visitor has exactly one row, and every row an event", async () => {
    await addAgent(server, { email: "a@example.test" });
    const { cookie } = await login(server, "a@example.test");
    await connectAgent(server, cookie);
    await connectVisitor(server);
    expect(serverEvents(server, "/agent")).toEqual(Object.keys(SOCKET_EVENTS.agent).sort());
    expect(serverEvents(server, "/visitor")).toEqual(Object.keys(SOCKET_EVENTS.visitor).sort());
  });

  test("every Express route under /api/v1 has a row, and every row a route", () => {
    const routes = listRoutes(server.app)
      .filter((r) => r.path.startsWith("/api/v1/"))
      .map((r) => `${r.method} ${r.path}`);
    expect(routes.filter((r) => !(r in HTTP_ROUTES))).toEqual([]);
    expect(routes.length).toBeGreaterThan(30);
    expect(Object.keys(HTTP_ROUTES).filter((r) => !routes.includes(r))).toEqual([]);
  });
});

describe("HTTP rows", () => {
  let agentCookie: string;
  let adminCookie: string;
  let bareToken: string;
  beforeEach(async () => {
    server = await startServer();
    await addAgent(server, { email: "agent@example.test" });
    await addAgent(server, { email: "admin@example.test", role: "admin" });
    agentCookie = (await login(server, "agent@example.test")).cookie;
    adminCookie = (await login(server, "admin@example.test")).cookie;
    bareToken = (await createToken(server.app.database.prisma, { name: "no scopes", scopes: [] })).token;
  });

  test.each(Object.entries(HTTP_ROUTES))("%s: anonymous, agent, token without scopes and admin get what the table says", async (key, action) => {
    const [method, path] = key.split(" ");
    const url = concrete(path, server.demoKey);
    const body = method === "GET" || method === "DELETE" || method === "OPTIONS" ? undefined : {};
    const anonymous = await api(server, method, url, { body });
    const agent = await api(server, method, url, { body, cookie: agentCookie });
    const token = await api(server, method, url, { body, bearer: bareToken });
    const admin = await api(server, method, url, { body, cookie: adminCookie });
    for (const r of [anonymous, agent, token, admin]) expect(r.status).toBeLessThan(500);
    if (!ROLE_ACTIONS[action].includes("anonymous")) expect(anonymous.status).toBe(401);
    if (!ROLE_ACTIONS[action].includes("agent")) expect(agent.status).toBe(403);
    // a token never acts as a person, and without scopes it may do nothing beyond public routes
    if (action !== "public") expect([401, 403]).toContain(token.status);
    expect([401, 403]).not.toContain(admin.status);
  });
});

describe("the table is the gate at run time", () => {
  // Each test changes one row in the running server's table, then puts it back.
  function withRow<K extends string>(table: Record<K, Action>, key: K, action: Action | undefined): () => void {
    const had = Object.hasOwn(table, key);
    const saved = table[key];
    if (action === undefined) delete table[key];
    else table[key] = action;
    return () => {
      if (had) table[key] = saved;
      else delete table[key];
    };
  }

  beforeEach(async () => {
    server = await startServer();
    await addAgent(server, { email: "agent@example.test" });
    await addAgent(server, { email: "admin@example.test", role: "admin" });
  });

  test("socket events: an admin-only row refuses agents, a missing row refuses everyone", async () => {
    const agent = await connectAgent(server, (await login(server, "agent@example.test")).cookie);
    const admin = await connectAgent(server, (await login(server, "admin@example.test")).cookie);
    const visitor = await connectVisitor(server);
    const restore = [withRow(SOCKET_EVENTS.agent, "queue:list", "sites:manage"), withRow(SOCKET_EVENTS.visitor, "visitor:update", undefined)];
    try {
      expect(await emitAck(agent, "queue:list", {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
      expect(await emitAck(admin, "queue:list", {})).toMatchObject({ ok: true });
      expect(await emitAck(visitor.socket, "visitor:update", { name: "Eve" })).toMatchObject({ ok: false, error: { code: "internal" } });
      expect((await server.app.database.prisma.visitor.findUniqueOrThrow({ where: { id: visitor.session.visitor.id } })).name).toBeNull();
    } finally {
      for (const undo of restore) undo();
    }
    expect(await emitAck(agent, "queue:list", {})).toMatchObject({ ok: true });
    expect(await emitAck(visitor.socket, "visitor:update", { name: "Eve" })).toMatchObject({ ok: true });
  });

  test("HTTP routes: the same, whichever router registered the route", async () => {
    const agentCookie = (await login(server, "agent@example.test")).cookie;
    const adminCookie = (await login(server, "admin@example.test")).cookie;
    const restore = [withRow(HTTP_ROUTES, "GET /api/v1/sites", "sites:manage"), withRow(HTTP_ROUTES, "GET /api/v1/setup", undefined)];
    try {
      expect((await api(server, "GET", "/api/v1/sites", { cookie: agentCookie })).status).toBe(403);
      expect((await api(server, "GET", "/api/v1/sites", { cookie: adminCookie })).status).toBe(200);
      expect((await api(server, "GET", "/api/v1/sites")).status).toBe(401);
      expect((await api(server, "GET", "/api/v1/setup")).status).toBe(500);
    } finally {
      for (const undo of restore) undo();
    }
    expect((await api(server, "GET", "/api/v1/sites", { cookie: agentCookie })).status).toBe(200);
    expect((await api(server, "GET", "/api/v1/setup")).status).toBe(200);
  });

  test("a visitor token counts as a visitor: its own rows only", async () => {
    const { session } = await connectVisitor(server);
    const bearer = session.token;
    expect((await api(server, "GET", "/api/v1/admin/sites", { bearer })).status).toBe(401);
    expect((await api(server, "GET", "/api/v1/auth/me", { bearer })).status).toBe(401);
    expect((await api(server, "GET", "/api/v1/conversations/no-such-id/transcript.txt", { bearer })).status).toBe(404);
  });
});

describe("site membership over sockets and HTTP", () => {
  let insider: Socket;
  let outsider: Socket;
  let admin: Socket;
  let outsiderCookie: string;
  let conversationId: string;
  let siteId: string;

  beforeEach(async () => {
    server = await startServer();
    const db = server.app.database.prisma;
    const site = await addSite(server, "Members only", [server.url]);
    siteId = site.id;
    const ins = await addAgent(server, { email: "in@example.test" });
    await addAgent(server, { email: "out@example.test" });
    await addAgent(server, { email: "boss@example.test", role: "admin" });
    await db.site.update({ where: { id: site.id }, data: { membersOnly: true, members: { create: { agentId: ins.id } } } });
    insider = await connectAgent(server, (await login(server, "in@example.test")).cookie);
    outsiderCookie = (await login(server, "out@example.test")).cookie;
    outsider = await connectAgent(server, outsiderCookie);
    admin = await connectAgent(server, (await login(server, "boss@example.test")).cookie);
    const visitor = await connectVisitor(server, { siteKey: site.key });
    const opened = await emitAck<Ack<{ conversation: { id: string } }>>(visitor.socket, "conversation:open", {
      clientId: "c1",
      message: { clientId: "m1", body: "private words" },
    });
    if (!opened.ok) throw new Error(opened.error.message);
    conversationId = opened.data.conversation.id;
  });

  const rows: { event: string; payload: (id: string) => unknown }[] = [
    { event: "conversation:get", payload: (id) => ({ conversationId: id }) },
    { event: "messages:since", payload: (id) => ({ conversationId: id, afterSeq: 0 }) },
    { event: "visitor:conversations", payload: (id) => ({ conversationId: id }) },
    { event: "conversation:read", payload: (id) => ({ conversationId: id, seq: 1 }) },
    { event: "typing", payload: (id) => ({ conversationId: id, typing: true }) },
    { event: "conversation:tags", payload: (id) => ({ conversationId: id, tags: ["x"] }) },
    { event: "message:send", payload: (id) => ({ conversationId: id, clientId: "a1", body: "hello" }) },
    { event: "conversation:accept", payload: (id) => ({ conversationId: id }) },
    { event: "conversation:transfer", payload: (id) => ({ conversationId: id }) },
    { event: "conversation:close", payload: (id) => ({ conversationId: id }) },
    { event: "conversation:reopen", payload: (id) => ({ conversationId: id }) },
  ];

  test("an agent of another site gets not_found for every conversation event, and nothing changes", async () => {
    const db = server.app.database.prisma;
    const before = JSON.stringify([await db.conversation.findMany(), await db.message.findMany()]);
    for (const row of rows) {
      const ack = await emitAck<Ack<unknown>>(outsider, row.event, row.payload(conversationId));
      expect({ event: row.event, ack }).toMatchObject({ event: row.event, ack: { ok: false, error: { code: "not_found" } } });
    }
    expect(JSON.stringify([await db.conversation.findMany(), await db.message.findMany()])).toBe(before);
  });

  test("the site's own agent and an admin pass the same checks", async () => {
    for (const socket of [insider, admin]) {
      for (const event of ["conversation:get", "messages:since", "visitor:conversations", "conversation:read", "typing"]) {
        const row = rows.find((r) => r.event === event)!;
        const ack = await emitAck<Ack<unknown>>(socket, event, row.payload(conversationId));
        expect({ event, ack }).toMatchObject({ event, ack: { ok: true } });
      }
    }
    // accepting may be refused for routing reasons (not online), never as an unknown conversation
    const accepted = await emitAck<Ack<unknown>>(insider, "conversation:accept", { conversationId });
    expect(accepted.ok ? "ok" : accepted.error.code).not.toBe("not_found");
  });

  test("lists, queue, history and site names leave out other sites' conversations", async () => {
    const ids = (a: Ack<ConversationSummaryDto[]>) => (a.ok ? a.data.map((c) => c.id) : a.error.code);
    expect(ids(await emitAck(outsider, "conversation:list", {}))).not.toContain(conversationId);
    expect(ids(await emitAck(outsider, "queue:list", {}))).not.toContain(conversationId);
    expect(ids(await emitAck(insider, "conversation:list", {}))).toContain(conversationId);
    expect(ids(await emitAck(insider, "queue:list", {}))).toContain(conversationId);
    expect(ids(await emitAck(admin, "conversation:list", {}))).toContain(conversationId);

    const closed = await emitAck<Ack<unknown>>(admin, "conversation:close", { conversationId });
    expect(closed).toMatchObject({ ok: true });
    const history = await api<HistoryPageDto>(server, "GET", "/api/v1/history", { cookie: outsiderCookie });
    expect(history.status).toBe(200);
    expect(history.body.items.map((c) => c.id)).not.toContain(conversationId);
    const filtered = await api<HistoryPageDto>(server, "GET", `/api/v1/history?site=${siteId}`, { cookie: outsiderCookie });
    expect(filtered.body.items).toEqual([]);
    const sites = await api<{ id: string }[]>(server, "GET", "/api/v1/sites", { cookie: outsiderCookie });
    expect(sites.body.map((s) => s.id)).not.toContain(siteId);
  });

  test("another visitor of the same site gets not_found for every visitor conversation event", async () => {
    const site = await server.app.database.prisma.site.findUniqueOrThrow({ where: { id: siteId } });
    const other = await connectVisitor(server, { siteKey: site.key });
    const visitorRows: [string, unknown][] = [
      ["message:send", { conversationId, clientId: "x", body: "hi" }],
      ["messages:since", { conversationId, afterSeq: 0 }],
      ["conversation:read", { conversationId, seq: 1 }],
      ["typing", { conversationId, typing: true }],
      ["conversation:rate", { conversationId, rating: 1 }],
      ["conversation:close", { conversationId }],
      ["conversation:reopen", { conversationId }],
    ];
    for (const [event, payload] of visitorRows) {
      const ack = await emitAck<Ack<unknown>>(other.socket, event, payload);
      expect({ event, ack }).toMatchObject({ event, ack: { ok: false, error: { code: "not_found" } } });
    }
  });
});
