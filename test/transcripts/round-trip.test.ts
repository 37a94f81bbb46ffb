// One conversation full of hostile text, exported in every format and parsed back with real
// parsers (JSON.parse, csv-parse, our TXT grammar, Chromium's DOM): what comes back is exactly
// what the database stored.
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseCsv } from "csv-parse/sync";
import type { TranscriptDto } from "../../server/protocol.ts";
import { dbKinds } from "../helpers/databases.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, login } from "../helpers/clients.ts";
import { launchBrowser, watchErrors, type Browser } from "../helpers/browser.ts";
import { AGENT_NAME, NOTE_BODY, neutralised, parseTranscriptText, trickyConversation, VISITOR_NAME } from "./fixtures.ts";

let server: TestServer | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  closeAllClients();
  await browser?.close();
  browser = undefined;
  await server?.close();
  server = undefined;
});

describe.each(dbKinds())("transcript formats on %s", (db) => {
  it("JSON, CSV and TXT parse back to the stored messages", async () => {
    server = await startServer({ db });
    const conv = await trickyConversation(server);
    // The visitor has read up to seq 6: agent messages up to there are "read", the rest "sent".
    await server.app.database.prisma.conversation.update({ where: { id: conv.conversationId }, data: { visitorReadSeq: 6 } });
    const { cookie } = await login(server, "ana@example.com");
    const base = `${server.url}/api/v1/conversations/${conv.conversationId}/transcript`;
    const get = (suffix: string) => fetch(base + suffix, { headers: { cookie } });
    const visible = conv.stored.filter((m) => !m.note);
    const expectedState = (m: { seq: number; authorKind: string; note: boolean }) => (!m.note && m.authorKind === "agent" && m.seq <= 6 ? "read" : "sent");

    // JSON
    const jsonRes = await get(".json");
    expect(jsonRes.status).toBe(200);
    expect(jsonRes.headers.get("content-type")).toMatch(/^application\/json/);
    expect(jsonRes.headers.get("content-disposition")).toBe(`attachment; filename="transcript-${conv.conversationId}.json"`);
    const json = (await jsonRes.json()) as TranscriptDto;
    expect(json.messages).toEqual(visible.map((m) => ({ ...m, deliveryState: expectedState(m) })));
    expect(json.conversation).toMatchObject({ id: conv.conversationId, status: "closed", rating: 4, tags: ["billing", 'vip, "gold"'] });
    expect(json.visitor.name).toBe(VISITOR_NAME);
    expect(json.agents).toEqual([{ id: conv.agentId, name: AGENT_NAME }]);
    expect(json.site.key).toBe(conv.siteKey);
    const withNotes = (await (await get(".json?notes=1")).json()) as TranscriptDto;
    expect(withNotes.messages.map((m) => m.body)).toEqual(conv.stored.map((m) => m.body));
    expect(withNotes.messages.find((m) => m.note)).toMatchObject({ body: NOTE_BODY, deliveryState: "sent" });

    // CSV: RFC 4180, formula cells neutralised, optional BOM
    const csvRes = await get(".csv");
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get("content-type")).toMatch(/^text\/csv; charset=utf-8/);
    const csvBytes = new Uint8Array(await csvRes.arrayBuffer());
    expect([...csvBytes.slice(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    const csvText = new TextDecoder().decode(csvBytes);
    expect(csvText.endsWith("\r\n")).toBe(true);
    const rows = parseCsv(csvText, { columns: true, strict: true } as never) as Record<string, string>[];
    expect(rows.map((r) => ({ seq: Number(r.seq), kind: r.author_kind, author: r.author_name, body: r.body, note: r.note, state: r.delivery_state, at: r.created_at }))).toEqual(
      visible.map((m) => ({ seq: m.seq, kind: m.authorKind, author: neutralised(m.authorName ?? ""), body: neutralised(m.body), note: "false", state: expectedState(m), at: m.createdAt })),
    );
    // Nothing a spreadsheet would evaluate survives at the start of a cell.
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/);
    const bomBytes = new Uint8Array(await (await get(".csv?bom=1")).arrayBuffer());
    expect([...bomBytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const bomRows = parseCsv(Buffer.from(bomBytes), { columns: true, bom: true }) as Record<string, string>[];
    expect(bomRows.map((r) => r.body)).toEqual(visible.map((m) => neutralised(m.body)));
    const csvNotes = parseCsv(await (await get(".csv?notes=1")).text(), { columns: true }) as Record<string, string>[];
    expect(csvNotes.filter((r) => r.note === "true").map((r) => r.body)).toEqual([neutralised(NOTE_BODY)]);

    // TXT
    const txtRes = await get(".txt");
    expect(txtRes.status).toBe(200);
    expect(txtRes.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const txt = parseTranscriptText(await txtRes.text());
    expect(txt.messages.map((m) => ({ kind: m.kind, note: m.note, body: m.body }))).toEqual(visible.map((m) => ({ kind: m.authorKind, note: false, body: m.body })));
    expect(txt.messages.map((m) => m.author)).toEqual(visible.map((m) => m.authorName));
    expect(txt.header).toContain("Status: closed");
    expect(txt.header).toContain("Rating: 4/5");
    expect(txt.header.some((l) => l.startsWith("Agents: ") && l.includes(AGENT_NAME))).toBe(true);
    const txtNotes = parseTranscriptText(await (await get(".txt?notes=1")).text());
    expect(txtNotes.messages.filter((m) => m.note).map((m) => m.body)).toEqual([NOTE_BODY]);
  });

  it("HTML renders in Chromium as inert text equal to the stored messages, and prints to PDF", async () => {
    server = await startServer({ db });
    const conv = await trickyConversation(server);
    const { cookie } = await login(server, "ana@example.com");
    browser = await launchBrowser();
    const context = await browser.newContext({ extraHTTPHeaders: { cookie } });
    const page = await context.newPage();
    const { errors } = watchErrors(page);
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    const response = await page.goto(`${server.url}/api/v1/conversations/${conv.conversationId}/transcript.html?notes=1`);
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(headers["content-disposition"]).toMatch(/^inline; filename="transcript-.*\.html"$/);
    const csp = headers["content-security-policy"];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/script-src|unsafe-inline/);

    const rendered = await page.evaluate(() =>
      [...document.querySelectorAll("li.msg")].map((li) => ({
        seq: Number((li as HTMLElement).dataset.seq),
        kind: (li as HTMLElement).dataset.authorKind,
        note: (li as HTMLElement).dataset.note === "true",
        author: li.querySelector(".author")?.textContent,
        body: li.querySelector(".body")?.textContent,
      })),
    );
    expect(rendered).toEqual(
      conv.stored.map((m) => ({
        seq: m.seq,
        kind: m.authorKind,
        note: m.note,
        author: `${m.authorName} (${m.note ? "agent, private note" : m.authorKind})`,
        body: m.body,
      })),
    );
    const dom = await page.evaluate(() => ({
      scripts: document.scripts.length,
      injected: document.querySelectorAll("main b, main img, main script").length,
      handlers: [...document.querySelectorAll("*")].filter((el) => [...el.attributes].some((a) => a.name.startsWith("on"))).length,
      external: [...document.querySelectorAll("link, img, iframe, object, embed")].length,
      // The stylesheet applied, so the CSP hash matches the style actually sent.
      whiteSpace: getComputedStyle(document.querySelector(".body") as Element).whiteSpace,
      title: document.title,
      meta: document.querySelector("dl.meta")?.textContent ?? "",
    }));
    expect(dom).toMatchObject({ scripts: 0, injected: 0, handlers: 0, external: 0, whiteSpace: "pre-wrap" });
    expect(dom.meta).toContain(VISITOR_NAME);
    expect(dialogs).toBe(0);
    expect(errors).toEqual([]);
    const pdf = await page.pdf({ format: "A4" });
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pdf.length).toBeGreaterThan(5_000);
  });

  it("answers unknown ids, unknown formats and odd ids with a JSON 4xx", async () => {
    server = await startServer({ db });
    const conv = await trickyConversation(server, { close: false });
    const { cookie } = await login(server, "ana@example.com");
    const status = async (path: string) => {
      const res = await fetch(`${server!.url}/api/v1/conversations/${path}`, { headers: { cookie } });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
    };
    expect(await status("nope/transcript.json")).toEqual({ status: 404, body: { error: { code: "not_found", message: "No such conversation" } } });
    expect(await status("nope/transcript.html")).toMatchObject({ status: 404 });
    expect(await status(`${"x".repeat(300)}/transcript.txt`)).toMatchObject({ status: 404 });
    expect(await status(`${encodeURIComponent("a'\"<>")}/transcript.csv`)).toMatchObject({ status: 404 });
    expect(await status(`${conv.conversationId}/transcript.pdf`)).toEqual({
      status: 400,
      body: { error: { code: "bad_request", message: 'Unknown transcript format "pdf": use json, csv, txt, html' } },
    });
    expect(await status(`${conv.conversationId}/transcript.JSON`)).toMatchObject({ status: 400 });
    expect(await status(`${conv.conversationId}/transcript`)).toMatchObject({ status: 404 });
    // An open conversation exports too, with what it has so far.
    const open = await fetch(`${server.url}/api/v1/conversations/${conv.conversationId}/transcript.json`, { headers: { cookie } });
    expect(((await open.json()) as TranscriptDto).conversation.status).not.toBe("closed");
  });
});
