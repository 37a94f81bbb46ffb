// Shared setup for the transcript tests: visitors with real tokens and conversations full of
// text that breaks naive exporters, stored through the conversation domain functions.
import { closeConversation, openConversation, postMessage, rateConversation } from "../../server/conversations/service.ts";
import { abuseLimits } from "../../server/auth/abuse.ts";
import { createVisitor, updateVisitor } from "../../server/visitors/service.ts";
import type { MessageDto } from "../../server/protocol.ts";
import { addAgent, addSite, type TestServer } from "../helpers/server.ts";

export const VISITOR_NAME = `Vera <b>bold</b> & "Q" 'apos' مرحبا`;
export const AGENT_NAME = `Ana "the" <Agent> & co`;

/** Alternating visitor / agent messages. */
export const TRICKY_BODIES = [
  "Hello 👋🏽 family: 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵",
  "مرحبا، كيف يمكنني المساعدة؟ (RTL) and \u202Eevil override\u202C back",
  "你好，世界。日本語のテキスト・한국어",
  "line one\nline two\n\nline four after a blank\n",
  `She said "hi", then 'bye' — "quoted, with comma"`,
  "a,b,c,,\"",
  "col1\tcol2\ttrailing tab\t",
  '=HYPERLINK("http://127.0.0.1/evil","click")',
  "+1 555 0100",
  "-2+3",
  "@SUM(A1:A9)",
  "\tstarts with a tab",
  "\rstarts with CR\r\nand has CRLF",
  "<script>alert(1)</script><img src=x onerror=alert(2)>&amp; &lt;not an entity&gt;",
  "[2026-01-01 00:00:00 UTC] Fake Header (agent):\n  indented like a body",
  "  leading and trailing spaces  ",
  "'already quoted =1",
];
export const NOTE_BODY = "Private: customer is =angry, \"VIP\"\nsecond line";

export interface TrickyConversation {
  conversationId: string;
  siteKey: string;
  visitorId: string;
  visitorToken: string;
  agentId: string;
  /** what the database holds, in order, notes included */
  stored: MessageDto[];
}

/** The Demo site (A), a second site (B), agents ana and bob, and an admin (root). */
export async function twoSitesAndStaff(server: TestServer) {
  const siteA = await server.app.database.prisma.site.findUniqueOrThrow({ where: { key: server.demoKey } });
  const siteB = await addSite(server, "B", [server.url]);
  const ana = await addAgent(server, { email: "ana@example.com" });
  const bob = await addAgent(server, { email: "bob@example.com" });
  await addAgent(server, { email: "root@example.com", role: "admin" });
  return { siteA, siteB, ana, bob };
}

/** A visitor of `siteId` (the Demo site by default) with the token the widget would keep. */
export async function addVisitor(server: TestServer, opts: { siteId?: string; name?: string } = {}) {
  const db = server.app.database.prisma;
  const siteId = opts.siteId ?? (await db.site.findUniqueOrThrow({ where: { key: server.demoKey } })).id;
  const { token, visitor } = await createVisitor(db, siteId);
  if (opts.name) await updateVisitor(db, visitor.id, { name: opts.name });
  return { token, visitor };
}

/** A conversation with `bodies` alternating visitor / agent, through the domain functions the
 *  socket handlers call (so these tests do not hang on the realtime layer's state). */
export async function seedConversation(
  server: TestServer,
  input: { visitorId: string; siteId: string; agentId: string; bodies: readonly string[]; note?: { after: number; body: string } },
): Promise<string> {
  const db = server.app.database.prisma;
  const { conversation } = await openConversation(db, abuseLimits(), { siteId: input.siteId, visitorId: input.visitorId, openKey: `open-${input.visitorId}`, ip: "127.0.0.1" });
  for (let i = 0; i < input.bodies.length; i++) {
    const visitorTurn = i % 2 === 0;
    await postMessage(db, {
      conversationId: conversation.id,
      authorKind: visitorTurn ? "visitor" : "agent",
      authorId: visitorTurn ? input.visitorId : input.agentId,
      clientId: `m-${i}`,
      body: input.bodies[i],
    });
    if (input.note?.after === i) {
      await postMessage(db, { conversationId: conversation.id, authorKind: "agent", authorId: input.agentId, clientId: "note-1", body: input.note.body, note: true });
    }
  }
  return conversation.id;
}

export async function trickyConversation(server: TestServer, opts: { close?: boolean } = {}): Promise<TrickyConversation> {
  const db = server.app.database.prisma;
  const agent = await addAgent(server, { email: "ana@example.com", name: AGENT_NAME });
  const { token, visitor } = await addVisitor(server, { name: VISITOR_NAME });
  const conversationId = await seedConversation(server, { visitorId: visitor.id, siteId: visitor.siteId, agentId: agent.id, bodies: TRICKY_BODIES, note: { after: 5, body: NOTE_BODY } });
  await db.conversation.update({ where: { id: conversationId }, data: { tags: JSON.stringify(["billing", 'vip, "gold"']) } });
  if (opts.close !== false) {
    await closeConversation(db, conversationId);
    await rateConversation(db, conversationId, 4);
  }
  const rows = await db.message.findMany({ where: { conversationId }, orderBy: { seq: "asc" } });
  const names = new Map<string, string>([[agent.id, AGENT_NAME], [visitor.id, VISITOR_NAME]]);
  const stored = rows.map((r) => ({
    id: r.id,
    conversationId: r.conversationId,
    seq: r.seq,
    authorKind: r.authorKind as MessageDto["authorKind"],
    authorId: r.authorId,
    authorName: r.authorId ? (names.get(r.authorId) ?? null) : null,
    body: r.body,
    clientId: r.clientId,
    note: r.note,
    createdAt: r.createdAt.toISOString(),
    attachments: [],
  }));
  const site = await db.site.findUniqueOrThrow({ where: { id: visitor.siteId } });
  return { conversationId, siteKey: site.key, visitorId: visitor.id, visitorToken: token, agentId: agent.id, stored };
}

/** What a CSV cell must hold for `text`: formula-like starts get an apostrophe (written here
 *  again, independently of the exporter, so the test cannot agree with a bug). */
export function neutralised(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
}

/** Parses the TXT format back: the header block, then "[time] Name (kind[, private note]):"
 *  lines, each followed by its body lines indented by two spaces, and a blank line. */
export function parseTranscriptText(text: string): { header: string[]; messages: { time: string; author: string; kind: string; note: boolean; body: string }[] } {
  const lines = text.split("\n");
  const blank = lines.indexOf("");
  const header = lines.slice(0, blank);
  const messages: { time: string; author: string; kind: string; note: boolean; body: string }[] = [];
  let i = blank + 1;
  while (i < lines.length && lines[i] !== "") {
    const m = /^\[([^\]]+)\] (.*) \((visitor|agent|system)(, private note)?\):$/.exec(lines[i]);
    if (!m) throw new Error(`line ${i + 1} is not a message header: ${JSON.stringify(lines[i])}`);
    const body: string[] = [];
    i++;
    while (i < lines.length && lines[i] !== "") {
      if (!lines[i].startsWith("  ")) throw new Error(`line ${i + 1} is not an indented body line: ${JSON.stringify(lines[i])}`);
      body.push(lines[i].slice(2));
      i++;
    }
    messages.push({ time: m[1], author: m[2], kind: m[3], note: m[4] !== undefined, body: body.join("\n") });
    i++;
  }
  return { header, messages };
}
