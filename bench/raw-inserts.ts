// Throughput baseline: single-row INSERTs into Parley's own Message table, each its own
// transaction, with the same driver Parley's Prisma adapter uses (better-sqlite3 or pg), no
// Prisma and no Socket.IO. Runs in its own child while no server is using the database.
import Database from "better-sqlite3";
import pg from "pg";
import { providerOf, sqlitePath } from "../server/db/provider.ts";
import { Samples, summarize, type LatencySummary } from "./stats.ts";

export interface RawInsertResult {
  inserted: number;
  seconds: number;
  perSecond: number;
  latency: LatencySummary;
  /** rows found afterwards: must equal `inserted` */
  counted: number;
}

const BODY = "x".repeat(40);

export async function rawInserts(databaseUrl: string, conversationId: string, durationMs: number, concurrency: number): Promise<RawInsertResult> {
  const samples = new Samples();
  const base = 1_000_000_000;
  if (providerOf(databaseUrl) === "sqlite") {
    // Same pragmas as server/db/client.ts; the synchronous level is the driver's build default,
    // as it is for Parley.
    const db = new Database(sqlitePath(databaseUrl));
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("busy_timeout = 5000");
      db.pragma("foreign_keys = ON");
      const insert = db.prepare(`INSERT INTO "Message" ("id","conversationId","seq","authorKind","authorId","body","clientId","note") VALUES (?,?,?,?,?,?,?,0)`);
      const started = performance.now();
      const deadline = started + durationMs;
      let i = 0;
      for (let now = started; now < deadline && i < 10_000_000; i++) {
        insert.run(`raw-${i}`, conversationId, base + i, "visitor", null, BODY, `raw-${i}`);
        const after = performance.now();
        samples.push(after - now);
        now = after;
      }
      const seconds = (performance.now() - started) / 1000;
      const counted = Number((db.prepare(`SELECT COUNT(*) AS n FROM "Message" WHERE "id" LIKE 'raw-%'`).get() as { n: number }).n);
      return { inserted: i, seconds, perSecond: i / seconds, latency: summarize(samples.toArray()), counted };
    } finally {
      db.close();
    }
  }
  // PostgreSQL: as many connections as Parley's pool, each running inserts back to back.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: concurrency });
  try {
    let next = 0;
    const started = performance.now();
    const deadline = started + durationMs;
    const lane = async () => {
      while (performance.now() < deadline && next < 10_000_000) {
        const i = next++;
        const t = performance.now();
        await pool.query(`INSERT INTO "Message" ("id","conversationId","seq","authorKind","authorId","body","clientId","note") VALUES ($1,$2,$3,$4,$5,$6,$7,false)`, [
          `raw-${i}`,
          conversationId,
          base + i,
          "visitor",
          null,
          BODY,
          `raw-${i}`,
        ]);
        samples.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const seconds = (performance.now() - started) / 1000;
    const counted = Number((await pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM "Message" WHERE "id" LIKE 'raw-%'`)).rows[0].n);
    return { inserted: samples.length, seconds, perSecond: samples.length / seconds, latency: summarize(samples.toArray()), counted };
  } finally {
    await pool.end();
  }
}
