// Agents: accounts, roles and presence.
import type { Db } from "../db/client.ts";
import { hashPassword, verifyPassword } from "../auth/passwords.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { DomainError } from "../errors.ts";
import type { AgentDto, AgentRole, AgentStatus } from "../protocol.ts";

export interface AgentRow {
  id: string;
  email: string;
  name: string;
  role: string;
  status: string;
  maxChats: number | null;
  openCount: number;
}

export function toAgentDto(a: AgentRow): AgentDto {
  return {
    id: a.id,
    email: a.email,
    name: a.name,
    role: a.role === "admin" ? "admin" : "agent",
    status: a.status === "online" || a.status === "away" ? a.status : "offline",
    maxChats: a.maxChats,
    openCount: a.openCount,
  };
}

export async function createAgent(db: Db, input: { email: string; name: string; role: AgentRole; password: string }) {
  try {
    return await db.agent.create({
      data: { email: input.email.toLowerCase(), name: input.name, role: input.role, passwordHash: await hashPassword(input.password) },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("conflict", "An agent with that email already exists");
    throw err;
  }
}

/** Returns the agent for a correct email and password, null otherwise (no hint which was wrong). */
export async function authenticate(db: Db, email: string, password: string) {
  const agent = await db.agent.findUnique({ where: { email: email.toLowerCase() } });
  if (!agent || !agent.active) {
    // Spend the same time as a real check, so response time does not reveal which emails exist.
    await verifyPassword(password, DUMMY_HASH);
    return null;
  }
  return (await verifyPassword(password, agent.passwordHash)) ? agent : null;
}

const DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export async function setAgentStatus(db: Db, agentId: string, status: AgentStatus) {
  return db.agent.update({ where: { id: agentId }, data: { status } });
}

export async function changePassword(db: Db, agentId: string, current: string, next: string) {
  const agent = await db.agent.findUnique({ where: { id: agentId } });
  if (!agent || !(await verifyPassword(current, agent.passwordHash))) throw new DomainError("forbidden", "Current password is wrong");
  await db.agent.update({ where: { id: agentId }, data: { passwordHash: await hashPassword(next) } });
}
