// Who may do what: visitors only their own conversation, sites only their allowed origins,
// agents only with a session, scripts only with a scoped token.
import { afterEach, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import type { Ack, ConversationDto, MessageDto } from "../../server/protocol.ts";
import { hashToken } from "../../server/auth/tokens.ts";
import { addAgent, addSite, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectVisitor, login, ok, visitorRefused } from "../helpers/clients.ts";
import { emitAck } from "../helpers/wait.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

describe("authorization", () => {
  it("a visitor cannot read or write another visitor's conversation", async () => {
    server = await startServer();
    const alice = await connectVisitor(server);
    const conv = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(alice.socket, "conversation:open", {
      clientId: "o", message: { clientId: "m", body: "private to alice" },
    })).conversation;
    const mallory = await connectVisitor(server);
    for (const [event, payload] of [
      ["messages:since", { conversationId: conv.id, afterSeq: 0 }],
      ["message:send", { conversationId: conv.id, clientId: "x", body: "hijack" }],
      ["conversation:close", { conversationId: conv.id }],
      ["conversation:rate", { conversationId: conv.id, rating: 1 }],
    ] as const) {
      const ack = await emitAck<Ack<unknown>>(mallory.socket, event, payload);
      expect(ack, event).toEqual({ ok: false, error: { code: "not_found", message: expect.any(String) } });
    }
    const row = await server.app.database.prisma.conversation.findUniqueOrThrow({ where: { id: conv.id } });
    expect(row.status).toBe("queued");
    expect(row.rating).toBeNull();
    expect(await server.app.database.prisma.message.count({ where: { conversationId: conv.id } })).toBe(1);
  });

  it("a token from another site does not carry over; a forged token gets a fresh visitor", async () => {
    server = await startServer();
    const other = await addSite(server, "Other", [server.url]);
    const a = await connectVisitor(server);
    const b = await connectVisitor(server, { siteKey: other.key, token: a.session.token });
    expect(b.session.visitor.id).not.toBe(a.session.visitor.id);
    expect(b.session.token).not.toBe(a.session.token);
    const c = await connectVisitor(server, { token: "v_forged" });
    expect(c.session.visitor.id).not.toBe(a.session.visitor.id);
  });

  it("refuses a page whose origin the site does not allow, and unknown sites", async () => {
    server = await startServer();
    const wrongOrigin = await visitorRefused(server, { origin: "https://evil.example" });
    expect(wrongOrigin.data?.code).toBe("forbidden");
    const noOrigin = await visitorRefused(server, { origin: "" });
    expect(noOrigin.data?.code).toBe("forbidden");
    const unknown = await visitorRefused(server, { siteKey: "site_nope" });
    expect(unknown.data?.code).toBe("not_found");
    const missing = await visitorRefused(server, { siteKey: "" });
    expect(missing.data?.code).toBe("bad_request");
    expect(await server.app.database.prisma.visitor.count()).toBe(0);
  });

  it("refuses agent sockets without a valid session or from another origin", async () => {
    server = await startServer();
    await addAgent(server, { email: "ana@example.com" });
    const attempt = (headers: Record<string, string>) =>
      new Promise<{ code?: string }>((resolve, reject) => {
        const s = io(`${server!.url}/agent`, { extraHeaders: headers, transports: ["websocket"], reconnection: false, forceNew: true });
        s.once("connect", () => {
          s.disconnect();
          reject(new Error("accepted"));
        });
        s.once("connect_error", (err) => {
          s.disconnect();
          resolve((err as Error & { data?: { code?: string } }).data ?? {});
        });
      });
    expect((await attempt({})).code).toBe("unauthorized");
    expect((await attempt({ cookie: "parley_session=forged" })).code).toBe("unauthorized");
    const { cookie } = await login(server, "ana@example.com");
    expect((await attempt({ cookie, origin: "https://evil.example" })).code).toBe("forbidden");
    // Signing out revokes the session for sockets too.
    await fetch(`${server.url}/api/v1/auth/logout`, { method: "POST", headers: { cookie, "x-parley-csrf": "1" } });
    expect((await attempt({ cookie })).code).toBe("unauthorized");
  });

  it("guards the transcript API: session or scoped token, nothing else", async () => {
    server = await startServer();
    const db = server.app.database.prisma;
    await addAgent(server, { email: "ana@example.com" });
    const { socket } = await connectVisitor(server);
    const conv = ok(await emitAck<Ack<{ conversation: ConversationDto; messages: MessageDto[] }>>(socket, "conversation:open", {
      clientId: "o", message: { clientId: "m", body: "hello" },
    })).conversation;
    await db.apiToken.create({ data: { name: "export", tokenHash: hashToken("pk_good"), scopes: JSON.stringify(["transcripts:read"]) } });
    await db.apiToken.create({ data: { name: "other", tokenHash: hashToken("pk_noscope"), scopes: JSON.stringify(["webhooks:write"]) } });
    await db.apiToken.create({ data: { name: "old", tokenHash: hashToken("pk_revoked"), scopes: JSON.stringify(["transcripts:read"]), revokedAt: new Date() } });
    const url = `${server.url}/api/v1/conversations/${conv.id}/transcript.json`;
    const status = async (headers: Record<string, string>) => (await fetch(url, { headers })).status;
    expect(await status({})).toBe(401);
    expect(await status({ authorization: "Bearer pk_wrong" })).toBe(401);
    expect(await status({ authorization: "Bearer pk_revoked" })).toBe(401);
    expect(await status({ authorization: "Bearer pk_noscope" })).toBe(403);
    expect(await status({ authorization: "Bearer pk_good" })).toBe(200);
    const { cookie } = await login(server, "ana@example.com");
    expect(await status({ cookie })).toBe(200);
    const body = await (await fetch(url, { headers: { authorization: "Bearer pk_good" } })).text();
    expect(body).not.toContain("identitySecret");
    expect(body).not.toContain("tokenHash");
    const missing = await fetch(`${server.url}/api/v1/conversations/nope/transcript.json`, { headers: { cookie } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
  });

  it("signs in only with the right password, without saying which part was wrong", async () => {
    server = await startServer();
    await addAgent(server, { email: "ana@example.com" });
    const tryLogin = (email: string, password: string) =>
      fetch(`${server!.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", "x-parley-csrf": "1" }, body: JSON.stringify({ email, password }) });
    const wrongPassword = await tryLogin("ana@example.com", "nope");
    const wrongEmail = await tryLogin("nobody@example.com", "nope");
    expect(wrongPassword.status).toBe(401);
    expect(wrongEmail.status).toBe(401);
    expect(await wrongPassword.json()).toEqual(await wrongEmail.json());
    const good = await tryLogin("ana@example.com", "correct horse battery");
    expect(good.status).toBe(200);
    const cookie = good.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/parley_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(JSON.stringify(await good.json())).not.toContain("passwordHash");
  });
});
