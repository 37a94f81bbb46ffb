// The XSS corpus (xss-corpus.ts) against the widget in real Chromium and every transcript format.
// The console's side is test/e2e/console-xss.test.ts, over the same corpus. Contexts bypass the
// pages' Content-Security-Policy, so what is tested is the rendering itself: nothing may run
// (the hook stays unset in every frame) or become an element, and every string reads back as
// the text that was sent. Exports are also checked for the headers that keep a browser from
// rendering them (Content-Type, nosniff, attachment) and CSV for neutralised formulas.
import { parse as parseCsv } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { Ack, ConversationDto, ConversationSummaryDto, MessageDto } from "../../server/protocol.ts";
import { CONTENT_TYPES } from "../../server/transcripts/formats.ts";
import { connectVisitor, login, ok, onlineAgent } from "../helpers/clients.ts";
import { addAgent } from "../helpers/server.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { openChat, say, useWidgetEnv } from "../helpers/widget-host.ts";
import { ILL_FORMED, inertState, XSS_CORPUS } from "./xss-corpus.ts";

const env = useWidgetEnv();
const AGENT_NAME = XSS_CORPUS[0];
const FORMULA = /^[=+\-@\t\r]/;

describe("the widget", () => {
  it("shows every corpus string from the agent (name and messages) and the visitor as text; nothing runs", async () => {
    const { server, host, page } = await env.setup({ context: { bypassCSP: true } });
    await addAgent(server, { email: "ana@example.com", name: AGENT_NAME });
    const agent = await onlineAgent(server, "ana@example.com");
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.goto(host.url("/"));
    const frame = await openChat(page);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    // the visitor types some of it (the rest they could not type any differently)
    await say(frame, XSS_CORPUS[0]);
    const conv = await assigned;
    for (const text of XSS_CORPUS.slice(1, 4)) {
      const seen = waitFor<MessageDto>(agent.socket, "message:new", (m) => m.body === text);
      await say(frame, text);
      await seen;
    }
    for (const [i, body] of XSS_CORPUS.entries()) {
      ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: conv.id, clientId: `a${i}`, body }));
    }
    await frame.getByText(XSS_CORPUS[XSS_CORPUS.length - 1], { exact: true }).last().waitFor();
    const shown = await frame.evaluate(() => document.querySelector("#parley-app")?.textContent ?? "");
    for (const text of [...XSS_CORPUS, AGENT_NAME]) expect({ text, shown: shown.includes(text) }).toEqual({ text, shown: true });

    expect(await frame.evaluate(inertState, "#parley-app")).toEqual({ hook: null, injected: [], jsLinks: 0 });
    expect(await page.evaluate(inertState, "body")).toEqual({ hook: null, injected: [], jsLinks: 0 });
    expect(dialogs).toBe(0);
  });
});

describe("transcripts", () => {
  it("every format carries the corpus as inert text; CSV formulas are neutralised; ill-formed text is refused", async () => {
    const server = await env.server();
    await addAgent(server, { email: "ana@example.com", name: AGENT_NAME });
    const { cookie } = await login(server, "ana@example.com");
    const agent = (await onlineAgent(server, "ana@example.com")).socket;
    const assigned = waitFor(agent, "conversation:assigned");
    const { socket: visitor } = await connectVisitor(server);
    const fields = Object.fromEntries(XSS_CORPUS.map((text, i) => [`field${i}`, text]));
    const opened = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(visitor, "conversation:open", { clientId: "o", name: XSS_CORPUS[1], fields }));
    const conversationId = opened.conversation.id;
    for (const [i, body] of XSS_CORPUS.entries()) ok(await emitAck(visitor, "message:send", { conversationId, clientId: `v${i}`, body }));
    await assigned;
    for (const [i, body] of XSS_CORPUS.entries()) ok(await emitAck(agent, "message:send", { conversationId, clientId: `a${i}`, body }));
    const db = server.app.database.prisma;
    const count = await db.message.count();
    for (const [i, body] of ILL_FORMED.entries()) {
      expect(await emitAck(visitor, "message:send", { conversationId, clientId: `bad${i}`, body })).toMatchObject({ ok: false, error: { code: "bad_request" } });
      expect(await emitAck(agent, "message:send", { conversationId, clientId: `badA${i}`, body })).toMatchObject({ ok: false, error: { code: "bad_request" } });
    }
    expect(await emitAck(visitor, "visitor:update", { name: ILL_FORMED[0] })).toMatchObject({ ok: false, error: { code: "bad_request" } });
    // Ids too: a NUL in an open's clientId would have failed the whole batch of opens on PostgreSQL.
    const { socket: other } = await connectVisitor(server);
    expect(await emitAck(other, "conversation:open", { clientId: "open\u0000key" })).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await db.conversation.count()).toBe(1);
    expect(await db.message.count()).toBe(count);
    const sent = [...XSS_CORPUS, ...XSS_CORPUS];

    const get = async (path: string) => {
      const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      return { res, text: await res.text() };
    };
    const downloads = {
      json: `/api/v1/conversations/${conversationId}/transcript.json`,
      csv: `/api/v1/conversations/${conversationId}/transcript.csv`,
      txt: `/api/v1/conversations/${conversationId}/transcript.txt`,
      ndjson: `/api/v1/transcripts/export?format=ndjson`,
      bulkCsv: `/api/v1/transcripts/export?format=csv`,
    };
    const got: Record<string, string> = {};
    for (const [name, path] of Object.entries(downloads)) {
      const { res, text } = await get(path);
      const format = name === "bulkCsv" ? "csv" : (name as keyof typeof CONTENT_TYPES);
      expect({ name, type: res.headers.get("content-type"), sniff: res.headers.get("x-content-type-options") }).toEqual({ name, type: CONTENT_TYPES[format], sniff: "nosniff" });
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; /);
      got[name] = text;
    }

    // JSON and NDJSON: the very strings, back
    const json = JSON.parse(got.json) as { messages: { body: string }[] };
    expect(json.messages.map((m) => m.body)).toEqual(sent);
    const ndjsonBodies = got.ndjson
      .split("\n")
      .filter(Boolean)
      .flatMap((line) => {
        const row = JSON.parse(line) as { messages?: { body: string }[]; body?: string };
        return row.messages ? row.messages.map((m) => m.body) : row.body !== undefined ? [row.body] : [];
      });
    expect(ndjsonBodies).toEqual(sent);
    // TXT: plain text, every string literally
    for (const text of XSS_CORPUS) expect(got.txt).toContain(text);

    // CSV: no cell a spreadsheet would evaluate; a formula-like text keeps its words behind an apostrophe
    for (const name of ["csv", "bulkCsv"]) {
      const rows = parseCsv(got[name], { bom: true, columns: true, relax_column_count: false }) as Record<string, string>[];
      const cells = rows.flatMap((r) => Object.values(r));
      expect({ name, formulas: cells.filter((c) => FORMULA.test(c)) }).toEqual({ name, formulas: [] });
      expect(rows.map((r) => r.body)).toEqual(sent.map((t) => (FORMULA.test(t) ? `'${t}` : t)));
    }

    // HTML: opened in Chromium (its CSP bypassed), nothing runs and every body reads back
    const context = await env.context({ bypassCSP: true, extraHTTPHeaders: { cookie } });
    const page = await context.newPage();
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    const response = await page.goto(`${server.url}/api/v1/conversations/${conversationId}/transcript.html`);
    expect(response?.headers()["x-content-type-options"]).toBe("nosniff");
    expect(await page.evaluate(() => [...document.querySelectorAll("li.msg .body")].map((b) => b.textContent))).toEqual(sent);
    expect(await page.evaluate(() => document.body.textContent ?? "")).toContain(XSS_CORPUS[1]);
    expect(await page.evaluate(inertState, "main")).toEqual({ hook: null, injected: [], jsLinks: 0 });
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    expect(dialogs).toBe(0);
    // the control: the same check does see a payload that runs
    await page.setContent(`<main>${XSS_CORPUS[0]}</main>`);
    await page.waitForFunction(() => (window as unknown as { __xss?: unknown }).__xss !== undefined);
    expect((await page.evaluate(inertState, "main")).hook).toBe("1");
  });
});
