// The databases a test runs against: SQLite always (a file in a temp dir), PostgreSQL when
// DATABASE_URL_PG is set (a fresh database per call, dropped afterwards). .ci/run sets it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach } from "vitest";
import { openDatabase, type Database } from "../../server/db/client.ts";
import { migrate } from "../../server/db/migrate.ts";

export type DbKind = "sqlite" | "postgres";

export function dbKinds(): DbKind[] {
  return process.env.DATABASE_URL_PG ? ["sqlite", "postgres"] : ["sqlite"];
}

export interface TempDatabase {
  url: string;
  dir: string;
  drop(): Promise<void>;
}

export async function tempDatabase(kind: DbKind): Promise<TempDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), "parley-test-"));
  if (kind === "sqlite") {
    return { url: `file:${path.join(dir, "parley.db")}`, dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const base = process.env.DATABASE_URL_PG;
  if (!base) throw new Error("DATABASE_URL_PG is not set");
  const name = `parley_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dir,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A migrated temp database per test, for tests of the domain against the database itself: `open`
 * creates it on first use (later calls open another client on the same one), and everything is
 * closed and dropped after each test (the afterEach this registers), failed or not.
 */
export function migratedDatabase(): { open(kind: DbKind): Promise<Database>; url(): string } {
  let temp: TempDatabase | undefined;
  const opened: Database[] = [];
  afterEach(async () => {
    for (const d of opened.splice(0)) await d.close();
    await temp?.drop();
    temp = undefined;
  });
  return {
    async open(kind) {
      if (!temp) {
        temp = await tempDatabase(kind);
        await migrate(temp.url);
      }
      const d = await openDatabase(temp.url);
      opened.push(d);
      return d;
    },
    url() {
      if (!temp) throw new Error("migratedDatabase: open() first");
      return temp.url;
    },
  };
}
