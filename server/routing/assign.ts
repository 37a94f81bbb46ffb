// Assignment: the longest-waiting queued conversation goes to the eligible agent with the fewest
// open conversations (ties: least recently assigned). Atomic in the database: the agent's
// capacity is reserved by a conditional increment and the conversation claimed by a conditional
// update in one transaction, so two processes can never double-assign or overfill an agent.
import type { Db } from "../db/client.ts";
import { effectiveCapacity } from "./capacity.ts";

export interface Assignment {
  conversationId: string;
  agentId: string;
  siteId: string;
}

class LostRace extends Error {}

interface Candidate {
  id: string;
  maxChats: number | null;
  openCount: number;
}

/** Online, active agents ordered by preference: fewest open chats, then least recently assigned. */
async function candidates(db: Db): Promise<Candidate[]> {
  return db.agent.findMany({
    where: { status: "online", active: true },
    orderBy: [{ openCount: "asc" }, { lastAssignedAt: { sort: "asc", nulls: "first" } }, { id: "asc" }],
    select: { id: true, maxChats: true, openCount: true },
  });
}

/** Tries to hand one queued conversation to one agent; false when either changed meanwhile. */
export async function claim(db: Db, conversationId: string, agentId: string, capacity: number): Promise<boolean> {
  try {
    await db.$transaction(async (tx) => {
      const now = new Date();
      const reserved = await tx.agent.updateMany({
        where: { id: agentId, status: "online", active: true, openCount: { lt: capacity } },
        data: { openCount: { increment: 1 }, lastAssignedAt: now },
      });
      if (reserved.count === 0) throw new LostRace();
      const claimed = await tx.conversation.updateMany({
        where: { id: conversationId, status: "queued" },
        data: { status: "assigned", assigneeId: agentId, assignedAt: now },
      });
      if (claimed.count === 0) throw new LostRace();
    });
    return true;
  } catch (err) {
    if (err instanceof LostRace) return false;
    throw err;
  }
}

/** Assigns one conversation if an eligible agent has room; returns the agent or null. */
export async function assignConversation(db: Db, conversation: { id: string; siteId: string }): Promise<string | null> {
  const site = await db.site.findUnique({ where: { id: conversation.siteId }, select: { defaultCapacity: true } });
  for (let attempt = 0; attempt < 5; attempt++) {
    const list = (await candidates(db)).filter((a) => a.openCount < effectiveCapacity(a.maxChats, site?.defaultCapacity ?? null));
    if (list.length === 0) return null;
    for (const agent of list) {
      if (await claim(db, conversation.id, agent.id, effectiveCapacity(agent.maxChats, site?.defaultCapacity ?? null))) return agent.id;
      const still = await db.conversation.findUnique({ where: { id: conversation.id }, select: { status: true } });
      if (still?.status !== "queued") return null;
    }
  }
  return null;
}

/**
 * Assigns queued conversations, oldest first, until the queue is empty or nobody has room.
 * Call it whenever capacity may have appeared (agent online, chat closed, new conversation).
 */
export async function drainQueue(db: Db, limit = 1000): Promise<Assignment[]> {
  const done: Assignment[] = [];
  const queued = await db.conversation.findMany({
    where: { status: "queued" },
    orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
    take: limit,
    select: { id: true, siteId: true },
  });
  for (const conv of queued) {
    const agentId = await assignConversation(db, conv);
    if (agentId) done.push({ conversationId: conv.id, agentId, siteId: conv.siteId });
    else if (!(await db.agent.count({ where: { status: "online", active: true } }))) break;
  }
  return done;
}

/** 1-based position of a queued conversation among its site's queue. */
export async function queuePosition(db: Db, conversation: { id: string; siteId: string; queuedAt: Date }): Promise<number> {
  const ahead = await db.conversation.count({
    where: {
      siteId: conversation.siteId,
      status: "queued",
      OR: [{ queuedAt: { lt: conversation.queuedAt } }, { queuedAt: conversation.queuedAt, id: { lt: conversation.id } }],
    },
  });
  return ahead + 1;
}

/**
 * Estimated wait: position × the mean time recent conversations of the site spent queued,
 * spread over the agents online. Null without recent data (better no number than a wrong one).
 */
export async function estimateWaitSeconds(db: Db, siteId: string, position: number): Promise<number | null> {
  const recent = await db.conversation.findMany({
    where: { siteId, assignedAt: { not: null } },
    orderBy: { assignedAt: "desc" },
    take: 20,
    select: { queuedAt: true, assignedAt: true },
  });
  if (recent.length === 0) return null;
  const mean = recent.reduce((s, c) => s + ((c.assignedAt as Date).getTime() - c.queuedAt.getTime()), 0) / recent.length / 1000;
  const online = Math.max(1, await db.agent.count({ where: { status: "online", active: true } }));
  return Math.round((mean * position) / online);
}
