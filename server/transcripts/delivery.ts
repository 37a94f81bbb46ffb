// Delivery state of a stored message, from the conversation's read marks (the highest seq each
// side has seen, moved forward by `conversation:read`). The server cannot know that a client
// received a message it has not read, so a message is "read" or, until then, "sent".
import type { TranscriptDeliveryState } from "../protocol.ts";

export interface ReadMarks {
  visitorReadSeq: number;
  agentReadSeq: number;
}

export function deliveryStateOf(m: { seq: number; authorKind: string; note: boolean }, marks: ReadMarks): TranscriptDeliveryState {
  // A private note has no reader outside the agents who wrote it.
  if (m.note) return "sent";
  const readUpTo = m.authorKind === "visitor" ? marks.agentReadSeq : marks.visitorReadSeq;
  return m.seq <= readUpTo ? "read" : "sent";
}
