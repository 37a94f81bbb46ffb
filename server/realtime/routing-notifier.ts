// Tells clients what the routing engine did: the agent who got a chat, the agent who lost one
// (and why), everyone watching the queue, and every queued visitor their position and estimated
// wait, pushed again on every change to their site's queue. Owns this process's RoutingEngine.
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { ConversationSummaryDto } from "../protocol.ts";
import { toAgentDto } from "../agents/service.ts";
import { summariesOf } from "../conversations/summary.ts";
import type { Assignment } from "../routing/assign.ts";
import { RoutingEngine } from "../routing/engine.ts";
import { estimateWaitSeconds, siteLoad } from "../routing/estimate.ts";
import { siteQueue } from "../routing/queue.ts";
import { agentRowsOf } from "../routing/state.ts";
import type { Released } from "../routing/release.ts";
import { rooms, type AgentNamespace, type VisitorNamespace } from "./types.ts";

/**
 * A site's queue:position round emits to every queued visitor (O(queue)), and in a burst of opens
 * or assignments the queue changes hundreds of times a second: rounds back to back emitted
 * ~100,000 positions for 1,000 opens and starved the event loop (assignment bench, ping timeouts).
 * So a site gets at most one round per gap; a change during the gap gets one round after it. The
 * gap grows with the queue (POSITIONS_GAP_PER_VISITOR_MS each), so positions cost at most about a
 * thousand emits a second however long the queue: at 200 ms apart a queue of 1,000 took ~10% of
 * the burst's CPU (assignment bench, --profile), and a visitor far down the line loses nothing by
 * hearing once a second that they moved up.
 */
const POSITIONS_GAP_MS = 200;
const POSITIONS_GAP_PER_VISITOR_MS = 1;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task` for a key once, folding calls that arrive while it runs into one more run, which
 * starts as many ms after the previous one ended as that one returned.
 */
class Coalescer {
  private readonly running = new Map<string, { done: Promise<void>; again: boolean }>();

  run(key: string, task: () => Promise<number>): Promise<void> {
    const current = this.running.get(key);
    if (current) {
      current.again = true;
      return current.done;
    }
    const state = { done: Promise.resolve(), again: false };
    state.done = (async () => {
      try {
        for (;;) {
          state.again = false;
          const gapMs = await task();
          if (!state.again) break;
          if (gapMs > 0) await sleep(gapMs);
        }
      } finally {
        this.running.delete(key);
      }
    })();
    this.running.set(key, state);
    return state.done;
  }

  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running.values()].map((s) => s.done.catch(() => undefined)));
  }
}

/**
 * Runs `task` over keys in rounds, one round at a time: keys asked for while a round runs go into
 * the next one, so each key's last round reads after its last request, and a burst of requests
 * costs a round or two whatever its size.
 */
class Rounds {
  private pending = new Set<string>();
  private waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  constructor(private readonly task: (keys: string[]) => Promise<void>) {}

  /** Resolves when a round that started after this call has covered `keys`. */
  add(keys: Iterable<string>): Promise<void> {
    for (const k of keys) this.pending.add(k);
    if (this.pending.size === 0) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (!this.running) void this.loop();
    return done;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.size) {
        const keys = [...this.pending];
        const waiting = this.waiting;
        this.pending = new Set();
        this.waiting = [];
        try {
          await this.task(keys);
          for (const w of waiting) w.resolve();
        } catch (err) {
          for (const w of waiting) w.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

export class RoutingNotifier {
  readonly engine: RoutingEngine;
  private readonly positions = new Coalescer();
  /** agent:updated: a burst of assignments reads the agents' rows in a round or two, not per chat */
  private readonly agentUpdates = new Rounds(async (ids) => {
    for (const agent of await agentRowsOf(this.db, ids)) this.agents.to(rooms.agent(agent.id)).emit("agent:updated", toAgentDto(agent));
  });

  constructor(
    private readonly db: Db,
    private readonly visitors: VisitorNamespace,
    private readonly agents: AgentNamespace,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    /** broadcasts conversation:updated (Notifier.conversation); `summary` when already read */
    private readonly conversationChanged: (conversationId: string, summary?: ConversationSummaryDto | null) => Promise<void>,
  ) {
    this.engine = new RoutingEngine(db, {
      onAssigned: (list, requestedAt) => this.assigned(list, { requestedAt }),
      onError: (err) => log.error({ err }, "queue drain failed"),
    });
  }

  /** Assigns whatever can be assigned now (coalesced; see RoutingEngine). */
  drain(): Promise<void> {
    return this.engine.drain();
  }

  /**
   * Announces assignments. `requestedAt` is set for the engine's own assignments: their latency
   * is measured from the trigger (or from queueing, if later). Waiting time is queue → agent.
   */
  async assigned(list: readonly Assignment[], opts: { requestedAt?: number; transfer?: boolean } = {}): Promise<void> {
    const sites = new Set<string>();
    const agentIds = new Set<string>();
    // One read serves every announcement of the batch (it was one read of five statements per chat).
    const summaries = await summariesOf(this.db, list.map((a) => a.conversationId));
    for (const a of list) {
      sites.add(a.siteId);
      if (!opts.transfer) this.metrics.queueWait.observe(Math.max(0, a.assignedAt.getTime() - a.queuedAt.getTime()) / 1000);
      if (opts.requestedAt !== undefined) {
        const from = Math.max(opts.requestedAt, a.queuedAt.getTime());
        this.metrics.assignmentLatency.observe(Math.max(0, (a.committedAt ?? a.assignedAt).getTime() - from) / 1000);
      }
      const summary = summaries.get(a.conversationId);
      if (summary) {
        this.agents.to(rooms.agent(a.agentId)).emit("conversation:assigned", summary);
        await this.conversationChanged(a.conversationId, summary);
      }
      agentIds.add(a.agentId);
      this.log.info({ conversationId: a.conversationId, agentId: a.agentId, siteId: a.siteId }, "conversation assigned");
    }
    await this.agentsChanged(agentIds);
    for (const siteId of sites) void this.queuePositions(siteId);
  }

  /** Chats taken from an agent: they learn it, the visitor sees the queue again, slots freed. */
  async released(list: readonly Released[]): Promise<void> {
    const sites = new Set<string>();
    const agentIds = new Set<string>();
    for (const r of list) {
      sites.add(r.siteId);
      agentIds.add(r.agentId);
      this.agents.to(rooms.agent(r.agentId)).emit("conversation:unassigned", { conversationId: r.conversationId, reason: r.reason });
      await this.conversationChanged(r.conversationId);
      this.log.info({ conversationId: r.conversationId, agentId: r.agentId, reason: r.reason }, "conversation returned to the queue");
    }
    await this.agentsChanged(agentIds);
    for (const siteId of sites) void this.queuePositions(siteId);
    if (list.length) void this.drain();
  }

  /** After closeConversation: a closed queued chat moves the queue up; a freed slot may take one. */
  async closed(result: { closed: boolean; freedAgentId: string | null; conversation: { siteId: string } }): Promise<void> {
    if (!result.closed) return;
    if (result.freedAgentId) {
      void this.drain();
      await this.agentChanged(result.freedAgentId);
    } else {
      await this.queuePositions(result.conversation.siteId);
    }
  }

  /** The agent's own consoles learn their new status and open count. */
  agentChanged(agentId: string): Promise<void> {
    return this.agentsChanged([agentId]);
  }

  agentsChanged(agentIds: Iterable<string>): Promise<void> {
    return this.agentUpdates.add(agentIds);
  }

  /** Pushes every queued visitor of the site its position and estimated wait (coalesced per site). */
  queuePositions(siteId: string): Promise<void> {
    return this.positions
      .run(siteId, async () => {
        const [queue, load] = await Promise.all([siteQueue(this.db, siteId), siteLoad(this.db, siteId)]);
        this.metrics.queued.set({ site: siteId }, queue.length);
        for (const q of queue) {
          this.visitors
            .to(rooms.visitor(q.visitorId))
            .emit("queue:position", { conversationId: q.conversationId, position: q.position, estimatedWaitSeconds: estimateWaitSeconds(q.position, load) });
        }
        return Math.max(POSITIONS_GAP_MS, queue.length * POSITIONS_GAP_PER_VISITOR_MS);
      })
      .catch((err: unknown) => this.log.error({ err, siteId }, "queue position update failed"));
  }

  async idle(): Promise<void> {
    await this.engine.idle();
    await this.positions.idle();
  }

  async close(): Promise<void> {
    await this.engine.close();
    await this.positions.idle();
  }
}
