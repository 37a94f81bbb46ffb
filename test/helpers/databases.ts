// The databases a test runs against: SQLite always (a file in a temp dir), PostgreSQL when
// DATABASE_URL_PG is set (a fresh database per call, dropped afterwards). .ci/run sets it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";

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
