// Health, readiness, metrics and the first-admin setup, over plain HTTP.
import { afterEach, expect, it } from "vitest";
import { setupToken } from "../../server/auth/tokens.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectVisitor, ok, onlineAgent } from "../helpers/clients.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

it("reports health, readiness and Prometheus metrics", async () => {
  server = await startServer();
  expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
  expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: "ready" });
  await addAgent(server, { email: "ana@example.com" });
  const agent = await onlineAgent(server, "ana@example.com");
  const { socket } = await connectVisitor(server);
  const assigned = waitFor(agent.socket, "conversation:assigned");
  ok(await emitAck(socket, "conversation:open", { clientId: "o", message: { clientId: "m", body: "hi" } }));
  await assigned;
  const res = await fetch(`${server.url}/metrics`);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const text = await res.text();
  expect(text).toMatch(/^parley_connected_visitors 1$/m);
  expect(text).toMatch(/^parley_connected_agents 1$/m);
  expect(text).toMatch(/^parley_messages_total\{author="visitor"\} 1$/m);
  expect(text).toMatch(/^parley_assignment_latency_seconds_count 1$/m);
  expect(text).toContain("parley_queued_conversations");
});

it("is not ready when a migration is missing", async () => {
  server = await startServer();
  await server.app.database.prisma.$executeRawUnsafe(`DELETE FROM "_parley_migrations"`);
  const res = await fetch(`${server.url}/readyz`);
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: "unavailable", reason: expect.stringMatching(/^migrations pending: 0001_init\.sql/) });
});

it("creates the first admin through the one-time setup link, once", async () => {
  server = await startServer();
  expect(server.app.setupUrl).toContain(`/console/setup?token=${setupToken(server.app.config.secret)}`);
  const setup = (body: object) =>
    fetch(`${server!.url}/api/v1/setup`, { method: "POST", headers: { "content-type": "application/json", "x-parley-csrf": "1" }, body: JSON.stringify(body) });
  expect(await (await fetch(`${server.url}/api/v1/setup`)).json()).toEqual({ needed: true });
  const wrong = await setup({ token: "0".repeat(64), email: "boss@example.com", name: "Boss", password: "long enough pw" });
  expect(wrong.status).toBe(403);
  const short = await setup({ token: setupToken(server.app.config.secret), email: "boss@example.com", name: "Boss", password: "short" });
  expect(short.status).toBe(400);
  const good = await setup({ token: setupToken(server.app.config.secret), email: "boss@example.com", name: "Boss", password: "long enough pw" });
  expect(good.status).toBe(201);
  expect(good.headers.get("set-cookie")).toMatch(/parley_session=/);
  expect(((await good.json()) as { role: string }).role).toBe("admin");
  const again = await setup({ token: setupToken(server.app.config.secret), email: "evil@example.com", name: "Evil", password: "long enough pw" });
  expect(again.status).toBe(409);
  expect(await server.app.database.prisma.agent.count()).toBe(1);
});

it("creates the admin from PARLEY_ADMIN_EMAIL/PASSWORD and then offers no setup link", async () => {
  server = await startServer({ config: { adminEmail: "root@example.com", adminPassword: "correct horse battery" } });
  expect(server.app.setupUrl).toBeNull();
  const admin = await server.app.database.prisma.agent.findUniqueOrThrow({ where: { email: "root@example.com" } });
  expect(admin.role).toBe("admin");
  expect(admin.passwordHash).toMatch(/^scrypt\$/);
  expect(admin.passwordHash).not.toContain("correct horse battery");
});
