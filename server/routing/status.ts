// An agent's own status. online: takes new chats; away: keeps current chats, gets no new ones;
// offline: their open chats go back to the front of the queue at once.
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import type { AgentStatus } from "../protocol.ts";
import { logEvent, openCountOf } from "./events.ts";
import { Abort, releaseAll, type Released } from "./release.ts";
import { withRetry } from "./retry.ts";

export async function changeStatus(db: Db, agentId: string, status: AgentStatus) {
  const released = await withRetry(() =>
    db.$transaction(async (tx): Promise<Released[]> => {
      if (status === "offline") return releaseAll(tx, agentId, "offline", { where: { active: true }, data: { status }, statusEvent: status });
      const updated = await tx.agent.updateMany({ where: { id: agentId, active: true }, data: { status } });
      if (updated.count === 0) return [];
      await logEvent(tx, { kind: "status", agentId, openCount: await openCountOf(tx, agentId), detail: status });
      return [];
    }),
  ).catch((err: unknown) => {
    // Abort: the agent was deactivated meanwhile; reported below.
    if (err instanceof Abort) return [];
    throw err;
  });
  const agent = await db.agent.findUnique({ where: { id: agentId } });
  if (!agent || !agent.active) throw new DomainError("forbidden", "This account is deactivated");
  return { agent, released };
}
