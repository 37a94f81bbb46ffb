// The bulk export of 200,000 messages streams with flat memory: the server (its own process)
// grows its RSS by less than a fixed bound while a client downloads every row, and the rows
// that arrive are exactly the ones stored. Prints throughput and peak memory for the record.
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, expect, it } from "vitest";
import { parse as csvParser } from "csv-parse";
import Sqlite from "better-sqlite3";
import { hashToken } from "../../server/auth/tokens.ts";
import { openDatabase } from "../../server/db/client.ts";
import { migrate } from "../../server/db/migrate.ts";
import { sqlitePath } from "../../server/db/provider.ts";
import { tempDatabase, type TempDatabase } from "../helpers/databases.ts";
import { insertVisitors } from "./seed.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CONVERSATIONS = 10_000;
const PER_CONVERSATION = 20;
const TOTAL = CONVERSATIONS * PER_CONVERSATION;
const RSS_GROWTH_BOUND = 64 * 1024 * 1024;
const HEAP_CAP_MB = 48;
const START = Date.UTC(2026, 0, 1);

let child: ChildProcess | undefined;
let database: TempDatabase | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill();
    await exited;
  }
  child = undefined;
  await database?.drop();
  database = undefined;
});

/** Prisma's SQLite adapter stores DateTime as this text; raw rows must match it exactly. */
const sqliteDate = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");

async function seed(url: string) {
  await migrate(url);
  const { prisma: db, close } = await openDatabase(url);
  let siteId: string;
  let agentId: string;
  const visitors = Array.from({ length: 1000 }, (_, i) => `v${i}`);
  try {
    siteId = (await db.site.create({ data: { key: "site_bulk", name: "Bulk", identitySecret: "s" } })).id;
    agentId = (await db.agent.create({ data: { email: "ana@example.com", name: "Ana", passwordHash: "x" } })).id;
    await insertVisitors(db, siteId, visitors);
    await db.apiToken.create({ data: { name: "bench", tokenHash: hashToken("pk_bench"), scopes: JSON.stringify(["transcripts:read"]) } });
  } finally {
    await close();
  }
  // 200,000 rows through Prisma take ~40 s here; one raw transaction takes ~2 s.
  const sqlite = new Sqlite(sqlitePath(url));
  try {
    const conv = sqlite.prepare(
      `INSERT INTO "Conversation" (id, siteId, visitorId, status, assigneeId, lastSeq, tags, createdAt, queuedAt, closedAt) VALUES (?, ?, ?, 'closed', ?, ?, ?, ?, ?, ?)`,
    );
    const msg = sqlite.prepare(`INSERT INTO "Message" (id, conversationId, seq, authorKind, authorId, body, clientId, note, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)`);
    sqlite.transaction(() => {
      for (let i = 0; i < CONVERSATIONS; i++) {
        const id = `conv-${String(i).padStart(6, "0")}`;
        const at = START + i * 60_000;
        const visitor = visitors[i % visitors.length];
        conv.run(id, siteId, visitor, agentId, PER_CONVERSATION, JSON.stringify(i % 2 ? ["even"] : []), sqliteDate(at), sqliteDate(at), sqliteDate(at + 3_600_000));
        for (let k = 1; k <= PER_CONVERSATION; k++) {
          const agent = k % 2 === 0;
          const body = `Message ${k} of conversation ${i}: my order #${i * 7} has not arrived, can you check? 📦 ありがとう`;
          msg.run(`${id}-m${k}`, id, k, agent ? "agent" : "visitor", agent ? agentId : visitor, body, `c${k}`, sqliteDate(at + k * 1000));
        }
      }
    })();
  } finally {
    sqlite.close();
  }
}

async function startChild(databaseUrl: string): Promise<string> {
  child = fork(path.join(import.meta.dirname, "export-server-child.ts"), [], {
    cwd: ROOT,
    // A capped heap: an export that held its data would die here (200,000 messages are well over
    // 100 MB as objects); a streaming one only makes the collector run more often. Without the
    // cap V8 lets garbage pile up to ~100 MB before collecting, which says nothing about the export.
    execArgv: [`--max-old-space-size=${HEAP_CAP_MB}`, "--import", "tsx"],
    env: { ...process.env, PARLEY_TEST_DATABASE_URL: databaseUrl },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const started = child;
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    started.once("message", (m) => resolve(m as { url: string }));
    started.once("exit", (code) => reject(new Error(`server process exited with ${code}`)));
  });
  return url;
}

async function stopChild(): Promise<void> {
  const c = child as ChildProcess;
  const exited = new Promise((resolve) => c.once("exit", resolve));
  c.send({ cmd: "close" });
  expect(await exited).toBe(0);
  child = undefined;
}

function request<T>(c: ChildProcess, message: object): Promise<T> {
  return new Promise((resolve) => {
    c.once("message", (m) => resolve(m as T));
    c.send(message);
  });
}

/**
 * Downloads an export and counts what arrived. The measured runs read lines as they come (the
 * seeded bodies hold no quote, comma or newline, so a CSV record is a line) to keep the client
 * faster than the server; the filtered run goes through csv-parse, a real RFC 4180 parser.
 */
async function download(url: string, format: "csv" | "ndjson" | "csv-parse"): Promise<{ messages: number; conversations: Set<string>; ms: number }> {
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization: "Bearer pk_bench" } });
  expect(res.status).toBe(200);
  const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
  const conversations = new Set<string>();
  let messages = 0;
  if (format === "csv-parse") {
    for await (const row of body.pipe(csvParser({ columns: true })) as AsyncIterable<Record<string, string>>) {
      expect(row.tags).toBe("even");
      messages++;
      conversations.add(row.conversation_id);
    }
  } else {
    let rest = "";
    let header = format === "csv";
    for await (const chunk of body) {
      const lines = (rest + (chunk as Buffer).toString("utf8")).split(format === "csv" ? "\r\n" : "\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (header) {
          expect(line.startsWith("conversation_id,")).toBe(true);
          header = false;
        } else if (format === "csv") {
          conversations.add(line.slice(0, line.indexOf(",")));
          messages++;
        } else {
          const t = JSON.parse(line) as { conversation: { id: string }; messages: unknown[] };
          conversations.add(t.conversation.id);
          messages += t.messages.length;
        }
      }
    }
    expect(rest).toBe("");
  }
  return { messages, conversations, ms: performance.now() - started };
}

it("exports 200,000 messages with bounded server memory, every row accounted for", { timeout: 180_000 }, async () => {
  database = await tempDatabase("sqlite");
  const seeded = performance.now();
  await seed(database.url);
  const seedMs = performance.now() - seeded;

  const results: Record<string, { messages: number; ms: number; growthMb: number; peakMb: number; baselineMb: number }> = {};
  // Each format in a fresh server process, so each one's growth is its own.
  for (const format of ["csv", "ndjson"] as const) {
    const api = `${await startChild(database.url)}/api/v1/transcripts/export`;
    // Warm up the same code paths on a small slice, so the bound measures the export, not startup.
    const warm = await download(`${api}?format=${format}&to=2026-01-01T02:00:00Z`, format);
    expect(warm.messages).toBe(120 * PER_CONVERSATION);
    await request(child as ChildProcess, { cmd: "mark" });
    const got = await download(`${api}?format=${format}`, format);
    const mem = await request<{ baseline: number; peak: number }>(child as ChildProcess, { cmd: "peak" });
    expect(got.messages).toBe(TOTAL);
    expect(got.conversations.size).toBe(CONVERSATIONS);
    expect(mem.peak - mem.baseline).toBeLessThan(RSS_GROWTH_BOUND);
    const mb = (n: number) => +(n / 2 ** 20).toFixed(1);
    results[format] = { messages: got.messages, ms: Math.round(got.ms), growthMb: mb(mem.peak - mem.baseline), peakMb: mb(mem.peak), baselineMb: mb(mem.baseline) };
    if (format === "csv") {
      // A filter on the same data, read with a real CSV parser: half the conversations carry the tag.
      const tagged = await download(`${api}?format=csv&tag=even`, "csv-parse");
      expect(tagged.messages).toBe(TOTAL / 2);
      expect(tagged.conversations.size).toBe(CONVERSATIONS / 2);
    }
    await stopChild();
  }

  for (const [format, r] of Object.entries(results)) {
    console.log(
      `[export-memory] ${format}: ${r.messages} messages in ${r.ms} ms = ${Math.round(r.messages / (r.ms / 1000))} messages/s; ` +
        `server RSS ${r.baselineMb} MB before, peak ${r.peakMb} MB, growth ${r.growthMb} MB (bound ${RSS_GROWTH_BOUND / 2 ** 20} MB, heap cap ${HEAP_CAP_MB} MB); seeded in ${Math.round(seedMs)} ms`,
    );
  }
});
