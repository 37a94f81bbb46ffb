// --profile only: counts the SQL statements a server child runs (better-sqlite3 statements as
// they execute, whether Prisma's adapter prepared them afresh or db/sqlite-direct.ts took them from
// its cache; pg's query), with the time each shape took in the driver, so a report can say which
// queries a scenario's time went to. Installed before Parley loads.
import Database from "better-sqlite3";
import pg from "pg";

const counts = new Map<string, { count: number; ms: number }>();

function note(sql: unknown, ms: number): void {
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
  const c = counts.get(key) ?? { count: 0, ms: 0 };
  c.count += 1;
  c.ms += ms;
  counts.set(key, c);
}

type Method = (this: { source: string }, ...args: unknown[]) => unknown;

export function installSqlCounter(): void {
  // The Statement class is not exported: reach it through a statement of a scratch database.
  const scratch = new Database(":memory:");
  const statement = Object.getPrototypeOf(scratch.prepare("SELECT 1")) as Record<"run" | "all" | "get" | "iterate", Method>;
  scratch.close();
  for (const name of ["run", "all", "get", "iterate"] as const) {
    const original = statement[name];
    statement[name] = function (this: { source: string }, ...args: unknown[]) {
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        note(this.source, performance.now() - t0);
      }
    };
  }
  const client = pg.Client.prototype as unknown as { query: (this: unknown, ...args: unknown[]) => unknown };
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    const out = query.apply(this, args);
    if (out instanceof Promise) void out.finally(() => note(args[0], performance.now() - t0)).catch(() => undefined);
    else note(args[0], performance.now() - t0);
    return out;
  };
}

export interface SqlCount {
  sql: string;
  count: number;
  /** time in the driver, all executions together (pg: until the answer came) */
  ms: number;
}

export function sqlCounts(top = 25): { total: number; totalMs: number; top: SqlCount[] } {
  const all = [...counts.entries()].map(([sql, c]) => ({ sql: sql.length > 300 ? sql.slice(0, 300) + "…" : sql, count: c.count, ms: Math.round(c.ms) }));
  all.sort((a, b) => b.ms - a.ms);
  return { total: all.reduce((s, x) => s + x.count, 0), totalMs: all.reduce((s, x) => s + x.ms, 0), top: all.slice(0, top) };
}
