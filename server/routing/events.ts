// The routing event log. Every writer calls logEvent inside its transaction after locking the rows
// the event is about, so per agent and per conversation the ids follow the commit order: the log
// can be replayed to check that capacity was never exceeded and no chat had two agents.
import type { Tx } from "../db/client.ts";

export type RoutingEventKind = "queued" | "assigned" | "released" | "closed" | "status";

export interface RoutingEventInput {
  kind: RoutingEventKind;
  conversationId?: string | null;
  agentId?: string | null;
  /** the agent's openCount after the change, read under the row lock */
  openCount?: number | null;
  detail?: string | null;
}

export async function logEvent(tx: Tx, e: RoutingEventInput): Promise<void> {
  await tx.routingEvent.create({
    data: { kind: e.kind, conversationId: e.conversationId ?? null, agentId: e.agentId ?? null, openCount: e.openCount ?? null, detail: e.detail ?? null },
  });
}

/** The agent's open count inside the transaction that just changed it. */
export async function openCountOf(tx: Tx, agentId: string): Promise<number | null> {
  return (await tx.agent.findUnique({ where: { id: agentId }, select: { openCount: true } }))?.openCount ?? null;
}

/** Called by closeConversation inside its transaction, after freeing the agent's slot. */
export async function logClose(tx: Tx, conv: { id: string; status: string; assigneeId: string | null }): Promise<void> {
  const agentId = conv.status === "assigned" ? conv.assigneeId : null;
  await logEvent(tx, { kind: "closed", conversationId: conv.id, agentId, openCount: agentId ? await openCountOf(tx, agentId) : null });
}
