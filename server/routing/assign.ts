// Assignment: the longest-waiting queued conversation (requeued ones first) goes to the eligible
// agent with the fewest open conversations (ties: least recently assigned). Atomic in the
// database: one transaction claims the conversation by a conditional update and reserves the
// agent's slot by a conditional increment, so any number of processes can drain the same queue
// and no conversation gets two agents and no agent goes over capacity. Decisions are made on a
// snapshot; the conditions in the updates are what make them safe.
import type { Db } from "../db/client.ts";
import { agentRef, conversationNow, recordEvent } from "../webhooks/outbox.ts";
import { logEvent, openCountOf } from "./events.ts";
import { pickAgent, type AgentState, type SiteRouting } from "./policy.ts";
import { withRetry } from "./retry.ts";
import { reserveSlot } from "./slots.ts";
import { QUEUE_ORDER, agentStateSelect, availableWhere, loadAvailableAgents, loadSites } from "./state.ts";

export interface Assignment {
  conversationId: string;
  agentId: string;
  siteId: string;
  /** when the conversation (re)entered the queue */
  queuedAt: Date;
  assignedAt: Date;
}

/** assigned; taken: the conversation is no longer queued; agent_unavailable: the agent changed (full, away, settings) */
export type ClaimOutcome = "assigned" | "taken" | "agent_unavailable";

class Abort extends Error {
  constructor(readonly outcome: ClaimOutcome) {
    super(outcome);
  }
}

export interface ClaimInput {
  conversationId: string;
  /** maxChats as the caller read it: if it changed meanwhile the claim fails and is re-decided */
  agent: Pick<AgentState, "id" | "maxChats">;
  site: SiteRouting;
  via: "auto" | "manual";
  now?: Date;
}

/** Hands one queued conversation to one agent, atomically, or reports why not. */
export async function claim(db: Db, input: ClaimInput): Promise<ClaimOutcome> {
  const { conversationId, agent, site } = input;
  const now = input.now ?? new Date();
  try {
    return await withRetry(() =>
      db.$transaction(async (tx) => {
        // Conversation row first, agent row second: the lock order every routing write uses.
        const claimed = await tx.conversation.updateMany({
          where: { id: conversationId, status: "queued", siteId: site.id },
          data: { status: "assigned", assigneeId: agent.id, assignedAt: now, priority: 0, returnedById: null },
        });
        if (claimed.count === 0) throw new Abort("taken");
        if (!(await reserveSlot(tx, agent, site, now))) throw new Abort("agent_unavailable");
        await logEvent(tx, { kind: "assigned", conversationId, agentId: agent.id, openCount: await openCountOf(tx, agent.id), detail: input.via });
        await recordEvent(tx, "conversation.assigned", { conversation: await conversationNow(tx, conversationId), agent: await agentRef(tx, agent.id), via: input.via });
        return "assigned" as const;
      }),
    );
  } catch (err) {
    if (err instanceof Abort) return err.outcome;
    throw err;
  }
}

export interface DrainResult {
  assignments: Assignment[];
  /** a conversation lost too many races to be placed: run another pass */
  incomplete: boolean;
}

const PAGE = 200;
const ATTEMPTS_PER_CONVERSATION = 5;

/**
 * Assigns queued conversations of auto-routed sites, in queue order, until the queue is empty or
 * nobody eligible has room. Call it whenever capacity may have appeared or a chat was queued.
 */
export async function drainQueue(db: Db, opts: { now?: () => Date } = {}): Promise<DrainResult> {
  const clock = opts.now ?? (() => new Date());
  const result: DrainResult = { assignments: [], incomplete: false };
  const agents = await loadAvailableAgents(db);
  if (agents.length === 0) return result;
  const sites = await loadSites(db);
  // Conversations only their returner could take: left in the queue for someone else.
  const passedOver = new Set<string>();
  for (;;) {
    const open = [...sites.values()].filter((s) => s.routingMode === "auto" && agents.some((a) => pickAgent([a], s) !== null)).map((s) => s.id);
    if (open.length === 0) break;
    const page = await db.conversation.findMany({
      where: { status: "queued", siteId: { in: open }, ...(passedOver.size ? { id: { notIn: [...passedOver] } } : {}) },
      orderBy: [...QUEUE_ORDER],
      take: PAGE,
      select: { id: true, siteId: true, returnedById: true, queuedAt: true },
    });
    if (page.length === 0) break;
    let progressed = false;
    for (const conv of page) {
      const site = sites.get(conv.siteId);
      if (!site) continue;
      for (let attempt = 1; ; attempt++) {
        const agent = pickAgent(agents, site, conv.returnedById);
        if (!agent) {
          if (pickAgent(agents, site) !== null) passedOver.add(conv.id);
          break;
        }
        const now = clock();
        const outcome = await claim(db, { conversationId: conv.id, agent, site, via: "auto", now });
        if (outcome === "assigned") {
          agent.openCount += 1;
          agent.lastAssignedAt = now;
          result.assignments.push({ conversationId: conv.id, agentId: agent.id, siteId: conv.siteId, queuedAt: conv.queuedAt, assignedAt: now });
          progressed = true;
          break;
        }
        if (outcome === "taken") {
          progressed = true;
          break;
        }
        await refreshAgent(db, agents, agent.id);
        if (attempt >= ATTEMPTS_PER_CONVERSATION) {
          result.incomplete = true;
          break;
        }
      }
    }
    if (!progressed) break;
  }
  return result;
}

/** Re-reads one agent after a lost race; drops them from the list when no longer available. */
async function refreshAgent(db: Db, agents: AgentState[], agentId: string): Promise<void> {
  const i = agents.findIndex((a) => a.id === agentId);
  const fresh = await db.agent.findFirst({ where: { id: agentId, ...availableWhere }, select: agentStateSelect });
  if (i < 0) return;
  if (fresh) agents[i] = fresh;
  else agents.splice(i, 1);
}
