// Agent administration: create (with a generated password), change role and capacity,
// deactivate. Deactivation revokes every session in the same step; the adapter then drops the
// agent's live sockets.
import type { Db } from "../db/client.ts";
import { generatePassword } from "../auth/passwords.ts";
import { DomainError } from "../errors.ts";
import { routingChanged } from "../routing/signals.ts";
import type { AdminAgentDto, AgentRole } from "../protocol.ts";
import { createAgent, toAgentDto, type AgentRow } from "./service.ts";

export function toAdminAgentDto(a: AgentRow & { active: boolean; createdAt: Date }): AdminAgentDto {
  return { ...toAgentDto(a), active: a.active, createdAt: a.createdAt.toISOString() };
}

export async function listAgents(db: Db) {
  return db.agent.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

export async function inviteAgent(db: Db, input: { email: string; name: string; role: AgentRole; password?: string; maxChats?: number | null }) {
  const password = input.password ?? generatePassword();
  let agent = await createAgent(db, { email: input.email, name: input.name, role: input.role, password });
  if (input.maxChats !== undefined) agent = await db.agent.update({ where: { id: agent.id }, data: { maxChats: input.maxChats } });
  return { agent, password: input.password === undefined ? password : null };
}

export interface AgentChanges {
  name?: string;
  role?: AgentRole;
  maxChats?: number | null;
  active?: boolean;
}

/**
 * Applies changes made by admin `actorId`. An admin cannot demote or deactivate themself, so
 * there is always someone left who can administer Parley.
 */
export async function updateAgent(db: Db, actorId: string, id: string, changes: AgentChanges) {
  if (id === actorId && (changes.role === "agent" || changes.active === false)) {
    throw new DomainError("conflict", "You cannot demote or deactivate yourself; ask another admin");
  }
  const agent = await db.$transaction(async (tx) => {
    const data = {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.role !== undefined ? { role: changes.role } : {}),
      ...(changes.maxChats !== undefined ? { maxChats: changes.maxChats } : {}),
      ...(changes.active !== undefined ? { active: changes.active } : {}),
      // A deactivated agent takes no chats: offline at once, not after a grace period.
      ...(changes.active === false ? { status: "offline" } : {}),
    };
    const updated = await tx.agent.updateMany({ where: { id }, data });
    if (updated.count === 0) throw new DomainError("not_found", "No such agent");
    if (changes.active === false) await tx.agentSession.deleteMany({ where: { agentId: id } });
    return tx.agent.findUniqueOrThrow({ where: { id } });
  });
  // A raised capacity may let queued chats be assigned now; a deactivated agent's chats go back to the queue.
  routingChanged(db);
  return agent;
}
