// What the console needs from the server beyond the backbone: private notes that never reach
// visitors, tags, history filters and full-text search (both databases), canned responses,
// the visitor's past conversations and the agent list.
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Ack, AgentDto, CannedResponseDto, ConversationDto, ConversationSummaryDto, ErrorResponse, HistoryPageDto, MessageDto } from "../../server/protocol.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectVisitor, ok, onlineAgent } from "../helpers/clients.ts";
import { api } from "../helpers/http.ts";
import { collect, emitAck, waitFor } from "../helpers/wait.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

/** A visitor opens a chat that the online agent gets assigned; returns both ends. */
async function chat(s: TestServer, agent: Socket, first: string, opts: { siteKey?: string; token?: string } = {}) {
  const visitor = await connectVisitor(s, opts);
  const assigned = waitFor<ConversationSummaryDto>(agent, "conversation:assigned", (c) => c.visitorId === visitor.session.visitor.id);
  const opened = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(visitor.socket, "conversation:open", { clientId: `o-${first}`, message: { clientId: `m-${first}`, body: first } }));
  await assigned;
  return { visitor, conversationId: opened.conversation.id };
}

describe("notes", () => {
  it("a private note reaches agents and never the visitor, live or on replay", async () => {
    server = await startServer();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const ana = await onlineAgent(server, "ana@example.com");
    const { visitor, conversationId } = await chat(server, ana.socket, "hello");
    const seenByVisitor = collect<MessageDto>(visitor.socket, "message:new");
    const note = ok(await emitAck<Ack<MessageDto>>(ana.socket, "message:send", { conversationId, clientId: "n-1", body: "VIP customer, be nice", note: true }));
    expect(note.note).toBe(true);
    // A public reply after the note: once it arrives, the note would have arrived before it.
    const reply = waitFor<MessageDto>(visitor.socket, "message:new", (m) => m.clientId === "r-1");
    ok(await emitAck(ana.socket, "message:send", { conversationId, clientId: "r-1", body: "Hi!" }));
    await reply;
    expect(seenByVisitor.map((m) => m.body)).toEqual(["Hi!"]);
    const replay = ok(await emitAck<Ack<MessageDto[]>>(visitor.socket, "messages:since", { conversationId, afterSeq: 0 }));
    expect(replay.map((m) => m.body)).toEqual(["hello", "Hi!"]);
    const agentView = ok(await emitAck<Ack<{ messages: MessageDto[] }>>(ana.socket, "conversation:get", { conversationId }));
    expect(agentView.messages.map((m) => [m.body, m.note])).toEqual([["hello", false], ["VIP customer, be nice", true], ["Hi!", false]]);
    const transcript = await api<{ messages: MessageDto[] }>(server, "GET", `/api/v1/conversations/${conversationId}/transcript.json`, { cookie: ana.cookie });
    expect(transcript.body.messages.map((m) => m.body)).not.toContain("VIP customer, be nice");
  });
});

describe("tags, past conversations, agents", () => {
  it("tags are normalised, broadcast to agents, and validated", async () => {
    server = await startServer();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await addAgent(server, { email: "bo@example.com", name: "Bo" });
    const ana = await onlineAgent(server, "ana@example.com");
    const { conversationId } = await chat(server, ana.socket, "hello");
    const tagged = (list: ConversationSummaryDto[]) => list.find((c) => c.id === conversationId && c.tags.length > 0);
    const broadcast = waitFor<ConversationSummaryDto[]>(ana.socket, "conversations:updated", (list) => tagged(list) !== undefined).then((list) => tagged(list) as ConversationSummaryDto);
    const acked = ok(await emitAck<Ack<ConversationDto>>(ana.socket, "conversation:tags", { conversationId, tags: ["Billing", " billing ", "VIP Customer"] }));
    expect(acked.tags).toEqual(["billing", "vip-customer"]);
    expect((await broadcast).tags).toEqual(["billing", "vip-customer"]);
    for (const payload of [{ conversationId, tags: "billing" }, { conversationId, tags: Array(21).fill("x").map((x, i) => x + i) }, { conversationId, tags: ["x".repeat(41)] }, { conversationId, tags: [""] }, { conversationId, tags: [], extra: 1 }]) {
      const ack = await emitAck<Ack<unknown>>(ana.socket, "conversation:tags", payload);
      expect(ack.ok ? "ok" : ack.error.code).toBe("bad_request");
    }
    const missing = await emitAck<Ack<unknown>>(ana.socket, "conversation:tags", { conversationId: "nope", tags: [] });
    expect(missing.ok ? "ok" : missing.error.code).toBe("not_found");
    const row = await server.app.database.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } });
    expect(JSON.parse(row.tags)).toEqual(["billing", "vip-customer"]);

    const agents = ok(await emitAck<Ack<AgentDto[]>>(ana.socket, "agents:list", {}));
    expect(agents.map((a) => [a.name, a.status])).toEqual([["Ana", "online"], ["Bo", "offline"]]);
  });

  it("past conversations of the same visitor are listed, newest first, without the current one", async () => {
    server = await startServer();
    await addAgent(server, { email: "ana@example.com", name: "Ana", maxChats: 5 });
    const ana = await onlineAgent(server, "ana@example.com");
    const first = await chat(server, ana.socket, "first visit");
    ok(await emitAck(ana.socket, "conversation:close", { conversationId: first.conversationId }));
    const second = await chat(server, ana.socket, "second visit", { token: first.visitor.session.token });
    await chat(server, ana.socket, "someone else");
    const past = ok(await emitAck<Ack<ConversationSummaryDto[]>>(ana.socket, "visitor:conversations", { conversationId: second.conversationId }));
    expect(past.map((c) => [c.id, c.preview])).toEqual([[first.conversationId, "first visit"]]);
  });
});

describe.each(dbKinds())("history on %s", (db) => {
  it("filters by site, agent, tag, rating and dates, searches message text, pages with a cursor", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", name: "Ana", maxChats: 20 });
    await addAgent(server, { email: "bo@example.com", name: "Bo", maxChats: 20 });
    const ana = await onlineAgent(server, "ana@example.com");
    const prisma = server.app.database.prisma;
    const ids: string[] = [];
    const bodies = ["My ORDER #123 never arrived", "Refund please, 100% wrong size", "password reset_link broken", "Where is my order?"];
    for (const body of bodies) {
      const c = await chat(server, ana.socket, body);
      ok(await emitAck(ana.socket, "message:send", { conversationId: c.conversationId, clientId: "a", body: `Agent reply to: ${body.slice(0, 5)}` }));
      ok(await emitAck(ana.socket, "conversation:close", { conversationId: c.conversationId }));
      ids.push(c.conversationId);
    }
    ok(await emitAck(ana.socket, "conversation:tags", { conversationId: ids[0], tags: ["shipping"] }));
    ok(await emitAck(ana.socket, "conversation:tags", { conversationId: ids[3], tags: ["shipping", "vip"] }));
    await prisma.conversation.update({ where: { id: ids[1] }, data: { rating: 5, assigneeId: (await prisma.agent.findFirstOrThrow({ where: { name: "Bo" } })).id } });
    await prisma.conversation.update({ where: { id: ids[0] }, data: { createdAt: new Date("2026-01-15T10:00:00Z") } });
    // Still open: never in history, even when it matches.
    await chat(server, ana.socket, "order still open");

    const search = async (query: string) => {
      const res = await api<HistoryPageDto>(server!, "GET", `/api/v1/history?${query}`, { cookie: ana.cookie });
      expect(res.status, query).toBe(200);
      return res.body.items.map((c) => ids.indexOf(c.id));
    };
    expect(await search("")).toEqual([3, 2, 1, 0]);
    expect(await search("q=order")).toEqual([3, 0]);
    expect(await search("q=ORDER%20arrived")).toEqual([0]);
    expect(await search("q=100%25")).toEqual([1]);
    expect(await search("q=reset_link")).toEqual([2]);
    expect(await search("q=reset%25link")).toEqual([]);
    expect(await search("q=agent%20reply")).toEqual([3, 2, 1, 0]);
    expect(await search("tag=shipping")).toEqual([3, 0]);
    expect(await search("tag=VIP")).toEqual([3]);
    expect(await search("rating=5")).toEqual([1]);
    expect(await search(`agent=${ana.agent.id}`)).toEqual([3, 2, 0]);
    expect(await search(`site=${(await prisma.site.findFirstOrThrow()).id}&q=order&tag=shipping`)).toEqual([3, 0]);
    expect(await search("to=2026-01-15")).toEqual([0]);
    expect(await search("from=2026-01-16")).toEqual([3, 2, 1]);
    expect(await search("from=2026-01-15T00:00:00Z&to=2026-01-15T23:00:00Z")).toEqual([0]);
    expect(await search("site=other")).toEqual([]);

    const page1 = await api<HistoryPageDto>(server, "GET", "/api/v1/history", { cookie: ana.cookie });
    expect(page1.body.nextCursor).toBeNull();
    for (const [query, code] of [["rating=9", 400], ["from=yesterday", 400], ["from=2026-02-01&to=2026-01-01", 400], ["tag=a&tag=b", 400], ["unknown=1", 400], [`q=${"x".repeat(201)}`, 400]] as const) {
      const res = await api<ErrorResponse>(server, "GET", `/api/v1/history?${query}`, { cookie: ana.cookie });
      expect([query, res.status, res.body.error.code]).toEqual([query, code, "bad_request"]);
    }
    expect((await api(server, "GET", "/api/v1/history")).status).toBe(401);
  });

  it("pages through many closed conversations with a cursor", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com" });
    const ana = await onlineAgent(server, "ana@example.com");
    const prisma = server.app.database.prisma;
    const site = await prisma.site.findFirstOrThrow();
    const visitor = await prisma.visitor.create({ data: { siteId: site.id, tokenHash: "h" } });
    for (let i = 0; i < 120; i++) {
      await prisma.conversation.create({ data: { siteId: site.id, visitorId: visitor.id, status: "closed", closedAt: new Date(), createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)) } });
    }
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const res: { body: HistoryPageDto } = await api<HistoryPageDto>(server, "GET", `/api/v1/history${cursor ? `?cursor=${cursor}` : ""}`, { cookie: ana.cookie });
      seen.push(...res.body.items.map((c) => c.id));
      cursor = res.body.nextCursor;
    }
    expect(seen.length).toBe(120);
    expect(new Set(seen).size).toBe(120);
  });
});

describe("canned responses", () => {
  it("any agent creates, searches, edits and deletes; shortcuts are unique; bad input is refused", async () => {
    server = await startServer();
    await addAgent(server, { email: "ana@example.com" });
    await addAgent(server, { email: "bo@example.com" });
    const ana = await onlineAgent(server, "ana@example.com");
    const bo = await onlineAgent(server, "bo@example.com");
    const make = (cookie: string, body: unknown) => api<CannedResponseDto & ErrorResponse>(server!, "POST", "/api/v1/canned-responses", { cookie, body });
    const hi = await make(ana.cookie, { shortcut: "Hello", title: "Greeting", body: "Hi! How can I help you today?" });
    expect(hi.status).toBe(201);
    expect(hi.body.shortcut).toBe("hello");
    expect((await make(bo.cookie, { shortcut: "refund", title: "Refund policy", body: "Refunds take 5 days." })).status).toBe(201);
    expect((await make(bo.cookie, { shortcut: "thanks", title: "Closing", body: "Thanks for reaching out, hello again soon." })).status).toBe(201);
    const dup = await make(bo.cookie, { shortcut: "hello", title: "Again", body: "x" });
    expect([dup.status, dup.body.error.code]).toEqual([409, "conflict"]);
    for (const body of [{ shortcut: "has space", title: "t", body: "b" }, { shortcut: "ok", title: "", body: "b" }, { shortcut: "ok", title: "t", body: "x".repeat(5001) }, { shortcut: "ok", title: "t" }]) {
      expect((await make(ana.cookie, body)).status).toBe(400);
    }
    const list = async (q: string) => (await api<CannedResponseDto[]>(server!, "GET", `/api/v1/canned-responses?q=${q}`, { cookie: bo.cookie })).body.map((c) => c.shortcut);
    expect(await list("")).toEqual(["hello", "refund", "thanks"]);
    expect(await list("ref")).toEqual(["refund"]);
    expect(await list("hello")).toEqual(["hello", "thanks"]);
    expect(await list("POLICY")).toEqual(["refund"]);
    const edited = await api<CannedResponseDto>(server, "PATCH", `/api/v1/canned-responses/${hi.body.id}`, { cookie: bo.cookie, body: { body: "Hello there!" } });
    expect(edited.body.body).toBe("Hello there!");
    const clash = await api<ErrorResponse>(server, "PATCH", `/api/v1/canned-responses/${hi.body.id}`, { cookie: bo.cookie, body: { shortcut: "refund" } });
    expect(clash.status).toBe(409);
    expect((await api(server, "DELETE", `/api/v1/canned-responses/${hi.body.id}`, { cookie: ana.cookie })).status).toBe(200);
    expect((await api(server, "DELETE", `/api/v1/canned-responses/${hi.body.id}`, { cookie: ana.cookie })).status).toBe(404);
    expect(await list("")).toEqual(["refund", "thanks"]);
    expect((await api(server, "GET", "/api/v1/canned-responses")).status).toBe(401);
    expect((await api(server, "POST", "/api/v1/canned-responses", { cookie: ana.cookie, csrf: false, body: { shortcut: "x", title: "x", body: "x" } })).status).toBe(403);
  });
});
