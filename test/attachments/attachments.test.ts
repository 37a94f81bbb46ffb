// Attachments end to end on a real server: upload and download for both roles with the headers
// the contract names, limits and sniffing, who may read what, messages that carry attachments
// (all or nothing, once, idempotent), exports, the retention purge and the orphan sweep.
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { Ack, ConversationDto, MessageDto, TranscriptDto } from "../../server/protocol.ts";
import { purgeExpired, DAY_MS } from "../../server/transcripts/retention.ts";
import { sweepOrphans } from "../../server/attachments/service.ts";
import { createToken } from "../../server/tokens/service.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, addSite, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectVisitor, login, ok, onlineAgent } from "../helpers/clients.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { api } from "../helpers/http.ts";
import { FILES, REFUSED } from "./fixtures.ts";
import { download, upload } from "./helpers.ts";

let server: TestServer | undefined;
const envRestores: (() => void)[] = [];
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
  for (const restore of envRestores.splice(0).reverse()) restore();
});

/** Sets an environment variable for this test (limits are read when the server starts). */
function setEnv(name: string, value: string): void {
  const before = process.env[name];
  process.env[name] = value;
  envRestores.push(() => {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  });
}

const CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";

async function chat(s: TestServer) {
  const { socket, session } = await connectVisitor(s);
  const conv = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(socket, "conversation:open", { clientId: "open" })).conversation;
  return { socket, token: session.token, conv };
}

async function setAttachmentSettings(s: TestServer, attachments: object) {
  const db = s.app.database.prisma;
  const site = await db.site.findFirstOrThrow({ where: { key: s.demoKey } });
  await db.site.update({ where: { id: site.id }, data: { settings: JSON.stringify({ ...JSON.parse(site.settings), attachments }) } });
}

const send = (socket: Socket, input: object) => emitAck<Ack<MessageDto>>(socket, "message:send", input);

describe.each(dbKinds())("attachments on %s", (db) => {
  it("visitor and agent exchange files; downloads carry the contract's headers and the same bytes", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com" });
    const agent = await onlineAgent(server, "ana@example.com");
    const assigned = waitFor(agent.socket, "conversation:assigned");
    const visitor = await chat(server);
    await assigned;

    const png = await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "screenshot.png", FILES.png, { contentType: "application/pdf" });
    expect(png.status).toBe(201);
    expect(png.attachment).toMatchObject({ name: "screenshot.png", mime: "image/png", size: FILES.png.length, kind: "image", durationMs: null });
    expect(png.attachment?.url).toBe(`/api/v1/attachments/${png.attachment?.id}`);
    expect(png.attachment?.id.length).toBeGreaterThanOrEqual(24);
    const pdf = await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "invoice été.pdf", FILES.pdf);
    expect(pdf.attachment).toMatchObject({ mime: "application/pdf", kind: "file" });

    // Pending: the uploader may fetch it, nobody else (not even an agent of the site).
    expect((await download(server.url, { bearer: visitor.token }, png.attachment!.url)).status).toBe(200);
    expect((await download(server.url, { cookie: agent.cookie }, png.attachment!.url)).status).toBe(404);

    const atAgent = waitFor<MessageDto>(agent.socket, "message:new", (m) => m.clientId === "files");
    const sent = ok(await send(visitor.socket, { conversationId: visitor.conv.id, clientId: "files", body: "", attachmentIds: [png.attachment!.id, pdf.attachment!.id] }));
    expect(sent.attachments.map((a) => a.id)).toEqual([png.attachment!.id, pdf.attachment!.id]);
    expect((await atAgent).attachments).toEqual(sent.attachments);

    const image = await download(server.url, { cookie: agent.cookie }, png.attachment!.url);
    expect(image.status).toBe(200);
    expect(image.bytes.equals(FILES.png)).toBe(true);
    expect(Object.fromEntries(["content-type", "content-disposition", "x-content-type-options", "content-security-policy", "cache-control", "cross-origin-resource-policy"].map((h) => [h, image.headers.get(h)]))).toEqual({
      "content-type": "image/png",
      "content-disposition": "inline",
      "x-content-type-options": "nosniff",
      "content-security-policy": CSP,
      "cache-control": "private, max-age=86400",
      "cross-origin-resource-policy": "same-origin",
    });
    const forced = await download(server.url, { cookie: agent.cookie }, `${png.attachment!.url}?download=1`);
    expect(forced.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''screenshot.png");
    const doc = await download(server.url, { cookie: agent.cookie }, pdf.attachment!.url);
    expect(doc.bytes.equals(FILES.pdf)).toBe(true);
    expect([doc.headers.get("content-type"), doc.headers.get("content-disposition")]).toEqual(["application/pdf", "attachment; filename*=UTF-8''invoice%20%C3%A9t%C3%A9.pdf"]);

    // The agent sends a text file and a voice note back.
    const txt = await upload(server.url, { cookie: agent.cookie }, visitor.conv.id, "steps.txt", FILES.text);
    const voice = await upload(server.url, { cookie: agent.cookie }, visitor.conv.id, "voice.webm", FILES.webm, { durationMs: 4200 });
    expect(voice.attachment).toMatchObject({ kind: "audio", mime: "audio/webm", durationMs: 4200 });
    const atVisitor = waitFor<MessageDto>(visitor.socket, "message:new", (m) => m.clientId === "reply");
    ok(await send(agent.socket, { conversationId: visitor.conv.id, clientId: "reply", body: "Here you go", attachmentIds: [txt.attachment!.id, voice.attachment!.id] }));
    expect((await atVisitor).attachments.map((a) => a.kind)).toEqual(["file", "audio"]);
    const text = await download(server.url, { bearer: visitor.token }, txt.attachment!.url);
    expect([text.status, text.headers.get("content-type"), text.headers.get("content-disposition")]).toEqual([200, "text/plain; charset=utf-8", "attachment; filename*=UTF-8''steps.txt"]);
    expect(text.bytes.equals(FILES.text)).toBe(true);
    const audio = await download(server.url, { bearer: visitor.token }, voice.attachment!.url);
    expect([audio.headers.get("content-type"), audio.headers.get("content-disposition")]).toEqual(["audio/webm", "inline"]);

    // Replay and conversation:get carry them too.
    const replay = ok(await emitAck<Ack<MessageDto[]>>(visitor.socket, "messages:since", { conversationId: visitor.conv.id, afterSeq: 0 }));
    expect(replay.map((m) => m.attachments.length)).toEqual([2, 2]);
  });

  it("refuses by content, not by name or claim: size, site types, executables, markup", async () => {
    server = await startServer({ db });
    const visitor = await chat(server);
    const up = (name: string, data: Buffer) => upload(server!.url, { bearer: visitor.token }, visitor.conv.id, name, data);

    // A PNG called .exe is a PNG; an executable called .png is refused.
    expect((await up("setup.exe", FILES.png)).attachment?.mime).toBe("image/png");
    for (const [name, data] of [["photo.png", REFUSED.exe], ["a.txt", REFUSED.elf], ["a.zip", REFUSED.zip], ["page.txt", REFUSED.html], ["logo.svg", REFUSED.svg], ["data.xml", REFUSED.xml], ["note.txt", REFUSED.scriptText]] as const) {
      const res = await up(name, data);
      expect([name, res.status, res.error?.code]).toEqual([name, 415, "unsupported_type"]);
    }
    expect((await up("empty.txt", REFUSED.empty)).error?.code).toBe("bad_request");

    // The query is validated like every body (zod, "field: why"), after the caller is known.
    const raw = async (query: string) => {
      const res = await fetch(`${server!.url}/api/v1/attachments?${query}`, { method: "POST", headers: { authorization: `Bearer ${visitor.token}` }, body: FILES.png });
      return [res.status, ((await res.json()) as { error: { code: string; message: string } }).error] as const;
    };
    const conv = `conversationId=${visitor.conv.id}`;
    expect(await raw("name=a.png")).toEqual([400, { code: "bad_request", message: "conversationId: conversationId is required" }]);
    expect(await raw("conversationId=../x&name=a.png")).toEqual([400, { code: "bad_request", message: "conversationId: conversationId is not a conversation id" }]);
    expect(await raw(conv)).toEqual([400, { code: "bad_request", message: "name: name is required" }]);
    expect(await raw(`${conv}&name=${"x".repeat(1001)}`)).toEqual([400, { code: "bad_request", message: "name: name may be at most 1000 characters" }]);
    expect(await raw(`${conv}&name=a.png&name=b.png`)).toEqual([400, { code: "bad_request", message: "name: name is required" }]);
    expect(await raw(`${conv}&name=a.ogg&durationMs=1.5`)).toEqual([400, { code: "bad_request", message: "durationMs: durationMs must be a whole number of milliseconds" }]);
    expect((await fetch(`${server.url}/api/v1/attachments?name=a.png`, { method: "POST", body: FILES.png })).status).toBe(401);

    // Text under a runnable name is stored, shown and downloaded under a name that opens as text.
    for (const [name, safe] of [["invoice.hta", "invoice.hta.txt"], ["run.bat", "run.bat.txt"], ["update.ps1", "update.ps1.txt"], ["readme.md", "readme.md"]]) {
      const text = await up(name, FILES.text);
      expect([text.status, text.attachment?.name]).toEqual([201, safe]);
      const got = await download(server.url, { bearer: visitor.token }, text.attachment!.url);
      expect(got.headers.get("content-disposition")).toBe(`attachment; filename*=UTF-8''${safe}`);
    }

    await setAttachmentSettings(server, { enabled: true, maxBytes: 1000, types: ["image"] });
    const pdf = await up("doc.pdf", FILES.pdf);
    expect([pdf.status, pdf.error?.code]).toEqual([415, "unsupported_type"]);
    const big = await up("big.png", Buffer.concat([FILES.png, Buffer.alloc(2000)]));
    expect([big.status, big.error?.code]).toEqual([413, "too_large"]);

    await setAttachmentSettings(server, { enabled: false, maxBytes: 1000, types: ["image"] });
    expect((await up("a.png", FILES.png)).error?.code).toBe("forbidden");
    const stored = await server.app.database.prisma.attachment.count();
    expect(stored).toBe(5);
  });

  it("answers 413 as soon as a streamed body passes the limit, without reading the rest", async () => {
    server = await startServer({ db });
    const visitor = await chat(server);
    await setAttachmentSettings(server, { enabled: true, maxBytes: 256 * 1024, types: ["image", "pdf", "text", "office", "audio"] });
    const target = new URL(`${server.url}/api/v1/attachments?conversationId=${visitor.conv.id}&name=huge.pdf`);
    const planned = 200 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let written = 0;
    // No Content-Length (chunked), so the server can only find out by counting.
    const req = http.request(target, { method: "POST", headers: { authorization: `Bearer ${visitor.token}` } });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
    });
    let answered = false;
    void response.then(() => (answered = true), () => (answered = true));
    req.write(Buffer.concat([FILES.pdf, chunk]));
    while (!answered && written < planned) {
      written += chunk.length;
      if (!req.write(chunk)) await Promise.race([new Promise((r) => req.once("drain", r)), response.catch(() => undefined)]);
    }
    const res = await response;
    req.destroy();
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("too_large");
    expect(written).toBeLessThan(planned / 4);
    expect(await server.app.database.prisma.attachment.count()).toBe(0);
  });

  it("authorises like the conversation: other visitors, other sites' agents, anonymous callers, closed chats, blocks", async () => {
    server = await startServer({ db });
    const dbc = server.app.database.prisma;
    await addAgent(server, { email: "ana@example.com" });
    const outsider = await addAgent(server, { email: "olga@example.com" });
    const ana = await onlineAgent(server, "ana@example.com");
    const visitor = await chat(server);
    const other = await chat(server);
    const file = (await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "a.pdf", FILES.pdf)).attachment!;
    ok(await send(visitor.socket, { conversationId: visitor.conv.id, clientId: "m1", body: "see file", attachmentIds: [file.id] }));
    // Olga is an agent of another site only.
    const demo = await dbc.site.findFirstOrThrow({ where: { key: server.demoKey } });
    const shop = await addSite(server, "Shop", ["https://shop.example"]);
    await dbc.site.update({ where: { id: demo.id }, data: { membersOnly: true } });
    await dbc.siteMember.create({ data: { siteId: demo.id, agentId: ana.agent.id } });
    await dbc.site.update({ where: { id: shop.id }, data: { membersOnly: true } });
    await dbc.siteMember.create({ data: { siteId: shop.id, agentId: outsider.id } });
    const olga = await login(server, "olga@example.com");

    expect((await download(server.url, { bearer: visitor.token }, file.url)).status).toBe(200);
    expect((await download(server.url, { cookie: ana.cookie }, file.url)).status).toBe(200);
    expect((await download(server.url, { bearer: other.token }, file.url)).status).toBe(404);
    expect((await download(server.url, { cookie: olga.cookie }, file.url)).status).toBe(404);
    expect((await download(server.url, {}, file.url)).status).toBe(401);
    expect((await download(server.url, { bearer: "v_forged" }, file.url)).status).toBe(401);

    // API tokens: with conversations:read, what the REST API shows (any site, never a pending upload); never uploads.
    const reader = (await createToken(dbc, { name: "integration", scopes: ["conversations:read"] })).token;
    const hooks = (await createToken(dbc, { name: "hooks", scopes: ["webhooks:read"] })).token;
    const viaToken = await download(server.url, { bearer: reader }, file.url);
    expect([viaToken.status, viaToken.bytes.equals(FILES.pdf)]).toEqual([200, true]);
    const lacking = await download(server.url, { bearer: hooks }, file.url);
    expect([lacking.status, JSON.parse(lacking.bytes.toString()).error.code]).toEqual([403, "forbidden"]);
    const pending = (await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "later.pdf", FILES.pdf)).attachment!;
    expect((await download(server.url, { bearer: reader }, pending.url)).status).toBe(404);
    expect((await upload(server.url, { bearer: reader }, visitor.conv.id, "a.pdf", FILES.pdf)).status).toBe(403);

    // Uploading into someone else's conversation, anonymously, or as an outsider.
    expect((await upload(server.url, { bearer: other.token }, visitor.conv.id, "a.pdf", FILES.pdf)).status).toBe(404);
    expect((await upload(server.url, {}, visitor.conv.id, "a.pdf", FILES.pdf)).status).toBe(401);
    expect((await upload(server.url, { cookie: olga.cookie }, visitor.conv.id, "a.pdf", FILES.pdf)).status).toBe(404);
    // Cookie writes need the CSRF header like every other console write.
    const noCsrf = await fetch(`${server.url}/api/v1/attachments?conversationId=${visitor.conv.id}&name=a.pdf`, { method: "POST", headers: { cookie: ana.cookie }, body: FILES.pdf });
    expect(noCsrf.status).toBe(403);

    // A private note's attachment is never the visitor's to read.
    const noteFile = (await upload(server.url, { cookie: ana.cookie }, visitor.conv.id, "internal.pdf", FILES.pdf)).attachment!;
    ok(await send(ana.socket, { conversationId: visitor.conv.id, clientId: "note", body: "internal", note: true, attachmentIds: [noteFile.id] }));
    expect((await download(server.url, { cookie: ana.cookie }, noteFile.url)).status).toBe(200);
    expect((await download(server.url, { bearer: visitor.token }, noteFile.url)).status).toBe(404);

    // Blocked visitors cannot upload; closed conversations take no files.
    await dbc.visitorBlock.create({ data: { siteId: demo.id, visitorId: other.conv.visitorId, byAgentId: ana.agent.id } });
    const blocked = await upload(server.url, { bearer: other.token }, other.conv.id, "a.pdf", FILES.pdf);
    expect([blocked.status, blocked.error?.code]).toEqual([403, "blocked"]);
    ok(await emitAck(visitor.socket, "conversation:close", { conversationId: visitor.conv.id }));
    const closed = await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "a.pdf", FILES.pdf);
    expect([closed.status, closed.error?.code]).toEqual([409, "conflict"]);
  });

  it("a message takes all its attachments or none; ids are single-use, the uploader's, this conversation's; retries are idempotent", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com" });
    const ana = await onlineAgent(server, "ana@example.com");
    const visitor = await chat(server);
    const other = await chat(server);
    const dbc = server.app.database.prisma;
    const mine = (await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "a.png", FILES.png)).attachment!;
    const mine2 = (await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "b.pdf", FILES.pdf)).attachment!;
    const theirs = (await upload(server.url, { bearer: other.token }, other.conv.id, "c.png", FILES.png)).attachment!;
    const agents = (await upload(server.url, { cookie: ana.cookie }, visitor.conv.id, "d.png", FILES.png)).attachment!;
    const before = await dbc.message.count();

    for (const ids of [[mine.id, theirs.id], [mine.id, "att_unknown"], [mine.id, agents.id], [mine.id, mine.id]]) {
      const res = await send(visitor.socket, { conversationId: visitor.conv.id, clientId: `bad-${ids.join("-")}`, body: "x", attachmentIds: ids });
      expect(res.ok ? "ok" : res.error.code).toBe("bad_request");
    }
    const empty = await send(visitor.socket, { conversationId: visitor.conv.id, clientId: "empty", body: "  " });
    expect(empty.ok ? "ok" : empty.error.code).toBe("bad_request");
    const tooMany = await send(visitor.socket, { conversationId: visitor.conv.id, clientId: "many", body: "", attachmentIds: Array.from({ length: 11 }, (_, i) => `att_${i}`) });
    expect(tooMany.ok ? "ok" : tooMany.error.code).toBe("bad_request");
    expect(await dbc.message.count()).toBe(before);
    expect(await dbc.attachment.count({ where: { messageId: { not: null } } })).toBe(0);

    const first = ok(await send(visitor.socket, { conversationId: visitor.conv.id, clientId: "good", body: "", attachmentIds: [mine.id, mine2.id] }));
    const retry = ok(await send(visitor.socket, { conversationId: visitor.conv.id, clientId: "good", body: "", attachmentIds: [mine.id, mine2.id] }));
    expect(retry).toEqual(first);
    expect(retry.attachments.map((a) => a.id)).toEqual([mine.id, mine2.id]);
    const reuse = await send(visitor.socket, { conversationId: visitor.conv.id, clientId: "again", body: "x", attachmentIds: [mine.id] });
    expect(reuse.ok ? "ok" : reuse.error.code).toBe("bad_request");
    // The other visitor cannot take my (now used) id into their conversation either.
    const stolen = await send(other.socket, { conversationId: other.conv.id, clientId: "steal", body: "x", attachmentIds: [mine.id] });
    expect(stolen.ok ? "ok" : stolen.error.code).toBe("bad_request");
    expect(await dbc.message.count()).toBe(before + 1);

    // Two sends racing for the same upload: exactly one wins.
    const contested = (await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "e.png", FILES.png)).attachment!;
    const race = await Promise.all(["r1", "r2", "r3"].map((clientId) => send(visitor.socket, { conversationId: visitor.conv.id, clientId, body: "", attachmentIds: [contested.id] })));
    expect(race.map((r) => (r.ok ? "ok" : r.error.code)).sort()).toEqual(["bad_request", "bad_request", "ok"]);
    expect(await dbc.message.count()).toBe(before + 2);
  });

  it("exports reference attachments (JSON/HTML by absolute URL, CSV/TXT by name); the purge removes the bytes; orphans are swept", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com" });
    const ana = await onlineAgent(server, "ana@example.com");
    const visitor = await chat(server);
    const dbc = server.app.database.prisma;
    // A webhook subscriber (its deliveries are refused by the address guard: no traffic leaves).
    await dbc.webhookEndpoint.create({ data: { url: "http://127.0.0.1:9/hook", events: JSON.stringify(["message.created"]), secret: "s" } });
    const file = (await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "receipt.pdf", FILES.pdf)).attachment!;
    ok(await send(visitor.socket, { conversationId: visitor.conv.id, clientId: "m", body: "my receipt", attachmentIds: [file.id] }));
    const event = await dbc.webhookEvent.findFirstOrThrow({ where: { type: "message.created" } });
    expect((JSON.parse(event.payload) as { message: MessageDto }).message.attachments).toEqual([file]);
    const orphan = (await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "later.png", FILES.png)).attachment!;
    const path = `/api/v1/conversations/${visitor.conv.id}/transcript`;
    const absolute = `${server.app.config.publicUrl}${file.url}`;

    const json = await api<TranscriptDto>(server, "GET", `${path}.json`, { cookie: ana.cookie });
    expect(json.body.messages[0].attachments).toEqual([{ ...file, url: absolute }]);
    const raw = async (format: string) => (await fetch(`${server!.url}${path}.${format}`, { headers: { cookie: ana.cookie } })).text();
    expect(await raw("html")).toContain(`href="${absolute}"`);
    expect(await raw("csv")).toContain(`receipt.pdf (${FILES.pdf.length} bytes)`);
    expect(await raw("txt")).toContain(`[attachment: receipt.pdf (${FILES.pdf.length} bytes)]`);
    const ndjson = await (await fetch(`${server.url}/api/v1/transcripts/export?format=ndjson`, { headers: { cookie: ana.cookie } })).text();
    expect(ndjson).toContain(JSON.stringify(absolute));

    // Orphans: gone after 24 h, claimed files stay.
    expect(await sweepOrphans(dbc, new Date(Date.now() + DAY_MS - 60_000))).toBe(0);
    expect(await sweepOrphans(dbc, new Date(Date.now() + DAY_MS + 60_000))).toBe(1);
    expect(await dbc.attachment.findUnique({ where: { id: orphan.id } })).toBeNull();
    expect(await dbc.attachmentBlob.findUnique({ where: { attachmentId: orphan.id } })).toBeNull();
    expect(await dbc.attachmentBlob.count()).toBe(1);

    // Retention: the purged conversation takes its files' bytes with it.
    ok(await emitAck(visitor.socket, "conversation:close", { conversationId: visitor.conv.id }));
    const demo = await dbc.site.findFirstOrThrow({ where: { key: server.demoKey } });
    await dbc.site.update({ where: { id: demo.id }, data: { retentionDays: 1 } });
    await purgeExpired(dbc, new Date(Date.now() + 2 * DAY_MS));
    expect(await dbc.attachment.count()).toBe(0);
    expect(await dbc.attachmentBlob.count()).toBe(0);
  });

  it("parallel uploads cannot pass the per-uploader rate: recorded and counted together", async () => {
    setEnv("PARLEY_UPLOADS_PER_MINUTE", "3");
    server = await startServer({ db });
    const visitor = await chat(server);
    const up = () => upload(server!.url, { bearer: visitor.token }, visitor.conv.id, "a.png", FILES.png);
    const burst = await Promise.all(Array.from({ length: 6 }, up));
    const passed = burst.filter((r) => r.status === 201).length;
    expect(passed).toBeLessThanOrEqual(3);
    for (const r of burst.filter((x) => x.status !== 201)) expect([r.status, r.error?.code]).toEqual([429, "rate_limited"]);
    // Racers at the edge may all be refused (never all admitted); refused tries do not count.
    for (let i = passed; i < 3; i++) expect((await up()).status).toBe(201);
    expect((await up()).error?.code).toBe("rate_limited");
    expect(await server.app.database.prisma.attachment.count()).toBe(3);
  });

  it("an uploader's unsent files are capped at 3 × the site's limit, also for parallel uploads; sending them frees the allowance", async () => {
    server = await startServer({ db });
    const visitor = await chat(server);
    await setAttachmentSettings(server, { enabled: true, maxBytes: 1000, types: ["image"] });
    const file = Buffer.concat([FILES.png, Buffer.alloc(900 - FILES.png.length)]);
    const up = () => upload(server!.url, { bearer: visitor.token }, visitor.conv.id, "a.png", file);
    const burst = await Promise.all(Array.from({ length: 6 }, up));
    const stored = burst.flatMap((r) => (r.attachment ? [r.attachment] : []));
    expect(stored.length).toBeLessThanOrEqual(3);
    for (const r of burst.filter((x) => x.status !== 201)) {
      expect([r.status, r.error?.code]).toEqual([429, "rate_limited"]);
      expect(r.error?.message).toMatch(/waiting to be sent/);
    }
    for (let i = stored.length; i < 3; i++) stored.push((await up()).attachment!);
    expect((await up()).error?.code).toBe("rate_limited");
    const pending = await server.app.database.prisma.attachment.aggregate({ where: { messageId: null }, _sum: { size: true } });
    expect(pending._sum.size).toBe(2700);
    ok(await send(visitor.socket, { conversationId: visitor.conv.id, clientId: "files", body: "", attachmentIds: stored.map((a) => a.id) }));
    expect((await up()).status).toBe(201);
  });

  it("PARLEY_DOWNLOAD_CONCURRENCY caps the downloads a process serves at once (429 rate_limited beyond)", async () => {
    setEnv("PARLEY_DOWNLOAD_CONCURRENCY", "1");
    server = await startServer({ db });
    const visitor = await chat(server);
    // 9 MiB: more than the loopback socket buffers hold, so an unread response stays unfinished.
    const big = Buffer.alloc(9 * 1024 * 1024, 0x61);
    const file = (await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "big.txt", big)).attachment!;
    // The first download: headers received, body left unread, so the server is still sending.
    const first = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${server!.url}${file.url}`, { headers: { authorization: `Bearer ${visitor.token}` } }, (res) => {
        res.pause();
        resolve(res);
      }).on("error", reject);
    });
    expect(first.statusCode).toBe(200);
    const second = await download(server.url, { bearer: visitor.token }, file.url);
    expect([second.status, second.headers.get("retry-after"), JSON.parse(second.bytes.toString()).error.code]).toEqual([429, "1", "rate_limited"]);
    // Once the first is read to the end, the slot is free again.
    let received = 0;
    first.on("data", (c: Buffer) => (received += c.length));
    await new Promise((resolve) => first.on("end", resolve).resume());
    expect(received).toBe(big.length);
    const third = await download(server.url, { bearer: visitor.token }, file.url);
    expect([third.status, third.bytes.length]).toEqual([200, big.length]);
  });

  it("PARLEY_ATTACHMENT_MAX_BYTES caps every site's limit, in the widget's config and on upload", async () => {
    setEnv("PARLEY_ATTACHMENT_MAX_BYTES", "5000");
    server = await startServer({ db });
    const config = (await (await fetch(`${server.url}/api/v1/widget/config/${server.demoKey}`, { headers: { origin: server.url } })).json()) as { settings: { attachments: { maxBytes: number } } };
    expect(config.settings.attachments.maxBytes).toBe(5000);
    const visitor = await chat(server);
    const res = await upload(server.url, { bearer: visitor.token }, visitor.conv.id, "big.pdf", Buffer.concat([FILES.pdf, Buffer.alloc(6000, 0x20)]));
    expect([res.status, res.error?.code]).toEqual([413, "too_large"]);
  });
});
