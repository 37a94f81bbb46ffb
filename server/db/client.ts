// One Prisma client per provider, both generated from prisma/schema.prisma. The SQLite client's
// types stand for both: the PostgreSQL schema differs only in its provider line.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client.ts";
import { PrismaClient as PostgresClient } from "./generated/postgres/client.ts";
import { providerOf, sqlitePath, type Provider } from "./provider.ts";
import { serialisedSqlite, sqliteLink } from "./sqlite-serial.ts";
import { directSqlite } from "./sqlite-direct.ts";
import { registerSql } from "./sql.ts";

export type Db = SqliteClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

export interface Database {
  prisma: Db;
  provider: Provider;
  close(): Promise<void>;
}

export async function openDatabase(databaseUrl: string): Promise<Database> {
  const provider = providerOf(databaseUrl);
  let prisma: Db;
  if (provider === "sqlite") {
    const file = sqlitePath(databaseUrl);
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const link = sqliteLink();
    prisma = new SqliteClient({ adapter: serialisedSqlite(new PrismaBetterSQLite3({ url: `file:${file}` }), link) });
    registerSql(prisma, directSqlite(link));
    // WAL lets readers run beside the writer. SQLite's own busy wait blocks the event loop, so it
    // stays short: longer waits for another connection's write are retried asynchronously by
    // sqlite-serial.ts.
    await prisma.$queryRawUnsafe("PRAGMA journal_mode = WAL");
    await prisma.$queryRawUnsafe("PRAGMA busy_timeout = 20");
    await prisma.$queryRawUnsafe("PRAGMA foreign_keys = ON");
  } else {
    const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }) });
    prisma = client as unknown as Db;
  }
  await prisma.$connect();
  return { prisma, provider, close: () => prisma.$disconnect() };
}
