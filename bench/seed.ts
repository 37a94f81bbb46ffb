// Bench fixtures made through Parley's own domain functions (runs inside the server child): agents
// with a session cookie each, and conversations already assigned to them, so a latency run
// measures the message path and not the setup.
import type { Db } from "../server/db/client.ts";
import { createAgent } from "../server/agents/service.ts";
import { createSession, SESSION_COOKIE } from "../server/auth/sessions.ts";
import { createVisitor } from "../server/visitors/service.ts";

export interface ChatGroup {
  agentId: string;
  /** the Cookie header value the agent's socket sends */
  cookie: string;
  conversations: { conversationId: string; visitorToken: string }[];
}

export interface SeededAgent {
  agentId: string;
  cookie: string;
}

const BATCH = 8;
let serial = 0;

export async function seedAgents(db: Db, count: number, maxChats: number): Promise<SeededAgent[]> {
  const out: SeededAgent[] = [];
  const run = ++serial;
  for (let start = 0; start < count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start) }, async (_, j) => {
      const i = start + j;
      const agent = await createAgent(db, { email: `bench-${run}-${i}@example.com`, name: `Bench agent ${i}`, role: "agent", password: "bench password 1" });
      await db.agent.update({ where: { id: agent.id }, data: { maxChats } });
      return { agentId: agent.id, cookie: `${SESSION_COOKIE}=${await createSession(db, agent.id)}` };
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/**
 * Conversations already assigned to agents who are online and connected (seed after they are:
 * the router rightly requeues chats held by offline agents).
 */
export async function seedConversations(db: Db, siteId: string, agents: readonly SeededAgent[], perAgent: number): Promise<ChatGroup[]> {
  const groups: ChatGroup[] = [];
  for (const agent of agents) {
    const conversations = [];
    for (let i = 0; i < perAgent; i++) {
      const { visitor, token } = await createVisitor(db, siteId);
      const now = new Date();
      const conv = await db.conversation.create({
        data: { siteId, visitorId: visitor.id, status: "assigned", assigneeId: agent.agentId, assignedAt: now, queuedAt: now, openKey: `bench-${i}` },
      });
      conversations.push({ conversationId: conv.id, visitorToken: token });
    }
    await db.agent.update({ where: { id: agent.agentId }, data: { openCount: { increment: perAgent } } });
    groups.push({ ...agent, conversations });
  }
  return groups;
}
