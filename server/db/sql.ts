// Raw SQL for the hot paths (message batches, visitor handshakes, opening and assigning
// conversations), written once for both providers with Prisma's own `Prisma.sql` templates.
// On SQLite the statements skip Prisma's request pipeline and run on its connection directly
// (sqlite-direct.ts): a `$queryRaw` costs ~150 µs there and a compiled `findUnique` ~600 µs,
// a cached prepared statement ~4 µs (bench/README.md, second round). On PostgreSQL they
// go through Prisma's `$queryRaw`, whose cost is small beside a network round trip.
//
// Rows come back as Prisma's `$queryRaw` gives them for columns (DATETIME as Date, BOOLEAN as
// boolean); integers computed by an expression (COUNT(*), EXISTS) may be a number or a bigint
// depending on the path, so callers read them with Number().
import { Prisma } from "./generated/sqlite/client.ts";
import type { Db } from "./client.ts";

/** A statement runner: the direct one, a Prisma client, or a Prisma transaction client. */
export interface SqlRunner {
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>;
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number>;
}

/** A runner that also opens write transactions (the whole body commits or none of it). */
export interface SqlDatabase extends SqlRunner {
  transaction<T>(body: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Whether transaction() holds the database's write lock from its start (the direct runner's
   * BEGIN IMMEDIATE on SQLite): a body then needs no statement of its own to lock rows first.
   */
  readonly lockedFromBegin: boolean;
}

/** The template a tagged call or a ready Prisma.Sql stands for. */
export function toSql(query: TemplateStringsArray | Prisma.Sql, values: readonly unknown[]): Prisma.Sql {
  return query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
}

/** Through Prisma: PostgreSQL, and any client opened without openDatabase. */
export function prismaSql(db: Db): SqlDatabase {
  return {
    $queryRaw: <T>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => db.$queryRaw<T>(toSql(query, values)),
    $executeRaw: (query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => db.$executeRaw(toSql(query, values)),
    transaction: (body) => db.$transaction((tx) => body(tx)),
    lockedFromBegin: false,
  };
}

const registry = new WeakMap<Db, SqlDatabase>();

/** openDatabase registers the fastest runner of each client it opens. */
export function registerSql(db: Db, sql: SqlDatabase): void {
  registry.set(db, sql);
}

/**
 * The raw-SQL runner for `db`: direct on SQLite, Prisma's on PostgreSQL. Domain functions keep
 * taking the Prisma client and ask for this where a statement is hot.
 */
export function sqlOf(db: Db): SqlDatabase {
  let sql = registry.get(db);
  if (!sql) {
    sql = prismaSql(db);
    registry.set(db, sql);
  }
  return sql;
}
