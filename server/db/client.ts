// One Prisma client per provider, both generated from prisma/schema.prisma. The SQLite client's
// types stand for both: the PostgreSQL schema differs only in its provider line.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client.ts";
import { providerOf, sqlitePath, type Provider } from "./provider.ts";
import { serialisedSqlite, sqliteLink } from "./sqlite-serial.ts";
import { directSqlite } from "./sqlite-direct.ts";
import { registerSql } from "./sql.ts";
import { walSync } from "./sqlite-wal-sync.ts";
import { BACKSTOP_PAGES, startCheckpointer, type CheckpointEvents } from "./sqlite-checkpointer.ts";

export type Db = SqliteClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

export interface Database {
  prisma: Db;
  provider: Provider;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** SQLite: what the background checkpoints report (a failure: the backstop keeps the WAL bounded meanwhile) */
  checkpoints?: CheckpointEvents;
}

export async function openDatabase(databaseUrl: string, options: OpenOptions = {}): Promise<Database> {
  const provider = providerOf(databaseUrl);
  let prisma: Db;
  let closeMore = async () => undefined as void;
  if (provider === "sqlite") {
    const file = sqlitePath(databaseUrl);
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const wal = walSync(path.resolve(file));
    const link = sqliteLink(wal.durable);
    prisma = new SqliteClient({ adapter: serialisedSqlite(new PrismaBetterSQLite3({ url: `file:${file}` }), link) });
    registerSql(prisma, directSqlite(link));
    // WAL lets readers run beside the writer. SQLite's own busy wait blocks the event loop, so it
    // stays short: longer waits for another connection's write are retried asynchronously by
    // sqlite-serial.ts.
    await prisma.$queryRawUnsafe("PRAGMA journal_mode = WAL");
    // Commits are flushed by sqlite-wal-sync.ts, off the event loop, before they count as done.
    await prisma.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
    await prisma.$queryRawUnsafe("PRAGMA busy_timeout = 20");
    await prisma.$queryRawUnsafe("PRAGMA foreign_keys = ON");
    // Checkpoints run in a worker (sqlite-checkpointer.ts); this connection only as a backstop.
    await prisma.$queryRawUnsafe(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const checkpointer = startCheckpointer(path.resolve(file), options.checkpoints ?? { onError: () => undefined });
    closeMore = async () => {
      await wal.close();
      await checkpointer.stop();
    };
  } else {
    // Loaded only for PostgreSQL: pg and its adapter are ~2.5 MB of heap an SQLite server never uses.
    const [{ PrismaPg }, { PrismaClient: PostgresClient }] = await Promise.all([import("@prisma/adapter-pg"), import("./generated/postgres/client.ts")]);
    const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }) });
    prisma = client as unknown as Db;
  }
  await prisma.$connect();
  return {
    prisma,
    provider,
    async close() {
      await prisma.$disconnect();
      await closeMore();
    },
  };
}
