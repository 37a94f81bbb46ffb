// The REST API under /api/v1 for integrations: token scopes, pagination and filters, stable
// error codes, agent messages and closing through the live app (visitors see them at once), and
// the OpenAPI document: valid OpenAPI 3.1, and naming every route the server has under /api/v1.
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { Ack, ApiConversationDto, ConversationDto, MessageDto, PageDto } from "../../server/protocol.ts";
import { API_RATE_BURST } from "../../server/http/api-access.ts";
import * as s from "../../server/http/rest-schemas.ts";
import { revokeToken } from "../../server/tokens/service.ts";
import { api } from "../helpers/http.ts";
import { listRoutes } from "../helpers/routes.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectVisitor, login, ok, onlineAgent } from "../helpers/clients.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { apiToken } from "../webhooks/fixtures.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

type ErrorBody = { error: { code: string; message: string } };

/** Parses a real response with the schema the OpenAPI document was generated from. */
function conforms<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`response does not match its documented schema: ${parsed.error.message}`);
  return parsed.data;
}

async function openChat(srv: TestServer, i: number) {
  const { socket, session } = await connectVisitor(srv);
  const opened = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(socket, "conversation:open", { clientId: `o${i}`, message: { clientId: "m1", body: `first ${i}` } }));
  return { socket, visitorId: session.visitor.id, id: opened.conversation.id };
}

describe("REST API: access", () => {
  it("needs a token with the route's scope (or an admin session) and answers with stable error codes", async () => {
    server = await startServer();
    const chat = await openChat(server, 0);
    const read = await apiToken(server, ["conversations:read"]);
    const wildcard = await apiToken(server, ["*"]);
    const hooks = await apiToken(server, ["webhooks:read"]);
    const path = `/api/v1/conversations/${chat.id}`;

    const none = await api<ErrorBody>(server, "GET", path);
    expect([none.status, none.body.error.code]).toEqual([401, "unauthorized"]);
    const bogus = await api<ErrorBody>(server, "GET", path, { bearer: "pk_not-a-token" });
    expect([bogus.status, bogus.body.error.code]).toEqual([401, "unauthorized"]);
    const wrongScope = await api<ErrorBody>(server, "GET", path, { bearer: hooks });
    expect([wrongScope.status, wrongScope.body.error.code]).toEqual([403, "forbidden"]);
    expect(wrongScope.body.error.message).toContain("conversations:read");
    expect((await api(server, "GET", path, { bearer: read })).status).toBe(200);
    expect((await api(server, "GET", path, { bearer: wildcard })).status).toBe(200);
    // Reading is not writing.
    const write = await api<ErrorBody>(server, "POST", `${path}/close`, { bearer: read });
    expect([write.status, write.body.error.code]).toEqual([403, "forbidden"]);

    // A revoked token stops working at once.
    const token = await server.app.database.prisma.apiToken.findFirstOrThrow({ where: { scopes: JSON.stringify(["*"]) } });
    await revokeToken(server.app.database.prisma, token.id);
    expect((await api<ErrorBody>(server, "GET", path, { bearer: wildcard })).status).toBe(401);

    // Console sessions: admins yes (writes with the CSRF header), agents no.
    await addAgent(server, { email: "admin@example.com", role: "admin" });
    await addAgent(server, { email: "agent@example.com" });
    const admin = await login(server, "admin@example.com");
    const agent = await login(server, "agent@example.com");
    expect((await api(server, "GET", path, { cookie: admin.cookie })).status).toBe(200);
    expect((await api<ErrorBody>(server, "GET", path, { cookie: agent.cookie })).body.error.code).toBe("forbidden");
    expect((await api<ErrorBody>(server, "POST", `${path}/close`, { cookie: admin.cookie, csrf: false })).body.error.code).toBe("forbidden");
    expect((await api(server, "GET", path)).status).toBe(401);
    expect((await server.app.database.prisma.conversation.findUniqueOrThrow({ where: { id: chat.id } })).status).toBe("queued");

    // Unknown ids, malformed ids, unknown routes.
    const missing = await api<ErrorBody>(server, "GET", "/api/v1/conversations/nope", { bearer: read });
    expect([missing.status, missing.body.error.code]).toEqual([404, "not_found"]);
    const malformed = await api<ErrorBody>(server, "GET", "/api/v1/conversations/a%20b", { bearer: read });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, "bad_request"]);
    expect((await api<ErrorBody>(server, "GET", "/api/v1/nothing-here", { bearer: read })).body.error.code).toBe("not_found");
  });

  it("rate-limits each token on its own", async () => {
    server = await startServer();
    const greedy = await apiToken(server, ["conversations:read"]);
    const calm = await apiToken(server, ["conversations:read"]);
    // Batches of concurrent calls, far faster than the refill: the burst runs out.
    const statuses: number[] = [];
    let limited: ErrorBody | undefined;
    while (!limited && statuses.length < 10 * API_RATE_BURST) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => api<ErrorBody>(server!, "GET", "/api/v1/conversations?limit=1", { bearer: greedy })));
      statuses.push(...batch.map((r) => r.status));
      limited = batch.find((r) => r.status === 429)?.body;
    }
    expect(limited?.error.code).toBe("rate_limited");
    expect(statuses.filter((st) => st === 200).length).toBeGreaterThanOrEqual(API_RATE_BURST);
    expect((await api(server, "GET", "/api/v1/conversations?limit=1", { bearer: calm })).status).toBe(200);
  });
});

describe.each(dbKinds())("REST API on %s", (db) => {
  it("lists conversations newest first in pages, with filters; bad filters are refused", async () => {
    server = await startServer({ db });
    const token = await apiToken(server, ["conversations:read", "conversations:write"]);
    const chats = [];
    for (let i = 0; i < 7; i++) chats.push(await openChat(server, i));
    for (const c of chats.slice(0, 2)) expect((await api(server, "POST", `/api/v1/conversations/${c.id}/close`, { bearer: token })).status).toBe(200);

    const seen: ApiConversationDto[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: PageDto<ApiConversationDto> } = await api(server, "GET", `/api/v1/conversations?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { bearer: token });
      expect(res.status).toBe(200);
      conforms(s.page(s.apiConversationDto), res.body);
      seen.push(...res.body.data);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((c) => c.id)).toEqual(chats.map((c) => c.id).reverse());
    expect(seen[0].visitor.id).toBe(chats[6].visitorId);

    const list = async (q: string) => (await api<PageDto<ApiConversationDto>>(server!, "GET", `/api/v1/conversations?${q}`, { bearer: token })).body.data.map((c) => c.id);
    expect((await list("status=closed")).sort()).toEqual(chats.slice(0, 2).map((c) => c.id).sort());
    expect(await list(`visitorId=${chats[3].visitorId}`)).toEqual([chats[3].id]);
    expect(await list(`siteId=${seen[0].siteId}&status=queued&limit=100`)).toHaveLength(5);
    expect(await list("siteId=other")).toEqual([]);
    const created = await server.app.database.prisma.conversation.findUniqueOrThrow({ where: { id: chats[4].id } });
    expect(await list(`createdAfter=${encodeURIComponent(created.createdAt.toISOString())}`)).toEqual(expect.arrayContaining([chats[4].id, chats[5].id, chats[6].id]));
    expect(await list(`createdBefore=${encodeURIComponent(created.createdAt.toISOString())}`)).not.toContain(chats[4].id);

    for (const q of ["status=nope", "limit=0", "limit=101", "limit=ten", "cursor=garbage", "createdAfter=yesterday", "colour=red", "siteId=a%20b"]) {
      const res = await api<ErrorBody>(server, "GET", `/api/v1/conversations?${q}`, { bearer: token });
      expect([res.status, res.body.error.code], q).toEqual([400, "bad_request"]);
    }
  });

  it("reads messages in pages, notes only on request; posts agent messages idempotently, live to the visitor; closes", async () => {
    server = await startServer({ db });
    const token = await apiToken(server, ["conversations:read", "conversations:write"]);
    await addAgent(server, { email: "bot@example.com", name: "Helper Bot" });
    const { agent } = await onlineAgent(server, "bot@example.com");
    const chat = await openChat(server, 0);
    const base = `/api/v1/conversations/${chat.id}`;

    const live = waitFor<MessageDto>(chat.socket, "message:new", (m) => m.body === "Hi from the API");
    const posted = await api<MessageDto>(server, "POST", `${base}/messages`, { bearer: token, body: { body: "Hi from the API", clientId: "bot-1", agentId: agent.id } });
    expect(posted.status).toBe(201);
    conforms(s.messageDto, posted.body);
    expect(posted.body).toMatchObject({ authorKind: "agent", authorId: agent.id, authorName: "Helper Bot", seq: 2, note: false });
    expect((await live).id).toBe(posted.body.id);
    // A retry with the same clientId is the same message, not a second one.
    const retried = await api<MessageDto>(server, "POST", `${base}/messages`, { bearer: token, body: { body: "Hi from the API", clientId: "bot-1", agentId: agent.id } });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: posted.body.id, seq: 2 });
    const anonymous = await api<MessageDto>(server, "POST", `${base}/messages`, { bearer: token, body: { body: "no author" } });
    expect(anonymous.status).toBe(201);
    expect(anonymous.body).toMatchObject({ authorKind: "agent", authorId: null, seq: 3 });
    const note = await api<MessageDto>(server, "POST", `${base}/messages`, { bearer: token, body: { body: "internal", note: true } });
    expect(note.body).toMatchObject({ note: true, seq: 4 });
    for (let i = 0; i < 5; i++) await api(server, "POST", `${base}/messages`, { bearer: token, body: { body: `more ${i}`, clientId: `more-${i}` } });

    const pageOf = async (q: string) => {
      const res = await api<PageDto<MessageDto>>(server!, "GET", `${base}/messages?${q}`, { bearer: token });
      expect(res.status).toBe(200);
      return conforms(s.page(s.messageDto), res.body);
    };
    const first = await pageOf("limit=4");
    expect(first.data.map((m) => m.seq)).toEqual([1, 2, 3, 5]);
    const second = await pageOf(`limit=4&cursor=${first.nextCursor}`);
    expect(second.data.map((m) => m.seq)).toEqual([6, 7, 8, 9]);
    expect(second.nextCursor).toBeNull();
    expect((await pageOf("limit=4&cursor=9")).data).toEqual([]);
    expect((await pageOf("notes=true&limit=500")).data.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);

    for (const [body, code] of [
      [{ body: "" }, "bad_request"],
      [{ body: "   " }, "bad_request"],
      [{ body: "x".repeat(5001) }, "bad_request"],
      [{ body: "hi", agentId: "nobody" }, "bad_request"],
      [{ body: "hi", extra: true }, "bad_request"],
      [{ text: "hi" }, "bad_request"],
    ] as const) {
      const res = await api<ErrorBody>(server, "POST", `${base}/messages`, { bearer: token, body });
      expect([res.status, res.body.error.code], JSON.stringify(body).slice(0, 60)).toEqual([400, code]);
    }
    const huge = await api<ErrorBody>(server, "POST", `${base}/messages`, { bearer: token, body: { body: "x".repeat(70_000) } });
    expect([huge.status, huge.body.error.code]).toEqual([413, "too_large"]);
    const broken = await api<ErrorBody>(server, "POST", `${base}/messages`, { bearer: token, body: "{not json" });
    expect([broken.status, broken.body.error.code]).toEqual([400, "bad_request"]);
    expect((await api<ErrorBody>(server, "POST", "/api/v1/conversations/nope/messages", { bearer: token, body: { body: "hi" } })).status).toBe(404);
    expect(await server.app.database.prisma.message.count({ where: { conversationId: chat.id } })).toBe(9);

    // Close: the visitor sees it live; closing again changes nothing; a closed chat takes no messages.
    const closedLive = waitFor<ConversationDto>(chat.socket, "conversation:updated", (c) => c.status === "closed");
    const closed = await api<ApiConversationDto>(server, "POST", `${base}/close`, { bearer: token });
    expect(closed.status).toBe(200);
    expect(conforms(s.apiConversationDto, closed.body).status).toBe("closed");
    expect((await closedLive).id).toBe(chat.id);
    const again = await api<ApiConversationDto>(server, "POST", `${base}/close`, { bearer: token });
    expect([again.status, again.body.closedAt]).toEqual([200, closed.body.closedAt]);
    const late = await api<ErrorBody>(server, "POST", `${base}/messages`, { bearer: token, body: { body: "too late" } });
    expect([late.status, late.body.error.code]).toEqual([409, "conflict"]);
    expect((await api<ErrorBody>(server, "POST", "/api/v1/conversations/nope/close", { bearer: token })).status).toBe(404);
  });
});

describe("REST API: webhook endpoints", () => {
  it("validates endpoints, updates, rotates, deletes; admins use the same routes from the console", async () => {
    server = await startServer({ config: { webhooks: { allowHosts: ["127.0.0.1"] } } });
    const token = await apiToken(server, ["webhooks:read", "webhooks:write"]);
    const readOnly = await apiToken(server, ["webhooks:read"]);
    const url = "http://127.0.0.1:9/hook";
    for (const body of [
      { url, events: [] },
      { url, events: ["message.deleted"] },
      { url: "ftp://127.0.0.1/x", events: ["message.created"] },
      { url: "http://user:pw@127.0.0.1/x", events: ["message.created"] },
      { url, events: ["message.created"], secret: "short" },
      { url, events: ["message.created"], colour: "red" },
      { events: ["message.created"] },
    ]) {
      const res = await api<ErrorBody>(server, "POST", "/api/v1/webhooks", { bearer: token, body });
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([400, "bad_request"]);
    }
    expect((await api<ErrorBody>(server, "POST", "/api/v1/webhooks", { bearer: readOnly, body: { url, events: ["message.created"] } })).status).toBe(403);
    expect(await server.app.database.prisma.webhookEndpoint.count()).toBe(0);

    const created = await api<unknown>(server, "POST", "/api/v1/webhooks", { bearer: token, body: { url, events: ["message.created", "message.created"], description: "CRM" } });
    expect(created.status).toBe(201);
    const endpoint = conforms(s.createdWebhookEndpointDto, created.body);
    expect(endpoint).toMatchObject({ url, events: ["message.created"], includeNotes: false, enabled: true, failingSince: null, description: "CRM" });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(endpoint.secretHint).toBe(endpoint.secret.slice(-4));
    const listed = await api<unknown[]>(server, "GET", "/api/v1/webhooks", { bearer: readOnly });
    expect(listed.body).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret);
    conforms(s.webhookEndpointDto, listed.body[0]);

    const patched = await api(server, "PATCH", `/api/v1/webhooks/${endpoint.id}`, { bearer: token, body: { enabled: false, includeNotes: true, events: ["conversation.closed"] } });
    expect(patched.body).toMatchObject({ enabled: false, includeNotes: true, events: ["conversation.closed"] });
    expect((await api<ErrorBody>(server, "PATCH", `/api/v1/webhooks/${endpoint.id}`, { bearer: token, body: { url: "http://10.0.0.1/x" } })).body.error.message).toContain("private");
    const rotated = await api<{ secret: string }>(server, "POST", `/api/v1/webhooks/${endpoint.id}/secret`, { bearer: token });
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const log = await api(server, "GET", `/api/v1/webhooks/${endpoint.id}/deliveries`, { bearer: readOnly });
    expect(conforms(s.webhookDeliveryPage, log.body)).toEqual({ items: [], nextCursor: null });
    expect((await api<ErrorBody>(server, "GET", `/api/v1/webhooks/${endpoint.id}/deliveries?state=lost`, { bearer: readOnly })).status).toBe(400);

    // The console's admin page calls the same routes with the session cookie.
    await addAgent(server, { email: "admin@example.com", role: "admin" });
    await addAgent(server, { email: "agent@example.com" });
    const admin = await login(server, "admin@example.com");
    const agent = await login(server, "agent@example.com");
    expect((await api(server, "GET", "/api/v1/webhooks", { cookie: admin.cookie })).status).toBe(200);
    expect((await api(server, "GET", "/api/v1/webhooks", { cookie: agent.cookie })).status).toBe(403);
    expect((await api(server, "POST", "/api/v1/webhooks", { cookie: admin.cookie, csrf: false, body: { url, events: ["message.created"] } })).status).toBe(403);
    expect((await api(server, "POST", "/api/v1/webhooks", { cookie: admin.cookie, body: { url, events: ["message.created"] } })).status).toBe(201);

    expect((await api(server, "DELETE", `/api/v1/webhooks/${endpoint.id}`, { bearer: token })).status).toBe(204);
    expect((await api<ErrorBody>(server, "DELETE", `/api/v1/webhooks/${endpoint.id}`, { bearer: token })).body.error.code).toBe("not_found");
    expect((await api<ErrorBody>(server, "GET", `/api/v1/webhooks/${endpoint.id}`, { bearer: token })).status).toBe(404);
  });
});

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document whose references resolve", async () => {
    server = await startServer();
    const res = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string }[] }>> };
    expect(doc.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);

    // Every $ref points at something, every operationId is unique, every {param} is declared.
    const text = JSON.stringify(doc);
    for (const [, name] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      expect((doc as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas[name], name).toBeDefined();
    }
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, item] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(item)) expect((op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name), path).toEqual(names);
    }
  });

  it("covers every route the server has under /api/v1 (walking the Express router)", async () => {
    server = await startServer();
    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} /api/v1${path}`)));
    const routes = listRoutes(server.app)
      .filter((r) => r.path.startsWith("/api/v1/"))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(routes.length).toBeGreaterThan(30);
    const missing = routes.filter((r) => !documented.has(r));
    expect(missing, "routes missing from /api/v1/openapi.json").toEqual([]);
    // And no public operation documented that the server does not serve.
    const served = new Set(routes);
    const publicOps = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => !(op as { tags: string[] }).tags.includes("console"))
        .map(([m]) => `${m.toUpperCase()} /api/v1${path}`),
    );
    expect(publicOps.length).toBeGreaterThan(10);
    expect(publicOps.filter((d) => !served.has(d))).toEqual([]);
  });
});
