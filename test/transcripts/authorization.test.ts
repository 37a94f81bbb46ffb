// Who may read transcripts, as a table: nobody, visitors (own / another's / a bad token), agents
// of the site and of another site, admins, API tokens with and without the scope, revoked ones.
// Then CORS for the widget's TXT download, from a real browser on the site's origin.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { hashToken } from "../../server/auth/tokens.ts";
import type { TranscriptDto } from "../../server/protocol.ts";
import { launchBrowser, type Browser } from "../helpers/browser.ts";
import { login } from "../helpers/clients.ts";
import { addAgent, addSite, startServer, type TestServer } from "../helpers/server.ts";
import { addVisitor, NOTE_BODY, seedConversation, twoSitesAndStaff } from "./fixtures.ts";

let server: TestServer | undefined;
let browser: Browser | undefined;
const pages: Server[] = [];
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  for (const p of pages.splice(0)) await new Promise((resolve) => p.close(resolve));
  await server?.close();
  server = undefined;
});

type Headers = Record<string, string>;

async function world(s: TestServer) {
  const db = s.app.database.prisma;
  const { siteA, siteB, ana, bob } = await twoSitesAndStaff(s);
  // Site B takes only its listed members (bob).
  await db.site.update({ where: { id: siteB.id }, data: { membersOnly: true, members: { create: { agentId: bob.id } } } });
  const v1 = await addVisitor(s, { name: "Vic" });
  const v2 = await addVisitor(s, { name: "Other" });
  const v3 = await addVisitor(s, { siteId: siteB.id, name: "Bea" });
  const convA = await seedConversation(s, { visitorId: v1.visitor.id, siteId: siteA.id, agentId: ana.id, bodies: ["hi", "hello"], note: { after: 1, body: NOTE_BODY } });
  await seedConversation(s, { visitorId: v2.visitor.id, siteId: siteA.id, agentId: ana.id, bodies: ["other"] });
  const convB = await seedConversation(s, { visitorId: v3.visitor.id, siteId: siteB.id, agentId: bob.id, bodies: ["b1", "b2"] });
  await db.conversation.update({ where: { id: convA }, data: { tags: JSON.stringify(["internal-tag"]) } });
  await db.apiToken.create({ data: { name: "export", tokenHash: hashToken("pk_scoped"), scopes: JSON.stringify(["transcripts:read"]) } });
  await db.apiToken.create({ data: { name: "other", tokenHash: hashToken("pk_noscope"), scopes: JSON.stringify(["webhooks:write"]) } });
  await db.apiToken.create({ data: { name: "old", tokenHash: hashToken("pk_revoked"), scopes: JSON.stringify(["transcripts:read"]), revokedAt: new Date() } });
  const callers: Record<string, Headers> = {
    nobody: {},
    visitor: { authorization: `Bearer ${v1.token}` },
    "another visitor": { authorization: `Bearer ${v2.token}` },
    "bad visitor token": { authorization: "Bearer v_not-a-real-token" },
    "agent (ana)": { cookie: (await login(s, "ana@example.com")).cookie },
    "member of B (bob)": { cookie: (await login(s, "bob@example.com")).cookie },
    admin: { cookie: (await login(s, "root@example.com")).cookie },
    "token with scope": { authorization: "Bearer pk_scoped" },
    "token without scope": { authorization: "Bearer pk_noscope" },
    "revoked token": { authorization: "Bearer pk_revoked" },
  };
  return { siteA, siteB, convA, convB, callers };
}

describe("transcript authorization", () => {
  it("enforces the matrix on every format and on the bulk export", async () => {
    server = await startServer();
    const w = await world(server);
    const all = (code: number) => ({ json: code, csv: code, txt: code, html: code });
    // conversation on site A (open to every agent) / on site B (members only: bob)
    const expected: Record<string, { A: Record<string, number>; B: Record<string, number>; exportAll: number; exportB: number }> = {
      nobody: { A: all(401), B: all(401), exportAll: 401, exportB: 401 },
      visitor: { A: { json: 403, csv: 403, txt: 200, html: 403 }, B: all(401), exportAll: 403, exportB: 403 },
      "another visitor": { A: all(403), B: all(401), exportAll: 403, exportB: 403 },
      "bad visitor token": { A: all(401), B: all(401), exportAll: 403, exportB: 403 },
      "agent (ana)": { A: all(200), B: all(403), exportAll: 200, exportB: 403 },
      "member of B (bob)": { A: all(200), B: all(200), exportAll: 200, exportB: 200 },
      admin: { A: all(200), B: all(200), exportAll: 200, exportB: 200 },
      "token with scope": { A: all(200), B: all(200), exportAll: 200, exportB: 200 },
      "token without scope": { A: all(403), B: all(403), exportAll: 403, exportB: 403 },
      "revoked token": { A: all(401), B: all(401), exportAll: 401, exportB: 401 },
    };
    const actual: typeof expected = {};
    for (const [who, headers] of Object.entries(w.callers)) {
      const row = { A: {} as Record<string, number>, B: {} as Record<string, number>, exportAll: 0, exportB: 0 };
      for (const [key, id] of [["A", w.convA], ["B", w.convB]] as const) {
        for (const format of ["json", "csv", "txt", "html"]) {
          const res = await fetch(`${server.url}/api/v1/conversations/${id}/transcript.${format}`, { headers });
          row[key][format] = res.status;
          if (res.status !== 200) expect((await res.json()) as unknown).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
          else await res.arrayBuffer();
        }
      }
      const exportAll = await fetch(`${server.url}/api/v1/transcripts/export`, { headers });
      row.exportAll = exportAll.status;
      await exportAll.arrayBuffer();
      const exportB = await fetch(`${server.url}/api/v1/transcripts/export?site=${w.siteB.key}`, { headers });
      row.exportB = exportB.status;
      await exportB.arrayBuffer();
      actual[who] = row;
    }
    expect(actual).toEqual(expected);
  });

  it("gives private notes to agents who ask, never to tokens or visitors, and hides agent-side details from visitors", async () => {
    server = await startServer();
    const w = await world(server);
    const url = (format: string, q = "") => `${server!.url}/api/v1/conversations/${w.convA}/transcript.${format}${q}`;
    const notesIn = async (headers: Headers, format = "json") => {
      const text = await (await fetch(url(format, "?notes=1"), { headers })).text();
      return text.includes("Private: customer");
    };
    expect(await notesIn(w.callers["agent (ana)"])).toBe(true);
    expect(await notesIn(w.callers.admin, "html")).toBe(true);
    expect(await notesIn(w.callers["token with scope"])).toBe(false);
    expect(await notesIn(w.callers.visitor, "txt")).toBe(false);
    const plain = (await (await fetch(url("json"), { headers: w.callers["agent (ana)"] })).json()) as TranscriptDto;
    expect(plain.messages.some((m) => m.note)).toBe(false);

    const staffText = await (await fetch(url("txt"), { headers: w.callers["agent (ana)"] })).text();
    const visitorText = await (await fetch(url("txt", "?notes=1"), { headers: w.callers.visitor })).text();
    expect(staffText).toContain("Tags: internal-tag");
    expect(visitorText).not.toContain("internal-tag");
    expect(visitorText).not.toContain(w.convA);
    expect(visitorText).toContain("  hello");

    const exported = async (headers: Headers) => (await (await fetch(`${server!.url}/api/v1/transcripts/export?notes=1`, { headers })).text()).includes("Private: customer");
    expect(await exported(w.callers["agent (ana)"])).toBe(true);
    expect(await exported(w.callers["token with scope"])).toBe(false);
    // Ana's export leaves out site B, where she is not a member; bob's includes it.
    const sitesIn = async (headers: Headers) => {
      const text = await (await fetch(`${server!.url}/api/v1/transcripts/export`, { headers })).text();
      return [...new Set(text.trim().split("\n").map((l) => (JSON.parse(l) as TranscriptDto).site.name))].sort();
    };
    expect(await sitesIn(w.callers["agent (ana)"])).toEqual(["Demo"]);
    expect(await sitesIn(w.callers["member of B (bob)"])).toEqual(["B", "Demo"]);
  });

  it("answers CORS for the TXT route to the site's allowed origins only", async () => {
    server = await startServer();
    const db = server.app.database.prisma;
    const page = async () => {
      const p = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>shop</title><p>shop"));
      pages.push(p);
      await new Promise<void>((resolve) => p.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(p.address() as AddressInfo).port}`;
    };
    const shopOrigin = await page();
    const strangerOrigin = await page();
    const shop = await addSite(server, "Shop", [shopOrigin]);
    const agent = await addAgent(server, { email: "ana@example.com" });
    const { token, visitor } = await addVisitor(server, { siteId: shop.id, name: "Shopper" });
    const conv = await seedConversation(server, { visitorId: visitor.id, siteId: shop.id, agentId: agent.id, bodies: ["where is my parcel?", "on its way 📦"] });
    const txtUrl = `${server.url}/api/v1/conversations/${conv}/transcript.txt`;

    // Preflight: the allowed origin gets an answer a browser accepts, a stranger does not.
    const preflight = (origin: string) =>
      fetch(txtUrl, { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
    const okPre = await preflight(shopOrigin);
    expect(okPre.status).toBe(204);
    expect(okPre.headers.get("access-control-allow-origin")).toBe(shopOrigin);
    expect(okPre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(okPre.headers.get("access-control-allow-credentials")).toBeNull();
    const badPre = await preflight(strangerOrigin);
    expect(badPre.headers.get("access-control-allow-origin")).toBeNull();
    const otherFormat = await fetch(`${server.url}/api/v1/conversations/${conv}/transcript.json`, { method: "OPTIONS", headers: { origin: shopOrigin, "access-control-request-method": "GET" } });
    expect(otherFormat.headers.get("access-control-allow-origin")).toBeNull();
    // A stranger origin is refused outright, even with the right token.
    const stranger = await fetch(txtUrl, { headers: { origin: strangerOrigin, authorization: `Bearer ${token}` } });
    expect(stranger.status).toBe(403);
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
    expect(await db.conversation.count({ where: { id: conv } })).toBe(1);

    // The widget's real call, from Chromium on the shop's page; and the same from a stranger page.
    browser = await launchBrowser();
    const context = await browser.newContext();
    const tab = await context.newPage();
    const call = (url: string, bearer: string) =>
      tab.evaluate(
        async ([u, b]) => {
          try {
            const res = await fetch(u, { headers: { Authorization: `Bearer ${b}` } });
            return { status: res.status, text: await res.text(), disposition: res.headers.get("content-disposition") };
          } catch (err) {
            return { blocked: String(err) };
          }
        },
        [url, bearer] as const,
      );
    await tab.goto(shopOrigin);
    const fromShop = await call(txtUrl, token);
    expect(fromShop).toMatchObject({ status: 200, disposition: `attachment; filename="transcript-${conv}.txt"` });
    expect((fromShop as { text: string }).text).toContain("  on its way 📦");
    expect(await call(txtUrl, "v_wrong")).toMatchObject({ status: 401 });
    expect(await call(`${server.url}/api/v1/conversations/${conv}/transcript.json`, token)).toHaveProperty("blocked");
    await tab.goto(strangerOrigin);
    expect(await call(txtUrl, token)).toHaveProperty("blocked");
  });
});
