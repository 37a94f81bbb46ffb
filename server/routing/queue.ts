// Queue positions. The queue is per site: requeued conversations (priority 1) first, then by
// the time they entered the queue.
import type { Db } from "../db/client.ts";
import { sqlOf } from "../db/sql.ts";
import { queueOrderSql } from "./state.ts";

export interface QueueEntry {
  conversationId: string;
  visitorId: string;
  /** 1-based */
  position: number;
}

/** The site's queue in order, positions included (one query). */
export async function siteQueue(db: Db, siteId: string, limit = 1000): Promise<QueueEntry[]> {
  const rows = await sqlOf(db).$queryRaw<{ id: string; visitorId: string }[]>`SELECT "id", "visitorId" FROM "Conversation"
    WHERE "siteId" = ${siteId} AND "status" = 'queued' ${queueOrderSql} LIMIT CAST(${limit} AS INTEGER)`;
  return rows.map((r, i) => ({ conversationId: r.id, visitorId: r.visitorId, position: i + 1 }));
}
