// The raw-SQL runner of the hot paths (server/db/sql.ts): on SQLite it skips Prisma and runs on
// Prisma's connection, so it must read and write exactly what Prisma does, keep out of Prisma's
// open transactions, and commit or roll back whole. Run on both providers where they apply.
import { describe, expect, it } from "vitest";
import { isUniqueViolation } from "../../server/db/errors.ts";
import { Prisma } from "../../server/db/generated/sqlite/client.ts";
import { sqlOf } from "../../server/db/sql.ts";
import { dbKinds, migratedDatabase } from "../helpers/databases.ts";

const { open } = migratedDatabase();

/** Expression integers may be bigint on one path and number on the other (sql.ts says so). */
const plain = (rows: unknown) => JSON.parse(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v))) as unknown;

describe.each(dbKinds())("direct SQL on %s", (kind) => {
  it("reads rows as Prisma's $queryRaw does: dates, booleans, nulls, integers", async () => {
    const { prisma } = await open(kind);
    const site = await prisma.site.create({ data: { key: "k1", name: "Site", identitySecret: "s", membersOnly: true } });
    await prisma.agent.create({ data: { email: "a@x", name: "Ann", passwordHash: "h", maxChats: 3, lastAssignedAt: new Date("2026-01-02T03:04:05.678Z") } });
    const queries = [
      Prisma.sql`SELECT "id", "key", "membersOnly", "createdAt", "defaultCapacity" FROM "Site" WHERE "id" = ${site.id}`,
      Prisma.sql`SELECT "name", "maxChats", "openCount", "active", "lastAssignedAt", "disconnectedAt" FROM "Agent"`,
      Prisma.sql`SELECT COUNT(*) AS "n", EXISTS (SELECT 1 FROM "Agent" WHERE "active" = ${true}) AS "any" FROM "Site"`,
    ];
    for (const q of queries) {
      const direct = await sqlOf(prisma).$queryRaw<Record<string, unknown>[]>(q);
      const through = await prisma.$queryRaw<Record<string, unknown>[]>(q);
      expect(plain(direct)).toEqual(plain(through));
      for (const [k, v] of Object.entries(through[0])) if (v instanceof Date) expect(direct[0][k]).toBeInstanceOf(Date);
    }
    const [agent] = await sqlOf(prisma).$queryRaw<{ active: unknown; lastAssignedAt: unknown }[]>`SELECT "active", "lastAssignedAt" FROM "Agent"`;
    expect(agent.active).toBe(true);
    expect(agent.lastAssignedAt).toEqual(new Date("2026-01-02T03:04:05.678Z"));
  });

  it("writes values Prisma reads back unchanged, and counts changed rows", async () => {
    const { prisma } = await open(kind);
    const at = new Date("2026-03-04T05:06:07.089Z");
    const sql = sqlOf(prisma);
    await sql.$executeRaw`INSERT INTO "Site" ("id", "key", "name", "identitySecret", "membersOnly", "createdAt") VALUES (${"s1"}, ${"key-1"}, ${"It's \"quoted\""}, ${"x"}, ${true}, ${at})`;
    const site = await prisma.site.findUniqueOrThrow({ where: { id: "s1" } });
    expect(site).toMatchObject({ key: "key-1", name: `It's "quoted"`, membersOnly: true, createdAt: at, settings: "{}" });
    expect(await sql.$executeRaw`UPDATE "Site" SET "membersOnly" = ${false} WHERE "id" IN (${Prisma.join(["s1", "nope"])})`).toBe(1);
    expect((await prisma.site.findUniqueOrThrow({ where: { id: "s1" } })).membersOnly).toBe(false);
  });

  it("commits a transaction whole, and rolls it back whole when its body throws", async () => {
    const { prisma } = await open(kind);
    const sql = sqlOf(prisma);
    await sql.transaction(async (tx) => {
      await tx.$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${"t1"}, ${"one"}, ${"h1"})`;
      await tx.$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${"t2"}, ${"two"}, ${"h2"})`;
    });
    const failed = sql
      .transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${"t3"}, ${"three"}, ${"h3"})`;
        // the unique tokenHash fires: the row above must go with it
        await tx.$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${"t4"}, ${"four"}, ${"h1"})`;
      })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(isUniqueViolation(await failed)).toBe(true);
    expect((await prisma.apiToken.findMany({ orderBy: { name: "asc" } })).map((t) => t.name)).toEqual(["one", "two"]);
  });
});

describe("direct SQL on sqlite, beside another connection", () => {
  it("waits for another connection's write lock without blocking the process", async () => {
    const first = await open("sqlite");
    const second = await open("sqlite");
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let release!: () => void;
    const mayRelease = new Promise<void>((resolve) => (release = resolve));
    const holder = sqlOf(first.prisma).transaction(async (tx) => {
      await tx.$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${"a"}, ${"first"}, ${"ha"})`;
      holding();
      await mayRelease;
    });
    await held;
    const waiter = sqlOf(second.prisma).transaction((tx) => tx.$executeRaw`INSERT INTO "ApiToken" ("id", "name", "tokenHash") VALUES (${"b"}, ${"second"}, ${"hb"})`);
    // The event loop keeps turning while the second connection waits (a blocked process would
    // never get here), and the first transaction can still commit.
    await new Promise((resolve) => setTimeout(resolve, 60));
    release();
    await holder;
    expect(await waiter).toBe(1);
    expect((await first.prisma.apiToken.findMany({ orderBy: { name: "asc" } })).map((t) => t.name)).toEqual(["first", "second"]);
  });

});
