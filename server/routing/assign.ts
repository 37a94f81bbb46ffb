// Assignment: the longest-waiting queued conversation (requeued ones first) goes to the eligible
// agent with the fewest open conversations (ties: least recently assigned). Atomic in the
// database: one transaction claims the conversation by a conditional update and reserves the
// agent's slot by a conditional increment, so any number of processes can drain the same queue
// and no conversation gets two agents and no agent goes over capacity. Decisions are made on a
// snapshot; the conditions in the updates are what make them safe.
import { Prisma } from "../db/generated/sqlite/client.ts";
import type { Db } from "../db/client.ts";
import { sqlOf, type SqlRunner } from "../db/sql.ts";
import { agentRef, conversationNow, recordEvent, recordEvents } from "../webhooks/outbox.ts";
import { logEvent, logEvents, type RoutingEventInput } from "./events.ts";
import { pickAgent, type AgentState, type SiteRouting } from "./policy.ts";
import { withRetry } from "./retry.ts";
import { reserveSlot } from "./slots.ts";
import { agentsWhere, availableSql, loadAvailableAgents, loadSites, queueOrderSql } from "./state.ts";

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

/** one planned claim of a batch */
export interface BatchClaim {
  conversationId: string;
  agent: Pick<AgentState, "id" | "maxChats">;
  site: SiteRouting;
  now: Date;
}

/**
 * The two conditional updates of a claim, inside `tx`: the conversation row first, the agent row
 * second (the lock order every routing write uses). Returns the agent's new open count, or why
 * not: "taken" wrote nothing; "agent_unavailable" has already assigned the conversation row, so
 * the transaction must not commit.
 */
async function claimRows(tx: SqlRunner, c: BatchClaim): Promise<number | Exclude<ClaimOutcome, "assigned">> {
  const claimed = await tx.$executeRaw`UPDATE "Conversation" SET "status" = 'assigned', "assigneeId" = ${c.agent.id}, "assignedAt" = ${c.now},
    "priority" = 0, "returnedById" = NULL WHERE "id" = ${c.conversationId} AND "status" = 'queued' AND "siteId" = ${c.site.id}`;
  if (claimed !== 1) return "taken";
  return (await reserveSlot(tx, c.agent, c.site, c.now)) ?? "agent_unavailable";
}

/** Hands one queued conversation to one agent, atomically, or reports why not. */
export async function claim(db: Db, input: ClaimInput): Promise<ClaimOutcome> {
  const { conversationId, agent } = input;
  const now = input.now ?? new Date();
  try {
    return await withRetry(() =>
      sqlOf(db).transaction(async (tx) => {
        const openCount = await claimRows(tx, { conversationId, agent, site: input.site, now });
        if (typeof openCount !== "number") throw new Abort(openCount);
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

/** A claim of the batch found its agent changed: the whole batch was rolled back. */
class BatchMiss extends Error {
  constructor(readonly agentId: string) {
    super("batch claim missed");
  }
}

/**
 * Claims a whole batch in one transaction (one commit, one flush), with the same conditional
 * updates as claim(), and returns each claim's outcome. A conversation that is no longer queued
 * is simply left out ("taken": its update wrote nothing). When an agent's slot cannot be
 * reserved (full, away or changed since the plan) nothing of the batch is written and the agent's
 * id comes back instead: their claims are then made one by one.
 */
export async function claimBatch(db: Db, batch: readonly BatchClaim[]): Promise<ClaimOutcome[] | { missed: string }> {
  if (batch.length === 0) return [];
  try {
    return await withRetry(() =>
      sqlOf(db).transaction(async (tx) => {
        const outcomes: ClaimOutcome[] = [];
        const events: RoutingEventInput[] = [];
        const assigned: BatchClaim[] = [];
        for (const b of batch) {
          const openCount = await claimRows(tx, b);
          if (openCount === "agent_unavailable") throw new BatchMiss(b.agent.id);
          outcomes.push(openCount === "taken" ? "taken" : "assigned");
          if (openCount === "taken") continue;
          assigned.push(b);
          // Stamped now, under the agent's row lock (the log is replayed in createdAt order).
          events.push({ kind: "assigned", conversationId: b.conversationId, agentId: b.agent.id, openCount, detail: "auto", at: new Date() });
        }
        // One insert, in claim order: per agent and per conversation the ids still follow the
        // order of the changes (the batch holds its rows' locks until commit).
        await logEvents(tx, events);
        await recordEvents(
          tx,
          "conversation.assigned",
          assigned.map((b) => async () => ({ conversation: await conversationNow(tx, b.conversationId), agent: await agentRef(tx, b.agent.id), via: "auto" as const })),
        );
        return outcomes;
      }),
    );
  } catch (err) {
    if (err instanceof BatchMiss) return { missed: err.agentId };
    throw err;
  }
}

/** Rolled-back batches before the rest is claimed one by one. */
const BATCH_MISSES = 2;

/**
 * Claims a planned batch and returns each claim's outcome, in order. Claims of an agent who
 * changed since the plan go one by one (each then finds out for itself); the others go again as a
 * batch, until BATCH_MISSES batches were rolled back and the rest goes one by one too.
 */
export async function claimAll(db: Db, batch: readonly BatchClaim[]): Promise<ClaimOutcome[]> {
  const outcomes = new Map<BatchClaim, ClaimOutcome>();
  const one = async (b: BatchClaim) => outcomes.set(b, await claim(db, { ...b, via: "auto" }));
  let rest = batch;
  for (let misses = 0; rest.length; misses++) {
    if (misses === BATCH_MISSES) {
      for (const b of rest) await one(b);
      break;
    }
    const result = await claimBatch(db, rest);
    if (Array.isArray(result)) {
      rest.forEach((b, i) => outcomes.set(b, result[i]));
      break;
    }
    for (const b of rest) if (b.agent.id === result.missed) await one(b);
    rest = rest.filter((b) => b.agent.id !== result.missed);
  }
  // Every claim got its outcome above.
  return batch.map((b) => outcomes.get(b) as ClaimOutcome);
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

/**
 * claims per batch, all in one transaction. Large: a claim costs two direct statements (~10 µs on
 * SQLite) but a transaction costs a WAL flush, and SQLite writes one transaction at a time anyway.
 */
const BATCH = 64;
/** queued conversations read at a time: whole batches (a page's last one is not cut short) */
const PAGE = 4 * BATCH;
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
    const skip = passedOver.size ? Prisma.sql`AND "id" NOT IN (${Prisma.join([...passedOver])})` : Prisma.empty;
    const page = await sqlOf(db).$queryRaw<QueuedRow[]>`SELECT "id", "siteId", "returnedById", "queuedAt" FROM "Conversation"
      WHERE "status" = 'queued' AND "siteId" IN (${Prisma.join(open)}) ${skip} ${queueOrderSql} LIMIT CAST(${PAGE} AS INTEGER)`;
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
      // batch spreads like one-by-one assignment would; then claim the batch in one transaction.
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
      const outcomes = await claimAll(db, batch.map((b) => ({ conversationId: b.conv.id, agent: b.agent, site: b.site, now: b.now })));
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
  const [fresh] = await agentsWhere(sqlOf(db), Prisma.sql`"id" = ${agentId} AND ${availableSql}`);
  if (i < 0) return;
  if (fresh) agents[i] = fresh;
  else agents.splice(i, 1);
}
