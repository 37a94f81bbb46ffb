// Hand-made routing states in a real, migrated temp database (SQLite file or PostgreSQL).
import { randomBytes } from "node:crypto";
import { openDatabase, type Database, type Db } from "../../server/db/client.ts";
import { migrate } from "../../server/db/migrate.ts";
import { tempDatabase, type DbKind, type TempDatabase } from "../helpers/databases.ts";

export interface RoutingDb {
  db: Db;
  url: string;
  database: Database;
  temp: TempDatabase;
  close(): Promise<void>;
}

export async function routingDb(kind: DbKind): Promise<RoutingDb> {
  const temp = await tempDatabase(kind);
  try {
    await migrate(temp.url);
    const database = await openDatabase(temp.url);
    return {
      db: database.prisma,
      url: temp.url,
      database,
      temp,
      async close() {
        await database.close();
        await temp.drop();
      },
    };
  } catch (err) {
    await temp.drop();
    throw err;
  }
}

let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}-${randomBytes(3).toString("hex")}`;

export async function seedSite(db: Db, opts: { name?: string; routingMode?: "auto" | "manual"; defaultCapacity?: number | null; membersOnly?: boolean; memberIds?: string[] } = {}) {
  return db.site.create({
    data: {
      key: unique("site"),
      name: opts.name ?? unique("Site"),
      identitySecret: "secret",
      routingMode: opts.routingMode ?? "auto",
      defaultCapacity: opts.defaultCapacity ?? null,
      membersOnly: opts.membersOnly ?? false,
      members: opts.memberIds ? { create: opts.memberIds.map((agentId) => ({ agentId })) } : undefined,
    },
  });
}

export async function seedAgent(
  db: Db,
  opts: { name?: string; status?: "online" | "away" | "offline"; maxChats?: number | null; lastAssignedAt?: Date | null; disconnectedAt?: Date | null; role?: "admin" | "agent" } = {},
) {
  const name = opts.name ?? unique("agent");
  return db.agent.create({
    data: {
      email: `${name.toLowerCase()}-${randomBytes(3).toString("hex")}@example.com`,
      name,
      role: opts.role ?? "agent",
      passwordHash: "x",
      status: opts.status ?? "online",
      maxChats: opts.maxChats ?? null,
      lastAssignedAt: opts.lastAssignedAt ?? null,
      disconnectedAt: opts.disconnectedAt ?? null,
    },
  });
}

export async function seedQueued(db: Db, siteId: string, opts: { queuedAt?: Date; priority?: number; returnedById?: string } = {}) {
  const visitor = await db.visitor.create({ data: { siteId, tokenHash: unique("tok") } });
  return db.conversation.create({
    data: {
      siteId,
      visitorId: visitor.id,
      status: "queued",
      queuedAt: opts.queuedAt ?? new Date(),
      priority: opts.priority ?? 0,
      returnedById: opts.returnedById ?? null,
    },
  });
}

/** Gives the agent `count` assigned conversations of the site, keeping openCount consistent. */
export async function holdChats(db: Db, agentId: string, siteId: string, count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const c = await seedQueued(db, siteId);
    await db.conversation.update({ where: { id: c.id }, data: { status: "assigned", assigneeId: agentId, assignedAt: new Date() } });
    ids.push(c.id);
  }
  await db.agent.update({ where: { id: agentId }, data: { openCount: { increment: count } } });
  return ids;
}

export async function assigneeOf(db: Db, conversationId: string): Promise<string | null> {
  return (await db.conversation.findUniqueOrThrow({ where: { id: conversationId } })).assigneeId;
}

/** Seconds ago, as a Date. */
export const ago = (seconds: number) => new Date(Date.now() - seconds * 1000);
