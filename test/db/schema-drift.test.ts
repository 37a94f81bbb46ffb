// SQLite and PostgreSQL must not drift apart: one source schema, a derived PostgreSQL schema,
// and per-provider migrations that build the same tables and columns as the schema says.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import pg from "pg";
// @ts-expect-error plain .mjs script without types
import { derivePostgres } from "../../scripts/prisma-schemas.mjs";
import { migrate } from "../../server/db/migrate.ts";
import { tempDatabase } from "../helpers/databases.ts";

const root = path.resolve(import.meta.dirname, "../..");
const read = (p: string) => readFileSync(path.join(root, p), "utf8");
type Shape = Record<string, string[]>;

function sqliteShape(file: string): Shape {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name != '_parley_migrations' ORDER BY name`).all() as { name: string }[];
    const shape: Shape = {};
    for (const { name } of tables) {
      const cols = db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; notnull: number; pk: number }[];
      shape[name] = cols.map((c) => `${c.name}${c.notnull || c.pk ? "!" : "?"}`).sort();
    }
    return shape;
  } finally {
    db.close();
  }
}

describe("schema drift", () => {
  it("derives the PostgreSQL schema from the source and has migrated every model change", () => {
    expect(read("prisma/postgres/schema.prisma")).toBe(derivePostgres(read("prisma/schema.prisma")));
    expect(read("prisma/migrations/schema.snapshot.prisma")).toBe(read("prisma/schema.prisma"));
  });

  it("SQLite migrations build exactly what the schema describes", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "parley-drift-"));
    try {
      const migrated = path.join(dir, "migrated.db");
      await migrate(`file:${migrated}`);
      const fresh = path.join(dir, "fresh.db");
      const sql = execFileSync(process.execPath, [path.join(root, "node_modules/prisma/build/index.js"), "migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"], {
        cwd: root,
        env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false", PRISMA_QUERY_ENGINE_LIBRARY: "/bin/false", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
        encoding: "utf8",
      });
      const db = new Database(fresh);
      db.exec(sql);
      db.close();
      expect(sqliteShape(migrated)).toEqual(sqliteShape(fresh));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it.runIf(process.env.DATABASE_URL_PG)("PostgreSQL migrations build the same tables and columns as SQLite's", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "parley-drift-"));
    const pgdb = await tempDatabase("postgres");
    try {
      const file = path.join(dir, "s.db");
      await migrate(`file:${file}`);
      await migrate(pgdb.url);
      const client = new pg.Client({ connectionString: pgdb.url });
      await client.connect();
      const rows = (
        await client.query<{ table_name: string; column_name: string; is_nullable: string }>(
          `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name != '_parley_migrations'`,
        )
      ).rows;
      await client.end();
      const shape: Shape = {};
      for (const r of rows) (shape[r.table_name] ??= []).push(`${r.column_name}${r.is_nullable === "NO" ? "!" : "?"}`);
      for (const k of Object.keys(shape)) shape[k].sort();
      expect(shape).toEqual(sqliteShape(file));
    } finally {
      await pgdb.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
