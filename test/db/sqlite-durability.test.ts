// SQLite commits are flushed to disk off the event loop (server/db/sqlite-wal-sync.ts) and
// checkpointed by a worker (sqlite-checkpointer.ts). What must hold: no write counts as done
// before its flush, nothing in the process reads it before then either, concurrent commits
// share flushes, and the WAL is checkpointed without the main connection's help.
import { writeFileSync } from "node:fs";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { afterEach, expect, it } from "vitest";
import { openDatabase, type Database } from "../../server/db/client.ts";
import { PrismaClient } from "../../server/db/generated/sqlite/client.ts";
import { migrate } from "../../server/db/migrate.ts";
import { registerSql, sqlOf } from "../../server/db/sql.ts";
import { directSqlite } from "../../server/db/sqlite-direct.ts";
import { serialisedSqlite, sqliteLink } from "../../server/db/sqlite-serial.ts";
import { walSync } from "../../server/db/sqlite-wal-sync.ts";
import { sqlitePath } from "../../server/db/provider.ts";
import { tempDatabase, type TempDatabase } from "../helpers/databases.ts";

let temp: TempDatabase | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await temp?.drop();
  temp = undefined;
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A client wired like openDatabase's, with a flush the test opens and closes by hand. */
async function gatedClient() {
  temp = await tempDatabase("sqlite");
  await migrate(temp.url);
  let gate = deferred();
  let flushed = deferred();
  const flushes: string[] = [];
  const link = sqliteLink(() => {
    flushes.push("flush");
    flushed.resolve();
    return gate.promise;
  });
  const prisma = new PrismaClient({ adapter: serialisedSqlite(new PrismaBetterSQLite3({ url: temp.url }), link) });
  registerSql(prisma, directSqlite(link));
  await prisma.$connect();
  cleanups.push(() => prisma.$disconnect());
  return {
    prisma,
    flushes,
    /** resolves when the next flush is asked for */
    asked: () => flushed.promise,
    open() {
      gate.resolve();
      gate = deferred();
      flushed = deferred();
    },
  };
}

it("reports a write done only after its flush, while the statements behind it go on and share the next flush", async () => {
  const c = await gatedClient();
  const done: string[] = [];
  const first = sqlOf(c.prisma)
    .transaction((tx) => tx.$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${"t1"}, ${"one"}, ${"h1"})`)
    .then(() => done.push("first write"));
  await c.asked();
  // Committed, its flush pending: reads and another write run now; nothing is reported done.
  expect(await c.prisma.apiToken.count()).toBe(1);
  expect(await sqlOf(c.prisma).$queryRaw<unknown[]>`SELECT "id" FROM "ApiToken"`).toHaveLength(1);
  const second = sqlOf(c.prisma)
    .$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${"t2"}, ${"two"}, ${"h2"})`
    .then(() => done.push("second write"));
  expect(await c.prisma.apiToken.count()).toBe(2);
  // Event-loop turns enough for either write to finish if it did not wait for a flush.
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(done).toEqual([]);
  c.open();
  await Promise.all([first, second]);
  expect(done).toEqual(["first write", "second write"]);
});

it("flushes after Prisma's own writes too, in and out of transactions, but not after reads", async () => {
  const c = await gatedClient();
  // Prisma's promises are lazy: then() sends the query.
  const created = c.prisma.apiToken.create({ data: { name: "plain", tokenHash: "h-plain" } }).then((row) => row);
  await c.asked();
  c.open();
  await created;
  const inTx = c.prisma.$transaction(async (tx) => tx.apiToken.create({ data: { name: "tx", tokenHash: "h-tx" } }));
  await c.asked();
  c.open();
  await inTx;
  const before = c.flushes.length;
  expect(await c.prisma.apiToken.count()).toBe(2);
  expect(await sqlOf(c.prisma).$queryRaw<unknown[]>`SELECT "id" FROM "ApiToken"`).toHaveLength(2);
  expect(c.flushes.length).toBe(before);
});

it("runs the connection at synchronous=NORMAL, with the flush doing FULL's work", async () => {
  temp = await tempDatabase("sqlite");
  await migrate(temp.url);
  const d: Database = await openDatabase(temp.url);
  cleanups.push(() => d.close());
  const [mode] = await d.prisma.$queryRawUnsafe<{ synchronous: number | bigint }[]>("PRAGMA synchronous");
  expect(Number(mode.synchronous)).toBe(1);
  // and a write through it completes (the real flush of the real WAL file)
  expect(await sqlOf(d.prisma).$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${"t"}, ${"n"}, ${"h"})`).toBe(1);
});

it("lets commits that arrive during a flush share the next one", async () => {
  temp = await tempDatabase("sqlite");
  const file = sqlitePath(temp.url);
  writeFileSync(`${file}-wal`, "");
  const gates: ReturnType<typeof deferred>[] = [];
  let started = deferred();
  const wal = walSync(file, () => {
    const g = deferred();
    gates.push(g);
    started.resolve();
    return g.promise;
  });
  cleanups.push(() => wal.close());
  const first = wal.durable();
  await started.promise;
  started = deferred();
  const waiting = Array.from({ length: 10 }, () => wal.durable());
  gates[0].resolve();
  await first;
  await started.promise;
  gates[1].resolve();
  await Promise.all(waiting);
  expect(gates).toHaveLength(2);
});

it("tries the WAL again after a failed open instead of failing every flush after it", async () => {
  temp = await tempDatabase("sqlite");
  const file = sqlitePath(temp.url);
  let flushes = 0;
  const wal = walSync(file, async () => {
    flushes++;
  });
  cleanups.push(() => wal.close());
  // No WAL file yet: the flush fails, and says why.
  await expect(wal.durable()).rejects.toMatchObject({ code: "ENOENT" });
  writeFileSync(`${file}-wal`, "");
  await wal.durable();
  expect(flushes).toBe(1);
});

it("checkpoints the WAL from its worker while the main connection only writes", async () => {
  temp = await tempDatabase("sqlite");
  await migrate(temp.url);
  let reported!: (r: { pages: number; checkpointed: number }) => void;
  const copied = new Promise<{ pages: number; checkpointed: number }>((resolve) => (reported = resolve));
  const errors: string[] = [];
  const d = await openDatabase(temp.url, {
    checkpoints: { onError: (message) => errors.push(message), onCheckpoint: (pages, checkpointed) => pages > 50 && checkpointed === pages && reported({ pages, checkpointed }) },
  });
  cleanups.push(() => d.close());
  await sqlOf(d.prisma).transaction(async (tx) => {
    for (let i = 0; i < 200; i++) await tx.$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${`t${i}`}, ${"x".repeat(2000)}, ${`h${i}`})`;
  });
  const done = await copied;
  expect(done.checkpointed).toBe(done.pages);
  expect(errors).toEqual([]);
});
