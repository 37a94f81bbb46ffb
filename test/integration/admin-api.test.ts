// The admin API behind the console: only admins, clear errors, nothing changed on bad input,
// deactivation really locks an agent out (sessions and live sockets), tokens shown once.
import { afterEach, describe, expect, it } from "vitest";
import type { AdminAgentDto, ApiTokenDto, CreatedAgentDto, CreatedApiTokenDto, ErrorResponse, SiteDto } from "../../server/protocol.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectAgent, login } from "../helpers/clients.ts";
import { api } from "../helpers/http.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

async function adminAndAgent(s: TestServer) {
  await addAgent(s, { email: "root@example.com", name: "Root", role: "admin" });
  await addAgent(s, { email: "ana@example.com", name: "Ana" });
  return { admin: (await login(s, "root@example.com")).cookie, agent: (await login(s, "ana@example.com")).cookie };
}

const ROUTES: [string, string, unknown?][] = [
  ["GET", "/api/v1/admin/sites"],
  ["POST", "/api/v1/admin/sites", { name: "Shop", allowedOrigins: ["https://shop.example"] }],
  ["GET", "/api/v1/admin/agents"],
  ["POST", "/api/v1/admin/agents", { email: "new@example.com", name: "New" }],
  ["GET", "/api/v1/admin/tokens"],
  ["POST", "/api/v1/admin/tokens", { name: "ci" }],
];

describe("admin API authorization", () => {
  it("anonymous gets 401, an agent 403, an admin gets through; refusals change nothing", async () => {
    server = await startServer();
    const { admin, agent } = await adminAndAgent(server);
    const db = server.app.database.prisma;
    const before = [await db.site.count(), await db.agent.count(), await db.apiToken.count()];
    for (const [method, path, body] of ROUTES) {
      const anon = await api<ErrorResponse>(server, method, path, { body });
      expect([path, anon.status, anon.body.error.code]).toEqual([path, 401, "unauthorized"]);
      const asAgent = await api<ErrorResponse>(server, method, path, { cookie: agent, body });
      expect([path, asAgent.status, asAgent.body.error.code]).toEqual([path, 403, "forbidden"]);
    }
    expect([await db.site.count(), await db.agent.count(), await db.apiToken.count()]).toEqual(before);
    for (const [method, path, body] of ROUTES) {
      const res = await api(server, method, path, { cookie: admin, body });
      expect([path, res.status]).toEqual([path, method === "POST" ? 201 : 200]);
    }
  });

  it("a cookie-authenticated write without the CSRF header is refused, with a bearer token it is not needed", async () => {
    server = await startServer();
    const { admin, agent } = await adminAndAgent(server);
    const refused = await api<ErrorResponse>(server, "POST", "/api/v1/admin/sites", { cookie: admin, csrf: false, body: { name: "X", allowedOrigins: ["https://x.example"] } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    expect(await server.app.database.prisma.site.count({ where: { name: "X" } })).toBe(0);
    // The existing auth routes are covered too: password change and sign-out.
    const pw = await api<ErrorResponse>(server, "POST", "/api/v1/auth/password", { cookie: agent, csrf: false, body: { current: "correct horse battery", next: "another password" } });
    expect(pw.status).toBe(403);
    expect((await api(server, "POST", "/api/v1/auth/logout", { cookie: agent, csrf: false })).status).toBe(403);
    expect((await api(server, "GET", "/api/v1/auth/me", { cookie: agent })).status).toBe(200);
    const signIn = await api<ErrorResponse>(server, "POST", "/api/v1/auth/login", { csrf: false, body: { email: "ana@example.com", password: "correct horse battery" } });
    expect(signIn.status).toBe(403);
  });

  it("admin/agent role is read per request: a demoted admin loses access at once", async () => {
    server = await startServer();
    const { admin } = await adminAndAgent(server);
    await addAgent(server, { email: "second@example.com", role: "admin" });
    const second = (await login(server, "second@example.com")).cookie;
    const list = await api<AdminAgentDto[]>(server, "GET", "/api/v1/admin/agents", { cookie: admin });
    const target = list.body.find((a) => a.email === "second@example.com")!;
    expect((await api(server, "PATCH", `/api/v1/admin/agents/${target.id}`, { cookie: admin, body: { role: "agent" } })).status).toBe(200);
    expect((await api(server, "GET", "/api/v1/admin/sites", { cookie: second })).status).toBe(403);
  });
});

describe.each(dbKinds())("admin API on %s", (db) => {
  it("sites: create with snippet and identity secret, edit, rotate; bad input changes nothing", async () => {
    server = await startServer({ db });
    const { admin } = await adminAndAgent(server);
    const created = await api<SiteDto>(server, "POST", "/api/v1/admin/sites", {
      cookie: admin,
      body: { name: "Shop", allowedOrigins: ["https://Shop.example:443/", "https://shop.example"], routingMode: "manual", defaultCapacity: 4 },
    });
    expect(created.status).toBe(201);
    const site = created.body;
    expect(site.allowedOrigins).toEqual(["https://shop.example"]);
    expect(site.routingMode).toBe("manual");
    expect(site.defaultCapacity).toBe(4);
    expect(site.identitySecret.length).toBeGreaterThanOrEqual(32);
    expect(site.snippet).toBe(`<script async src="${server.app.config.publicUrl}/widget.js" data-parley-site="${site.key}"></script>`);

    const edited = await api<SiteDto>(server, "PATCH", `/api/v1/admin/sites/${site.id}`, { cookie: admin, body: { name: "Shop EU", defaultCapacity: null, routingMode: "auto" } });
    expect(edited.status).toBe(200);
    expect([edited.body.name, edited.body.defaultCapacity, edited.body.routingMode, edited.body.key]).toEqual(["Shop EU", null, "auto", site.key]);

    const themed = await api<SiteDto>(server, "PATCH", `/api/v1/admin/sites/${site.id}`, {
      cookie: admin,
      body: { settings: { color: "#112233", greeting: "Hi there", preChat: { enabled: true, fields: [{ key: "order", label: "Order number" }] } } },
    });
    expect(themed.status).toBe(200);
    expect(themed.body.settings).toMatchObject({ color: "#112233", greeting: "Hi there", position: "right", preChat: { enabled: true, fields: [{ key: "order", label: "Order number", type: "text", required: false }] } });
    const kept = await api<SiteDto>(server, "PATCH", `/api/v1/admin/sites/${site.id}`, { cookie: admin, body: { settings: { position: "left" } } });
    expect(kept.body.settings).toMatchObject({ color: "#112233", position: "left" });

    const rotated = await api<SiteDto>(server, "POST", `/api/v1/admin/sites/${site.id}/identity-secret`, { cookie: admin });
    expect(rotated.body.identitySecret).not.toBe(site.identitySecret);

    const bad: [string, string, unknown][] = [
      ["POST", "/api/v1/admin/sites", { name: "No origins", allowedOrigins: [] }],
      ["POST", "/api/v1/admin/sites", { name: "Bad origin", allowedOrigins: ["javascript:alert(1)"] }],
      ["POST", "/api/v1/admin/sites", { name: "", allowedOrigins: ["https://a.example"] }],
      ["POST", "/api/v1/admin/sites", { name: "Extra", allowedOrigins: ["https://a.example"], identitySecret: "mine" }],
      ["POST", "/api/v1/admin/sites", "{not json"],
      ["PATCH", `/api/v1/admin/sites/${site.id}`, { routingMode: "random" }],
      ["PATCH", `/api/v1/admin/sites/${site.id}`, { defaultCapacity: 0 }],
      ["PATCH", `/api/v1/admin/sites/${site.id}`, { allowedOrigins: ["not an origin"] }],
      ["PATCH", `/api/v1/admin/sites/${site.id}`, { name: "x".repeat(121) }],
      ["PATCH", `/api/v1/admin/sites/${site.id}`, { settings: { color: "red" } }],
      ["PATCH", `/api/v1/admin/sites/${site.id}`, { settings: { unknownKey: true } }],
      ["PATCH", `/api/v1/admin/sites/${site.id}`, { settings: { businessHours: { timezone: "Mars/Base", days: {} } } }],
      ["PATCH", `/api/v1/admin/sites/${site.id}`, { settings: "color" }],
    ];
    for (const [method, path, body] of bad) {
      const res = await api<ErrorResponse>(server, method, path, { cookie: admin, body });
      expect([JSON.stringify(body), res.status, res.body.error.code]).toEqual([JSON.stringify(body), 400, "bad_request"]);
    }
    const missing = await api<ErrorResponse>(server, "PATCH", "/api/v1/admin/sites/nope", { cookie: admin, body: { name: "x" } });
    expect([missing.status, missing.body.error.code]).toEqual([404, "not_found"]);
    const after = await api<SiteDto>(server, "GET", `/api/v1/admin/sites/${site.id}`, { cookie: admin });
    expect({ ...after.body, identitySecret: "" }).toEqual({ ...rotated.body, identitySecret: "" });
    expect((await api<SiteDto[]>(server, "GET", "/api/v1/admin/sites", { cookie: admin })).body.map((s) => s.name)).toEqual(["Demo", "Shop EU"]);
  });

  it("agents: create (password generated once), duplicate, capacity; deactivation revokes sessions and drops live sockets", async () => {
    server = await startServer({ db });
    const { admin } = await adminAndAgent(server);
    const created = await api<CreatedAgentDto>(server, "POST", "/api/v1/admin/agents", { cookie: admin, body: { email: "Bo@Example.com", name: "Bo", maxChats: 2 } });
    expect(created.status).toBe(201);
    expect(created.body.agent).toMatchObject({ email: "bo@example.com", name: "Bo", role: "agent", maxChats: 2, active: true });
    expect(created.body.password).toMatch(/^\S{12,}$/);
    const dup = await api<ErrorResponse>(server, "POST", "/api/v1/admin/agents", { cookie: admin, body: { email: "bo@example.com", name: "Bo 2" } });
    expect([dup.status, dup.body.error.code]).toEqual([409, "conflict"]);
    for (const body of [{ email: "x", name: "X" }, { email: "c@example.com", name: "C", role: "owner" }, { email: "c@example.com", name: "C", password: "short" }, { email: "c@example.com", name: "C", maxChats: 1000 }]) {
      const res = await api<ErrorResponse>(server, "POST", "/api/v1/admin/agents", { cookie: admin, body });
      expect(res.status).toBe(400);
    }
    expect(await server.app.database.prisma.agent.count()).toBe(3);

    const bo = await login(server, "bo@example.com", created.body.password!);
    const socket = await connectAgent(server, bo.cookie);
    const dropped = new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
    const deactivated = await api<AdminAgentDto>(server, "PATCH", `/api/v1/admin/agents/${bo.agent.id}`, { cookie: admin, body: { active: false } });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ active: false, status: "offline" });
    expect(await dropped).toBe("io server disconnect");
    expect((await api(server, "GET", "/api/v1/auth/me", { cookie: bo.cookie })).status).toBe(401);
    expect(await server.app.database.prisma.agentSession.count({ where: { agentId: bo.agent.id } })).toBe(0);
    await expect(login(server, "bo@example.com", created.body.password!)).rejects.toThrow(/401/);
    await expect(connectAgent(server, bo.cookie)).rejects.toThrow();

    // Admins cannot lock themselves out.
    const me = (await api<AdminAgentDto[]>(server, "GET", "/api/v1/admin/agents", { cookie: admin })).body.find((a) => a.email === "root@example.com")!;
    for (const body of [{ active: false }, { role: "agent" }]) {
      const res = await api<ErrorResponse>(server, "PATCH", `/api/v1/admin/agents/${me.id}`, { cookie: admin, body });
      expect([res.status, res.body.error.code]).toEqual([409, "conflict"]);
    }
    // Reactivation lets the agent sign in again.
    expect((await api(server, "PATCH", `/api/v1/admin/agents/${bo.agent.id}`, { cookie: admin, body: { active: true, maxChats: null } })).status).toBe(200);
    await login(server, "bo@example.com", created.body.password!);
  });

  it("API tokens: shown once, stored hashed, usable, revocable", async () => {
    server = await startServer({ db });
    const { admin } = await adminAndAgent(server);
    const created = await api<CreatedApiTokenDto>(server, "POST", "/api/v1/admin/tokens", { cookie: admin, body: { name: "exporter", scopes: ["transcripts:read"] } });
    expect(created.status).toBe(201);
    const { token, ...meta } = created.body;
    expect(token).toMatch(/^pk_/);
    const rows = await server.app.database.prisma.apiToken.findMany();
    expect(rows.some((r) => r.tokenHash.includes(token) || token.includes(r.tokenHash))).toBe(false);
    const list = await api<ApiTokenDto[]>(server, "GET", "/api/v1/admin/tokens", { cookie: admin });
    expect(list.body).toEqual([meta]);
    expect(JSON.stringify(list.body)).not.toContain(token);

    // Usable: an unknown conversation answers 404 (authorised), not 401.
    expect((await api(server, "GET", "/api/v1/conversations/none/transcript.json", { bearer: token })).status).toBe(404);
    for (const body of [{ name: "" }, { name: "x", scopes: ["Bad Scope"] }, { name: "x", scopes: [] }]) {
      expect((await api(server, "POST", "/api/v1/admin/tokens", { cookie: admin, body })).status).toBe(400);
    }
    const revoked = await api<ApiTokenDto>(server, "DELETE", `/api/v1/admin/tokens/${meta.id}`, { cookie: admin });
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await api(server, "GET", "/api/v1/conversations/none/transcript.json", { bearer: token })).status).toBe(401);
    expect((await api(server, "DELETE", "/api/v1/admin/tokens/unknown", { cookie: admin })).status).toBe(404);
  });
});
