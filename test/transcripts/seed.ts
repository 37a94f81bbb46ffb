// Fast seeding for export tests: rows written with createMany in batches, ids chosen here so no
// row has to be read back. Everything else (keys, cascades) is the real schema's.
import type { Db } from "../../server/db/client.ts";
import type { Prisma } from "../../server/db/generated/sqlite/client.ts";

export interface SeedConversation {
  id: string;
  siteId: string;
  visitorId: string;
  status: "queued" | "assigned" | "closed";
  assigneeId: string | null;
  tags: string[];
  createdAt: Date;
  closedAt?: Date | null;
  /** lastSeq to store; defaults to the number of messages (a lower value imitates foreign data) */
  lastSeq?: number;
  messages: { authorKind: "visitor" | "agent"; authorId: string | null; body: string; note?: boolean }[];
}

const BATCH = 2_000;

export async function insertConversations(db: Db, convs: readonly SeedConversation[]): Promise<void> {
  for (let i = 0; i < convs.length; i += BATCH) {
    await db.conversation.createMany({
      data: convs.slice(i, i + BATCH).map((c) => ({
        id: c.id,
        siteId: c.siteId,
        visitorId: c.visitorId,
        status: c.status,
        assigneeId: c.assigneeId,
        tags: JSON.stringify(c.tags),
        createdAt: c.createdAt,
        queuedAt: c.createdAt,
        closedAt: c.closedAt ?? (c.status === "closed" ? new Date(c.createdAt.getTime() + 3_600_000) : null),
        lastSeq: c.lastSeq ?? c.messages.length,
      })),
    });
  }
  let rows: Prisma.MessageCreateManyInput[] = [];
  const flush = async () => {
    if (rows.length) await db.message.createMany({ data: rows });
    rows = [];
  };
  for (const c of convs) {
    for (let s = 0; s < c.messages.length; s++) {
      const m = c.messages[s];
      rows.push({
        id: `${c.id}-m${s + 1}`,
        conversationId: c.id,
        seq: s + 1,
        authorKind: m.authorKind,
        authorId: m.authorId,
        body: m.body,
        clientId: `c${s + 1}`,
        note: m.note ?? false,
        createdAt: new Date(c.createdAt.getTime() + (s + 1) * 1000),
      });
      if (rows.length >= BATCH) await flush();
    }
  }
  await flush();
}

export async function insertVisitors(db: Db, siteId: string, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += BATCH) {
    await db.visitor.createMany({ data: ids.slice(i, i + BATCH).map((id) => ({ id, siteId, tokenHash: `hash-${id}`, name: `Visitor ${id}` })) });
  }
}
