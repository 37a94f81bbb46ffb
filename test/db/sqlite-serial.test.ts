// A plain query issued while another transaction of the same client is open must not run inside
// that transaction: without the serialising adapter it is rolled back with it.
import { afterEach, expect, it } from "vitest";
import { openDatabase, type Database } from "../../server/db/client.ts";
import { migrate } from "../../server/db/migrate.ts";
import { tempDatabase, type TempDatabase } from "../helpers/databases.ts";

let temp: TempDatabase | undefined;
let database: Database | undefined;
afterEach(async () => {
  await database?.close();
  await temp?.drop();
  database = temp = undefined;
});

it("keeps a write made during another transaction when that transaction rolls back (SQLite)", async () => {
  temp = await tempDatabase("sqlite");
  await migrate(temp.url);
  database = await openDatabase(temp.url);
  const db = database.prisma;
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
  const outside = db.apiToken.create({ data: { name: "outside", tokenHash: "h-outside" } });
  finish();
  await outside;
  expect(await failing).toBe("roll back");
  expect((await db.apiToken.findMany({ select: { name: true } })).map((t) => t.name)).toEqual(["outside"]);
});
