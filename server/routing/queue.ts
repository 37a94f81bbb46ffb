// Queue order and positions. The queue is per site: requeued conversations (priority 1) first,
// then by the time they entered the queue.
import type { Db } from "../db/client.ts";
import { QUEUE_ORDER } from "./state.ts";

export interface QueueEntry {
  conversationId: string;
  visitorId: string;
  /** 1-based */
  position: number;
}

/** The site's queue in order, positions included (one query). */
export async function siteQueue(db: Db, siteId: string, limit = 1000): Promise<QueueEntry[]> {
  const rows = await db.conversation.findMany({
    where: { siteId, status: "queued" },
    orderBy: [...QUEUE_ORDER],
    take: limit,
    select: { id: true, visitorId: true },
  });
  return rows.map((r, i) => ({ conversationId: r.id, visitorId: r.visitorId, position: i + 1 }));
}

/** 1-based position of one queued conversation in its site's queue; null when not queued. */
export async function queuePosition(db: Db, conversationId: string): Promise<number | null> {
  const c = await db.conversation.findUnique({ where: { id: conversationId }, select: { siteId: true, status: true, priority: true, queuedAt: true } });
  if (!c || c.status !== "queued") return null;
  const ahead = await db.conversation.count({
    where: {
      siteId: c.siteId,
      status: "queued",
      OR: [
        { priority: { gt: c.priority } },
        { priority: c.priority, queuedAt: { lt: c.queuedAt } },
        { priority: c.priority, queuedAt: c.queuedAt, id: { lt: conversationId } },
      ],
    },
  });
  return ahead + 1;
}
