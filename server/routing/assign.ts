// Assignment: the longest-waiting queued conversation (requeued ones first) goes to the eligible
// agent with the fewest open conversations (ties: least recently assigned). Atomic in the
// database: one transaction claims the conversation by a conditional update and reserves the
// agent's slot by a conditional increment, so any number of processes can drain the same queue
// and no conversation gets two agents and no agent goes over capacity. Decisions are made on a
// snapshot; the conditions in the updates are what make them safe.
import { Prisma } from "../db/generated/sqlite/client.ts";
import type { Db, Tx } from "../db/client.ts";
import { agentRef, conversationNow, recordEvent } from "../webhooks/outbox.ts";
import { logEvent } from "./events.ts";
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
  /** when the engine saw the assignment committed (engine assignments only) */
  committedAt?: Date;
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
        const openCount = await reserveSlot(tx, agent, site, now);
        if (openCount === null) throw new Abort("agent_unavailable");
        await logEvent(tx, { kind: "assigned", conversationId, agentId: agent.id, openCount, detail: input.via });
        await recordEvent(tx, "conversation.assigned", async () => ({ conversation: await conversationNow(tx, conversationId), agent: await agentRef(tx, agent.id), via: input.via }));
        return "assigned" as const;
      }),
    );
  } catch (err) {
    if (err instanceof Abort) return err.outcome;
    throw err;
  }
}

/** one planned claim of a batch */
export interface BatchClaim {
  conversationId: string;
  agent: Pick<AgentState, "id" | "maxChats">;
  site: SiteRouting;
  now: Date;
}

/** A claim of the batch did not go through: the whole batch was rolled back. */
class BatchMiss extends Error {}

/**
 * Claims a whole batch in one transaction, with the same conditional updates as claim() (in raw
 * SQL: a compiled Prisma query costs a WebAssembly compile per call, and a burst of opens ran
 * five of them per conversation). All or nothing: when any claim's conditions fail (taken,
 * agent full or changed) nothing of the batch is written and the caller falls back to claim()
 * one by one, which sorts out each outcome. Returns false in that case.
 */
export async function claimBatch(db: Db, batch: readonly BatchClaim[]): Promise<boolean> {
  if (batch.length === 0) return true;
  try {
    await withRetry(() =>
      db.$transaction(async (tx) => {
        const events: Prisma.Sql[] = [];
        for (const b of batch) {
          // Conversation row first, agent row second: the lock order every routing write uses.
          const claimed = await tx.$executeRaw`UPDATE "Conversation" SET "status" = 'assigned', "assigneeId" = ${b.agent.id}, "assignedAt" = ${b.now},
            "priority" = 0, "returnedById" = NULL WHERE "id" = ${b.conversationId} AND "status" = 'queued' AND "siteId" = ${b.site.id}`;
          if (claimed !== 1) throw new BatchMiss();
          const openCount = await reserveSlot(tx, b.agent, b.site, b.now);
          if (openCount === null) throw new BatchMiss();
          // Stamped now, under the agent's row lock (the log is replayed in createdAt order).
          events.push(Prisma.sql`('assigned', ${b.conversationId}, ${b.agent.id}, CAST(${openCount} AS INTEGER), 'auto', ${new Date()})`);
        }
        // One insert, in claim order: per agent and per conversation the ids still follow the
        // order of the changes (the batch holds its rows' locks until commit).
        await tx.$executeRaw`INSERT INTO "RoutingEvent" ("kind", "conversationId", "agentId", "openCount", "detail", "createdAt") VALUES ${Prisma.join(events)}`;
        for (const b of batch) {
          await recordEvent(tx, "conversation.assigned", async () => ({ conversation: await conversationNow(tx, b.conversationId), agent: await agentRef(tx, b.agent.id), via: "auto" as const }));
        }
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof BatchMiss) return false;
    throw err;
  }
}

export interface DrainResult {
  assignments: Assignment[];
  /** stopped early (time budget, or a conversation lost too many races): run another pass */
  incomplete: boolean;
}

export interface DrainOptions {
  now?: () => Date;
  /**
   * Asked before each conversation (after at least one since the last time it said yes): true
   * when capacity may have changed since the agents were read. The pass then re-reads them and
   * starts again from the head of the queue, so new capacity serves the longest waiting first.
   */
  refresh?: () => Promise<boolean>;
  /** told of each batch's assignments as soon as they are committed, not at the end of the pass */
  onAssignments?: (list: Assignment[]) => void;
  /** a pass stops (incomplete) after this long, so its owner can renew its lease and report */
  budgetMs?: number;
}

const PAGE = 200;
/**
 * claims per batch: one transaction claims them all (or, after a lost race, as many claims in
 * flight at once, each holding one of the pool's 10 connections for its transaction)
 */
const BATCH = 8;
const ATTEMPTS_PER_CONVERSATION = 5;

interface QueuedRow {
  id: string;
  siteId: string;
  returnedById: string | null;
  queuedAt: Date;
}

interface Planned {
  conv: QueuedRow;
  site: SiteRouting;
  agent: AgentState;
  now: Date;
  /** the agent's lastAssignedAt before this plan booked them */
  before: Date | null;
}
const DEFAULT_BUDGET_MS = 2000;

/**
 * Assigns queued conversations of auto-routed sites, in queue order, until the queue is empty or
 * nobody eligible has room. Call it whenever capacity may have appeared or a chat was queued.
 */
export async function drainQueue(db: Db, opts: DrainOptions = {}): Promise<DrainResult> {
  const clock = opts.now ?? (() => new Date());
  const deadline = Date.now() + (opts.budgetMs ?? DEFAULT_BUDGET_MS);
  // Strictly increasing within a pass, so the round robin among equals does not depend on two
  // assignments landing in the same millisecond.
  let last = 0;
  const tick = () => {
    last = Math.max(clock().getTime(), last + 1);
    return new Date(last);
  };
  const result: DrainResult = { assignments: [], incomplete: false };
  let agents = await loadAvailableAgents(db);
  if (agents.length === 0) return result;
  let sites = await loadSites(db);
  // Conversations only their returner could take: left in the queue for someone else.
  const passedOver = new Set<string>();
  const attempts = new Map<string, number>();
  let attemptedSinceRefresh = false;
  pages: for (;;) {
    const open = [...sites.values()].filter((s) => s.routingMode === "auto" && agents.some((a) => pickAgent([a], s) !== null)).map((s) => s.id);
    if (open.length === 0) break;
    const page: QueuedRow[] = await db.conversation.findMany({
      where: { status: "queued", siteId: { in: open }, ...(passedOver.size ? { id: { notIn: [...passedOver] } } : {}) },
      orderBy: [...QUEUE_ORDER],
      take: PAGE,
      select: { id: true, siteId: true, returnedById: true, queuedAt: true },
    });
    if (page.length === 0) break;
    let progressed = false;
    let next = 0;
    while (next < page.length) {
      if (Date.now() > deadline) {
        result.incomplete = true;
        break pages;
      }
      if (attemptedSinceRefresh && opts.refresh && (await opts.refresh())) {
        agents = await loadAvailableAgents(db);
        sites = await loadSites(db);
        passedOver.clear();
        attemptedSinceRefresh = false;
        continue pages;
      }
      // Plan a batch on the snapshot, in queue order, booking each agent's slot locally so the
      // batch spreads like one-by-one assignment would; then claim the batch concurrently (the
      // claims touch different rows; on SQLite they simply run one after another).
      const batch: Planned[] = [];
      while (next < page.length && batch.length < BATCH) {
        const conv = page[next++];
        const site = sites.get(conv.siteId);
        if (!site) continue;
        const agent = pickAgent(agents, site, conv.returnedById);
        if (!agent) {
          if (pickAgent(agents, site) !== null) passedOver.add(conv.id);
          continue;
        }
        const now = tick();
        batch.push({ conv, site, agent, now, before: agent.lastAssignedAt });
        agent.openCount += 1;
        agent.lastAssignedAt = now;
      }
      if (batch.length === 0) continue;
      attemptedSinceRefresh = true;
      // One transaction for the batch; when any of it lost a race, one claim each sorts it out.
      const whole = await claimBatch(db, batch.map((b) => ({ conversationId: b.conv.id, agent: b.agent, site: b.site, now: b.now })));
      const outcomes: ClaimOutcome[] = whole
        ? batch.map(() => "assigned" as const)
        : await Promise.all(batch.map((b) => claim(db, { conversationId: b.conv.id, agent: b.agent, site: b.site, via: "auto", now: b.now })));
      const retry: QueuedRow[] = [];
      const committed: Assignment[] = [];
      for (let k = 0; k < batch.length; k++) {
        const b = batch[k];
        if (outcomes[k] === "assigned") {
          const a = { conversationId: b.conv.id, agentId: b.agent.id, siteId: b.conv.siteId, queuedAt: b.conv.queuedAt, assignedAt: b.now, committedAt: new Date() };
          result.assignments.push(a);
          committed.push(a);
          progressed = true;
          continue;
        }
        // Give back the slot booked in the plan.
        b.agent.openCount -= 1;
        b.agent.lastAssignedAt = b.before;
        if (outcomes[k] === "taken") {
          progressed = true;
          continue;
        }
        await refreshAgent(db, agents, b.agent.id);
        const n = (attempts.get(b.conv.id) ?? 0) + 1;
        attempts.set(b.conv.id, n);
        if (n < ATTEMPTS_PER_CONVERSATION) retry.push(b.conv);
        else result.incomplete = true;
      }
      if (committed.length) opts.onAssignments?.(committed);
      // Conversations whose agent changed under them go again, first, with fresh agent data.
      page.splice(next, 0, ...retry);
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
