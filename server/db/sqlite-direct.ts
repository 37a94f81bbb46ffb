// The SQLite side of sql.ts: statements run on Prisma's own better-sqlite3 connection, under the
// lock sqlite-serial.ts gives every Prisma query and transaction, so the two never interleave,
// and through a cache of prepared statements. Values go in and come out as Prisma's adapter
// stores and reads them (dates as ISO text with "+00:00", booleans as 0/1), so rows written
// here and read through Prisma (or the other way round) are the same.
import type BetterSqlite3 from "better-sqlite3";
import type { Prisma } from "./generated/sqlite/client.ts";
import { toSql, type SqlDatabase, type SqlRunner } from "./sql.ts";
import { underLock, whenFree, type SqliteLink } from "./sqlite-serial.ts";

/** Distinct statement texts kept prepared; IN lists make one text per list length. */
const CACHE_SIZE = 1_000;

interface Prepared {
  stmt: BetterSqlite3.Statement;
  /** result columns that need converting, found on first read */
  conversions: { name: string; kind: "date" | "boolean" }[] | null;
}

/** As @prisma/adapter-better-sqlite3 binds them (its default timestampFormat, iso8601). */
function bindValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().replace("Z", "+00:00");
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === undefined) return null;
  return v;
}

function conversionsOf(stmt: BetterSqlite3.Statement): NonNullable<Prepared["conversions"]> {
  const out: NonNullable<Prepared["conversions"]> = [];
  for (const c of stmt.columns()) {
    const type = c.type?.toUpperCase();
    if (type === "DATETIME") out.push({ name: c.name, kind: "date" });
    else if (type === "BOOLEAN") out.push({ name: c.name, kind: "boolean" });
  }
  return out;
}

function convert(row: Record<string, unknown>, conversions: NonNullable<Prepared["conversions"]>): void {
  for (const { name, kind } of conversions) {
    const v = row[name];
    if (v === null || v === undefined) continue;
    row[name] = kind === "boolean" ? v !== 0 && v !== false : new Date(v as string | number);
  }
}

export function directSqlite(link: SqliteLink): SqlDatabase {
  const cache = new Map<string, Prepared>();
  let cachedFor: BetterSqlite3.Database | null = null;

  const client = (): BetterSqlite3.Database => {
    if (!link.client) throw new Error("sqlite-direct: the database is not connected");
    // Statements belong to the connection that prepared them: a new one (Prisma reconnected)
    // starts with an empty cache instead of running statements of a closed connection.
    if (link.client !== cachedFor) {
      cache.clear();
      cachedFor = link.client;
    }
    return link.client;
  };

  const prepared = (text: string): Prepared => {
    const db = client();
    let p = cache.get(text);
    if (p) {
      // Most recently used last, so the oldest entry is the first one evicted.
      cache.delete(text);
      cache.set(text, p);
      return p;
    }
    // Prisma's adapter turns safe integers on for the whole connection; the rows here carry
    // numbers, as Prisma's own reads of Int columns do (no id or count nears 2^53).
    p = { stmt: db.prepare(text).safeIntegers(false), conversions: null };
    cache.set(text, p);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return p;
  };

  const rowsOf = <T>(query: Prisma.Sql): T => {
    const p = prepared(query.sql);
    const args = query.values.map(bindValue);
    if (!p.stmt.reader) {
      p.stmt.run(args);
      return [] as T;
    }
    const rows = p.stmt.all(args) as Record<string, unknown>[];
    const conversions = (p.conversions ??= conversionsOf(p.stmt));
    if (conversions.length) for (const r of rows) convert(r, conversions);
    return rows as T;
  };

  const changesOf = (query: Prisma.Sql): number => {
    const p = prepared(query.sql);
    const args = query.values.map(bindValue);
    return p.stmt.reader ? p.stmt.all(args).length : p.stmt.run(args).changes;
  };

  /**
   * A statement on its own: once it wrote, it is done only when the WAL is on disk. Another
   * process may hold the write lock: it is waited for without blocking (sqlite-serial.ts).
   */
  const alone = <T>(query: Prisma.Sql, run: (q: Prisma.Sql) => T): Promise<T> => underLock(link, () => whenFree(async () => run(query)));

  /** Inside a transaction: the lock is held already. */
  const inside: SqlRunner = {
    $queryRaw: async <T>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => rowsOf<T>(toSql(query, values)),
    $executeRaw: async (query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => changesOf(toSql(query, values)),
  };

  return {
    $queryRaw: <T>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => alone(toSql(query, values), (q) => rowsOf<T>(q)),
    $executeRaw: (query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => alone(toSql(query, values), changesOf),
    lockedFromBegin: true,
    transaction<T>(body: (tx: SqlRunner) => Promise<T>): Promise<T> {
      return underLock(link, async () => {
        const db = client();
        // IMMEDIATE: the write lock is taken now, so a transaction that reads and then writes
        // cannot fail half-way because another process wrote in between.
        await whenFree(async () => prepared("BEGIN IMMEDIATE").stmt.run());
        try {
          const result = await body(inside);
          prepared("COMMIT").stmt.run();
          return result;
        } catch (err) {
          // A failed statement may have ended the transaction already (SQLITE_FULL and the like).
          if (db.inTransaction) prepared("ROLLBACK").stmt.run();
          throw err;
        }
      });
    },
  };
}
