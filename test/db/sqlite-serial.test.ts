// A plain query issued while another transaction of the same client is open must not run inside
// that transaction: without the serialising adapter it is rolled back with it. The same holds for
// the direct statements of server/db/sql.ts, which share Prisma's connection and lock.
import { expect, it } from "vitest";
import type { Db } from "../../server/db/client.ts";
import { sqlOf } from "../../server/db/sql.ts";
import { migratedDatabase } from "../helpers/databases.ts";

const { open } = migratedDatabase();

const writers: [string, (db: Db) => Promise<unknown>][] = [
  ["a plain Prisma write", (db) => db.apiToken.create({ data: { name: "outside", tokenHash: "h-outside" } })],
  ["a direct statement", (db) => sqlOf(db).$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${"d1"}, ${"outside"}, ${"h-outside"})`],
];

it.each(writers)("keeps %s made during another transaction when that transaction rolls back (SQLite)", async (_name, write) => {
  const db = (await open("sqlite")).prisma;
  let inside!: () => void;
  const txOpen = new Promise<void>((resolve) => (inside = resolve));
  let finish!: () => void;
  const mayFinish = new Promise<void>((resolve) => (finish = resolve));
  const failing = db
    .$transaction(async (tx) => {
      await tx.apiToken.create({ data: { name: "inside", tokenHash: "h-inside" } });
      inside();
      await mayFinish;
      throw new Error("roll back");
    })
    .catch((err: unknown) => (err as Error).message);
  await txOpen;
  const outside = write(db);
  finish();
  await outside;
  expect(await failing).toBe("roll back");
  expect((await db.apiToken.findMany({ select: { name: true } })).map((t) => t.name)).toEqual(["outside"]);
});
