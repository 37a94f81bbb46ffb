// The server side of the widget over real sockets and HTTP, on every database: read receipts on
// both namespaces, identify (HMAC), the offline form, the public widget config, the iframe page
// and its CSP, /demo and the built files. (Needs `npm run build` for the iframe page and assets.)
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { Ack, ConversationDto, ConversationSummaryDto, MessageDto, ReadReceiptDto, VisitorDto, WidgetBootDto, WidgetConfigDto } from "../../server/protocol.ts";
import { identityHash } from "../../server/visitors/identify.ts";
import { dbKinds } from "../helpers/databases.ts";
import { openDatabase } from "../../server/db/client.ts";
import { addAgent, addSite, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectVisitor, handshakeOutcome, ok, onlineAgent, visitorRefused } from "../helpers/clients.ts";
import { collect, emitAck, waitFor } from "../helpers/wait.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

type Opened = { conversation: ConversationDto; messages: MessageDto[] };
const SHOP = "https://shop.example";

async function siteWith(s: TestServer, settings: object = {}, origins = [SHOP]) {
  const site = await addSite(s, "Shop", origins);
  return s.app.database.prisma.site.update({ where: { id: site.id }, data: { settings: JSON.stringify(settings) } });
}

describe.each(dbKinds())("widget server on %s", (db) => {
  it("read receipts: each side's mark moves forward only, and reaches the other side", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    const { socket: visitor, session: first } = await connectVisitor(server);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    const { conversation } = ok(await emitAck<Ack<Opened>>(visitor, "conversation:open", { clientId: "o1", message: { clientId: "m1", body: "Hi" } }));
    await assigned;
    const reply = waitFor<MessageDto>(visitor, "message:new", (m) => m.authorKind === "agent");
    ok(await emitAck(agent.socket, "message:send", { conversationId: conversation.id, clientId: "a1", body: "Hello" }));
    await reply;

    const atAgent = collect<ReadReceiptDto>(agent.socket, "conversation:read");
    const atVisitor = waitFor<ReadReceiptDto>(visitor, "conversation:read");
    expect(ok(await emitAck<Ack<ReadReceiptDto>>(visitor, "conversation:read", { conversationId: conversation.id, seq: 2 }))).toEqual({ conversationId: conversation.id, reader: "visitor", seq: 2 });
    // Going back is not an error, but it changes nothing and tells nobody.
    expect(ok(await emitAck<Ack<ReadReceiptDto>>(visitor, "conversation:read", { conversationId: conversation.id, seq: 1 })).seq).toBe(2);
    ok(await emitAck(agent.socket, "conversation:read", { conversationId: conversation.id, seq: 1 }));
    expect(await atVisitor).toEqual({ conversationId: conversation.id, reader: "agent", seq: 1 });
    expect(atAgent).toEqual([{ conversationId: conversation.id, reader: "visitor", seq: 2 }]);

    const past = await emitAck<Ack<ReadReceiptDto>>(visitor, "conversation:read", { conversationId: conversation.id, seq: 3 });
    expect(!past.ok && past.error.code).toBe("bad_request");
    const negative = await emitAck<Ack<ReadReceiptDto>>(agent.socket, "conversation:read", { conversationId: conversation.id, seq: -1 });
    expect(!negative.ok && negative.error.code).toBe("bad_request");
    const { socket: other } = await connectVisitor(server);
    const foreign = await emitAck<Ack<ReadReceiptDto>>(other, "conversation:read", { conversationId: conversation.id, seq: 1 });
    expect(!foreign.ok && foreign.error.code).toBe("not_found");

    const row = await server.app.database.prisma.conversation.findUniqueOrThrow({ where: { id: conversation.id } });
    expect([row.visitorReadSeq, row.agentReadSeq]).toEqual([2, 1]);
    // The marks travel with the conversation, so a reloaded widget shows "read" at once.
    const { session } = await connectVisitor(server, { token: first.token });
    expect(session.conversation).toMatchObject({ id: conversation.id, visitorReadSeq: 2, agentReadSeq: 1 });
  });

  it("identify: a valid hash identifies, a wrong one is refused, unsigned ones follow the site's setting", async () => {
    server = await startServer({ db });
    const open = await siteWith(server, {}, [server.url]);
    const strict = await siteWith(server, { requireIdentity: true }, [server.url]);

    const { socket: v1 } = await connectVisitor(server, { siteKey: open.key });
    const unsigned = ok(await emitAck<Ack<VisitorDto>>(v1, "visitor:identify", { id: "user-1", name: "Uma" }));
    expect(unsigned).toMatchObject({ identified: false, name: "Uma", attributes: { unverifiedUserId: "user-1" } });
    const wrong = await emitAck<Ack<VisitorDto>>(v1, "visitor:identify", { id: "user-1", hash: "0".repeat(64) });
    expect(!wrong.ok && wrong.error.code).toBe("forbidden");
    const signed = ok(await emitAck<Ack<VisitorDto>>(v1, "visitor:identify", { id: "user-1", email: "uma@example.com", hash: identityHash(open.identitySecret, "user-1") }));
    expect(signed).toMatchObject({ identified: true, email: "uma@example.com" });
    // Another user on the same visitor needs Parley('reset') first.
    const switched = await emitAck<Ack<VisitorDto>>(v1, "visitor:identify", { id: "user-2", hash: identityHash(open.identitySecret, "user-2") });
    expect(!switched.ok && switched.error.code).toBe("conflict");
    // A hash made with another site's secret is worthless here.
    const crossSite = await emitAck<Ack<VisitorDto>>(v1, "visitor:identify", { id: "user-1", hash: identityHash(strict.identitySecret, "user-1") });
    expect(!crossSite.ok && crossSite.error.code).toBe("forbidden");

    const { socket: v2 } = await connectVisitor(server, { siteKey: strict.key });
    const refused = await emitAck<Ack<VisitorDto>>(v2, "visitor:identify", { id: "user-9" });
    expect(!refused.ok && refused.error.code).toBe("forbidden");
    expect(!refused.ok && refused.error.message).toMatch(/requires a signed identify/);
    expect(ok(await emitAck<Ack<VisitorDto>>(v2, "visitor:identify", { id: "user-9", hash: identityHash(strict.identitySecret, "user-9").toUpperCase() })).identified).toBe(true);
    for (const bad of [{ id: "" }, { id: "x", hash: "not-hex" }, { id: "x", email: "nope" }, { id: "x", extra: 1 }]) {
      const r = await emitAck<Ack<VisitorDto>>(v2, "visitor:identify", bad);
      expect(!r.ok && r.error.code).toBe("bad_request");
    }
    const row = await server.app.database.prisma.visitor.findFirstOrThrow({ where: { siteId: strict.id } });
    expect(row.externalId).toBe("user-9");
  });

  it("offline form: stored once as a queued conversation tagged offline, assigned when an agent comes", async () => {
    server = await startServer({ db });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const { socket: visitor } = await connectVisitor(server);
    const input = { clientId: "off-1", email: "vera@example.com", name: "Vera", message: { clientId: "m1", body: "Call me back please" } };
    const first = ok(await emitAck<Ack<Opened>>(visitor, "conversation:offline", input));
    const retry = ok(await emitAck<Ack<Opened>>(visitor, "conversation:offline", input));
    expect(retry.conversation.id).toBe(first.conversation.id);
    expect(first.conversation).toMatchObject({ status: "queued", tags: ["offline"] });
    expect(retry.messages.map((m) => m.body)).toEqual(["Call me back please"]);
    const v = await server.app.database.prisma.visitor.findUniqueOrThrow({ where: { id: first.conversation.visitorId } });
    expect([v.email, v.name]).toEqual(["vera@example.com", "Vera"]);

    for (const bad of [{ ...input, email: "nope" }, { ...input, message: { clientId: "m2", body: "   " } }, { clientId: "x", message: input.message }]) {
      const r = await emitAck<Ack<Opened>>(visitor, "conversation:offline", bad);
      expect(!r.ok && r.error.code).toBe("bad_request");
    }

    const { login, connectAgent } = await import("../helpers/clients.ts");
    const { cookie } = await login(server, "ana@example.com");
    const socket = await connectAgent(server, cookie);
    const assigned = waitFor<ConversationSummaryDto>(socket, "conversation:assigned");
    ok(await emitAck(socket, "agent:status", { status: "online" }));
    const summary = await assigned;
    expect(summary).toMatchObject({ id: first.conversation.id, tags: ["offline"], preview: "Call me back please" });
    expect(summary.visitor.email).toBe("vera@example.com");
  });

  it("widget config: settings and availability for allowed pages, a reason for the others", async () => {
    server = await startServer({ db });
    const site = await siteWith(server, { color: "#ffcc00", position: "left", launcherLabel: "Help" });
    const config = async (key: string, origin?: string) => {
      const res = await fetch(`${server!.url}/api/v1/widget/config/${key}`, { headers: origin ? { origin } : {} });
      return { status: res.status, cors: res.headers.get("access-control-allow-origin"), body: (await res.json()) as WidgetConfigDto | { error: { code: string } } };
    };
    const allowed = await config(site.key, SHOP);
    expect(allowed.status).toBe(200);
    expect(allowed.cors).toBe(SHOP);
    expect(allowed.body).toMatchObject({ enabled: true, siteName: "Shop", foreground: "#000000", online: false, settings: { color: "#ffcc00", position: "left", launcherLabel: "Help", sound: false } });

    await addAgent(server, { email: "ana@example.com" });
    await onlineAgent(server, "ana@example.com");
    expect((await config(site.key, SHOP)).body).toMatchObject({ online: true });
    // Outside business hours nobody is reachable, online agents or not.
    const nowDay = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][new Date().getUTCDay()];
    await server.app.database.prisma.site.update({ where: { id: site.id }, data: { settings: JSON.stringify({ businessHours: { timezone: "UTC", days: { [nowDay]: [] } } }) } });
    expect((await config(site.key, SHOP)).body).toMatchObject({ enabled: true, online: false });

    const refused = await config(site.key, "https://evil.example");
    expect(refused.status).toBe(200);
    expect(refused.cors).toBe("https://evil.example");
    expect(refused.body).toMatchObject({ enabled: false, code: "forbidden" });
    expect((refused.body as { message: string }).message).toContain("https://evil.example");
    expect((await config("site_unknown", SHOP)).body).toMatchObject({ enabled: false, code: "not_found" });
    expect((await config(site.key)).body).toMatchObject({ enabled: false, code: "forbidden" });
    const bad = await config("bad%20key", SHOP);
    expect(bad.status).toBe(400);
    // Parley's own pages (the iframe, /demo) may read any site's config; their same-origin
    // requests carry no Origin header, only a Referer.
    expect((await config(site.key, server.url)).body).toMatchObject({ enabled: true });
    const ownPage = await fetch(`${server.url}/api/v1/widget/config/${site.key}`, { headers: { referer: `${server.url}/demo` } });
    expect(await ownPage.json()).toMatchObject({ enabled: true });
  });

  it("the iframe page: framed only by the site's origins, boot data inert, visitors accepted from it", async () => {
    server = await startServer({ db });
    const site = await siteWith(server, {}, [SHOP]);
    await server.app.database.prisma.site.update({ where: { id: site.id }, data: { name: `</script><script>alert(1)</script>` } });
    const res = await fetch(`${server.url}/widget/frame/${site.key}?origin=${encodeURIComponent(SHOP)}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain(`frame-ancestors 'self' ${SHOP}`);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(res.headers.get("x-frame-options")).toBeNull();
    const html = await res.text();
    expect(html).not.toContain("<script>alert(1)");
    const json = /<script type="application\/json" id="parley-boot">(.*?)<\/script>/.exec(html)?.[1] ?? "";
    const boot = JSON.parse(json) as WidgetBootDto;
    expect(boot).toMatchObject({ siteKey: site.key, hostOrigin: SHOP, siteName: `</script><script>alert(1)</script>` });
    for (const asset of html.match(/\/widget\/app\.[A-Z0-9]+\.(js|css)/g) ?? []) {
      const file = await fetch(server.url + asset, { headers: { "accept-encoding": "gzip" } });
      expect(file.status).toBe(200);
      expect(file.headers.get("cache-control")).toContain("immutable");
    }
    expect(html.match(/\/widget\/app\.[A-Z0-9]+\.(js|css)/g)).toHaveLength(2);

    for (const bad of ["https://evil.example", "", "javascript:alert(1)"]) {
      const r = await fetch(`${server.url}/widget/frame/${site.key}?origin=${encodeURIComponent(bad)}`);
      expect(r.status).toBe(403);
      expect(r.headers.get("content-security-policy")).toBe("default-src 'none'");
    }

    // The iframe runs on Parley's origin, which no site lists: its socket is still accepted.
    const { session } = await connectVisitor(server, { siteKey: site.key, origin: server.url });
    expect(session.visitor.siteId).toBe(site.id);
    expect((await visitorRefused(server, { siteKey: site.key, origin: "https://evil.example" })).data?.code).toBe("forbidden");
    // Its long-polling handshake is a same-origin GET, which browsers send without Origin: the
    // Referer (the iframe page sends it to Parley only) tells where it comes from.
    const attempt = (headers: Record<string, string>) => handshakeOutcome(server!, "/visitor", { siteKey: site.key }, headers);
    expect(await attempt({ referer: `${server.url}/widget/frame/${site.key}?origin=x` })).toBe("connected");
    expect(await attempt({ referer: "https://evil.example/page" })).toBe("forbidden");
    expect(await attempt({})).toBe("forbidden");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
  });

  it("/demo shows the Demo site's snippet; the loader and app files go out gzipped", async () => {
    server = await startServer({ db });
    const res = await fetch(`${server.url}/demo`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`data-parley-site="${server.demoKey}"`);
    const shown = (/<pre><code>(.*?)<\/code><\/pre>/s.exec(html)?.[1] ?? "").replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));
    expect(shown).toBe(`<script async src="${server.url}/widget.js" data-parley-site="${server.demoKey}"></script>`);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");

    const gz = await fetch(`${server.url}/widget.js`, { headers: { "accept-encoding": "gzip" } });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(gz.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    const plain = await fetch(`${server.url}/widget.js`, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    const text = await plain.text();
    expect(text).toContain("parley:launcher");
    // fetch() decodes gzip itself: compare with a raw request's bytes, un-gzipped by hand.
    const { request } = await import("node:http");
    const raw = await new Promise<Buffer>((resolve, reject) => {
      request(`${server!.url}/widget.js`, { headers: { "accept-encoding": "gzip" } }, (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => resolve(Buffer.concat(chunks)));
      })
        .on("error", reject)
        .end();
    });
    expect(gunzipSync(raw).toString()).toBe(text);
  });
});

describe("last seen", () => {
  it("a returning visitor's last-seen time, written behind the handshake, is stored before shutdown closes the database", async () => {
    server = await startServer();
    const { socket, session } = await connectVisitor(server);
    socket.disconnect();
    const before = (await server.app.database.prisma.visitor.findUniqueOrThrow({ where: { id: session.visitor.id } })).lastSeenAt;
    const { session: again } = await connectVisitor(server, { token: session.token });
    expect(again.visitor.id).toBe(session.visitor.id);
    // Closed at once: well inside the write-behind window.
    await server.app.close();
    const reopened = await openDatabase(server.database.url);
    try {
      const after = (await reopened.prisma.visitor.findUniqueOrThrow({ where: { id: session.visitor.id } })).lastSeenAt;
      expect(after.getTime()).toBeGreaterThan(before.getTime());
    } finally {
      await reopened.close();
    }
  });
});
