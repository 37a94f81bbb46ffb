// Sessions and secrets: cookie flags (Secure only behind https), a new session id on every
// sign-in with the old one revoked, sign-out revokes, and a site's identity secret reaches no
// browser but an admin's. (Deactivation revoking sessions and sockets: admin-api.test.ts.)
import { afterEach, expect, test } from "vitest";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectAgent, connectVisitor, login } from "../helpers/clients.ts";
import { api } from "../helpers/http.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
});

async function rawLogin(s: TestServer, email: string, cookie?: string) {
  const res = await fetch(`${s.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-parley-csrf": "1", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ email, password: "correct horse battery" }),
  });
  expect(res.status).toBe(200);
  return res.headers.get("set-cookie") ?? "";
}

test("the session cookie is HttpOnly and SameSite; Secure when the public URL is https, not on plain http", async () => {
  server = await startServer();
  await addAgent(server, { email: "a@example.test" });
  const plain = await rawLogin(server, "a@example.test");
  expect(plain).toMatch(/HttpOnly/i);
  expect(plain).toMatch(/SameSite=Lax/i);
  expect(plain).not.toMatch(/Secure/i);
  await server.close();
  server = await startServer({ config: { publicUrl: "https://chat.example.test" } });
  await addAgent(server, { email: "a@example.test" });
  expect(await rawLogin(server, "a@example.test")).toMatch(/;\s*Secure/i);
});

test("signing in again rotates the session and revokes the old one; signing out revokes the new one and its sockets cannot connect", async () => {
  server = await startServer();
  await addAgent(server, { email: "a@example.test" });
  const first = (await rawLogin(server, "a@example.test")).split(";")[0];
  const second = (await rawLogin(server, "a@example.test", first)).split(";")[0];
  expect(second).not.toBe(first);
  expect((await api(server, "GET", "/api/v1/auth/me", { cookie: first })).status).toBe(401);
  expect((await api(server, "GET", "/api/v1/auth/me", { cookie: second })).status).toBe(200);
  expect((await api(server, "POST", "/api/v1/auth/logout", { cookie: second })).status).toBe(200);
  expect((await api(server, "GET", "/api/v1/auth/me", { cookie: second })).status).toBe(401);
  await expect(connectAgent(server, second)).rejects.toThrow();
  // sessions are stored hashed: the cookie value is not in the database
  const rows = JSON.stringify(await server.app.database.prisma.agentSession.findMany());
  expect(rows.includes(second.split("=")[1])).toBe(false);
});

test("a site's identity secret is in no response to an agent or a visitor, only to an admin", async () => {
  server = await startServer();
  await addAgent(server, { email: "agent@example.test" });
  await addAgent(server, { email: "admin@example.test", role: "admin" });
  const site = await server.app.database.prisma.site.findUniqueOrThrow({ where: { key: server.demoKey } });
  const agentCookie = (await login(server, "agent@example.test")).cookie;
  const adminCookie = (await login(server, "admin@example.test")).cookie;
  const seen: string[] = [];
  for (const path of ["/api/v1/sites", `/api/v1/widget/config/${server.demoKey}`, "/api/v1/auth/me", "/api/v1/history", `/api/v1/admin/sites/${site.id}`]) {
    seen.push(JSON.stringify((await api(server, "GET", path, { cookie: agentCookie })).body));
  }
  // the iframe page, with its boot data (needs the built widget; the page is then a 200)
  const widgetPage = await fetch(`${server.url}/widget/frame/${server.demoKey}?origin=${encodeURIComponent(server.url)}`);
  seen.push(await widgetPage.text());
  const { session } = await connectVisitor(server);
  seen.push(JSON.stringify(session));
  for (const text of seen) expect(text.includes(site.identitySecret)).toBe(false);
  const asAdmin = await api<{ identitySecret: string }>(server, "GET", `/api/v1/admin/sites/${site.id}`, { cookie: adminCookie });
  expect(asAdmin.body.identitySecret).toBe(site.identitySecret);
});
