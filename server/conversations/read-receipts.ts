// Read receipts: the highest message seq each side has seen. A mark only moves forward and never
// past the last message, both enforced by one conditional update (no read-then-write).
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import type { Reader } from "../protocol.ts";

export interface ReadResult {
  /** the side's mark after the call */
  seq: number;
  /** false when the mark was already at or past `seq` (nothing to tell the other side) */
  changed: boolean;
}

export async function markRead(db: Db, conversationId: string, reader: Reader, seq: number): Promise<ReadResult> {
  const field = reader === "visitor" ? "visitorReadSeq" : "agentReadSeq";
  const moved = await db.conversation.updateMany({
    where: { id: conversationId, lastSeq: { gte: seq }, [field]: { lt: seq } },
    data: { [field]: seq },
  });
  if (moved.count === 1) return { seq, changed: true };
  const conv = await db.conversation.findUnique({ where: { id: conversationId }, select: { lastSeq: true, visitorReadSeq: true, agentReadSeq: true } });
  if (!conv) throw new DomainError("not_found", "No such conversation");
  if (seq > conv.lastSeq) throw new DomainError("bad_request", `seq: the conversation's last message is ${conv.lastSeq}`);
  return { seq: conv[field], changed: false };
}
