// What the server logs at info during a whole chat: sign-in, a visitor's messages, a signed
// identify, an agent's reply, an API token call, sign-out. None of the secrets or the words may
// appear; the events themselves must (so the test would notice a logger that writes nothing).
import { Writable } from "node:stream";
import { afterEach, expect, test } from "vitest";
import { createLogger } from "../../server/logger.ts";
import { identityHash } from "../../server/visitors/identify.ts";
import { createToken } from "../../server/tokens/service.ts";
import type { Ack } from "../../server/protocol.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectAgent, connectVisitor, login } from "../helpers/clients.ts";
import { api } from "../helpers/http.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
});

test("info logs of a full chat carry no token, cookie, password, identity secret or message body", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  server = await startServer({ logger: createLogger("info", sink) });
  const password = "Hunter2-very-secret-password";
  await addAgent(server, { email: "agent@example.test", password: "correct horse battery" });
  const admin = await addAgent(server, { email: "admin@example.test", role: "admin", password });

  // a failed and a good sign-in
  await fetch(`${server.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-parley-csrf": "1" },
    body: JSON.stringify({ email: "agent@example.test", password: "wrong-guess-password" }),
  });
  const { cookie } = await login(server, "agent@example.test");
  const adminCookie = (await login(server, "admin@example.test", password)).cookie;
  const agent = await connectAgent(server, cookie);
  expect(await emitAck(agent, "agent:status", { status: "online" })).toMatchObject({ ok: true });

  const { socket, session } = await connectVisitor(server);
  const site = await server.app.database.prisma.site.findUniqueOrThrow({ where: { key: server.demoKey } });
  const identified = await emitAck(socket, "visitor:identify", { id: "customer-42", hash: identityHash(site.identitySecret, "customer-42") });
  expect(identified).toMatchObject({ ok: true });
  const assigned = waitFor<{ conversation: { id: string } }>(agent, "conversation:assigned");
  const opened = await emitAck<Ack<{ conversation: { id: string } }>>(socket, "conversation:open", {
    clientId: "c1",
    message: { clientId: "m1", body: "my card number is 4111-SECRET-BODY" },
  });
  if (!opened.ok) throw new Error(opened.error.message);
  const conversationId = opened.data.conversation.id;
  await assigned;
  const reply = waitFor(socket, "message:new");
  expect(await emitAck(agent, "message:send", { conversationId, clientId: "r1", body: "agent reply AGENT-SECRET-BODY" })).toMatchObject({ ok: true });
  await reply;
  expect(await emitAck(agent, "message:send", { conversationId, clientId: "n1", body: "private NOTE-SECRET-BODY", note: true })).toMatchObject({ ok: true });

  const { token: apiToken } = await createToken(server.app.database.prisma, { name: "script", scopes: ["conversations:read", "conversations:write"] });
  const posted = await api(server, "POST", `/api/v1/conversations/${conversationId}/messages`, { bearer: apiToken, body: { body: "API-SECRET-BODY" } });
  expect(posted.status).toBeLessThan(300);
  expect(await emitAck(agent, "conversation:close", { conversationId })).toMatchObject({ ok: true });
  await api(server, "POST", "/api/v1/auth/logout", { cookie });

  const out = lines.join("");
  // the events are there
  expect(out).toContain("agent signed in");
  expect(out).toContain("sign-in failed");
  expect(out).toContain("conversation opened");
  expect(out).toContain("conversation closed");
  expect(out).toContain(admin.id);
  // the secrets and the words are not
  const secrets = [
    password,
    "correct horse battery",
    "wrong-guess-password",
    cookie.split("=")[1],
    adminCookie.split("=")[1],
    session.token,
    apiToken,
    site.identitySecret,
    "4111-SECRET-BODY",
    "AGENT-SECRET-BODY",
    "NOTE-SECRET-BODY",
    "API-SECRET-BODY",
  ];
  for (const secret of secrets) expect(out.includes(secret), `log contains ${secret.slice(0, 12)}…`).toBe(false);
});
