// --profile only: counts the SQL statements a server child sends to its driver (better-sqlite3's
// prepare, pg's query), so a report can say which queries a scenario's time went to. Installed
// before Parley loads; Prisma's adapters call these for every query.
import Database from "better-sqlite3";
import pg from "pg";

const counts = new Map<string, number>();

function note(sql: unknown): void {
  const text = typeof sql === "string" ? sql : typeof sql === "object" && sql !== null && "text" in sql ? String((sql as { text: unknown }).text) : "";
  if (!text) return;
  // One key per statement shape: placeholders and IN-lists of any length look alike.
  const key = text
    .replace(/\s+/g, " ")
    .replace(/\$\d+/g, "?")
    .replace(/\((\?,\s*)+\?\)/g, "(?…)")
    .replace(/"main"\./g, "")
    .replace(/"public"\./g, "")
    .trim();
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

export function installSqlCounter(): void {
  const sqlite = Database.prototype as unknown as { prepare: (this: unknown, sql: string) => unknown };
  const prepare = sqlite.prepare;
  sqlite.prepare = function (this: unknown, sql: string) {
    note(sql);
    return prepare.call(this, sql);
  };
  const client = pg.Client.prototype as unknown as { query: (this: unknown, ...args: unknown[]) => unknown };
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]) {
    note(args[0]);
    return query.apply(this, args);
  };
}

export interface SqlCount {
  sql: string;
  count: number;
}

export function sqlCounts(top = 25): { total: number; top: SqlCount[] } {
  const all = [...counts.entries()].map(([sql, count]) => ({ sql: sql.length > 300 ? sql.slice(0, 300) + "…" : sql, count }));
  all.sort((a, b) => b.count - a.count);
  return { total: all.reduce((s, x) => s + x.count, 0), top: all.slice(0, top) };
}
