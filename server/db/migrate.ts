// Applies the SQL migrations in prisma/migrations/<provider>/ in name order, each once.
// Prisma's own `migrate deploy` cannot run offline against PostgreSQL (toolchain notes), so the
// application owns this step; it runs on start and from `parley migrate`.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { providerOf, sqlitePath, type Provider } from "./provider.ts";

const MIGRATIONS_ROOT = fileURLToPath(new URL("../../prisma/migrations/", import.meta.url));
const LEDGER = "_parley_migrations";

export interface Migration {
  name: string;
  sql: string;
}

export function migrationsFor(provider: Provider): Migration[] {
  const dir = path.join(MIGRATIONS_ROOT, provider);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((name) => ({ name, sql: readFileSync(path.join(dir, name), "utf8") }));
}

/** Returns the names of the migrations this call applied. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const provider = providerOf(databaseUrl);
  return provider === "sqlite" ? migrateSqlite(databaseUrl) : migratePostgres(databaseUrl);
}

function migrateSqlite(databaseUrl: string): string[] {
  const file = sqlitePath(databaseUrl);
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.exec(`CREATE TABLE IF NOT EXISTS "${LEDGER}" (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
    const applied: string[] = [];
    // IMMEDIATE takes the write lock first, so two processes starting at once cannot both apply.
    const run = db.transaction((m: Migration) => {
      if (db.prepare(`SELECT 1 FROM "${LEDGER}" WHERE name = ?`).get(m.name)) return;
      db.exec(m.sql);
      db.prepare(`INSERT INTO "${LEDGER}" (name, applied_at) VALUES (?, ?)`).run(m.name, new Date().toISOString());
      applied.push(m.name);
    });
    for (const m of migrationsFor("sqlite")) run.immediate(m);
    return applied;
  } finally {
    db.close();
  }
}

async function migratePostgres(databaseUrl: string): Promise<string[]> {
  // pg only where PostgreSQL is used (client.ts loads its adapter the same way).
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    // One transaction and an advisory lock: processes starting together apply each migration once.
    await client.query("SELECT pg_advisory_xact_lock(727274)");
    await client.query(`CREATE TABLE IF NOT EXISTS "${LEDGER}" (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)`);
    const done = new Set((await client.query<{ name: string }>(`SELECT name FROM "${LEDGER}"`)).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const m of migrationsFor("postgresql")) {
      if (done.has(m.name)) continue;
      await client.query(m.sql);
      await client.query(`INSERT INTO "${LEDGER}" (name, applied_at) VALUES ($1, now())`, [m.name]);
      applied.push(m.name);
    }
    await client.query("COMMIT");
    return applied;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

/** Names of migrations not yet applied (for /readyz). */
export async function pendingMigrations(databaseUrl: string, appliedNames: string[]): Promise<string[]> {
  const known = new Set(appliedNames);
  return migrationsFor(providerOf(databaseUrl)).map((m) => m.name).filter((n) => !known.has(n));
}
