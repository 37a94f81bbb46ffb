// Tells connected clients what changed. Called by the adapters after a domain call succeeded;
// emits go through the Socket.IO adapter, so with Redis they reach every process.
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import type { MessageDto, ReadReceiptDto, TypingDto } from "../protocol.ts";
import { getConversation } from "../conversations/service.ts";
import { summaryOf } from "../conversations/summary.ts";
import { drainQueue, estimateWaitSeconds, queuePosition, type Assignment } from "../routing/assign.ts";
import type { Metrics } from "../metrics.ts";
import { rooms, type AgentNamespace, type VisitorNamespace } from "./types.ts";

export class Notifier {
  private draining: Promise<void> | null = null;
  private drainAgain = false;

  constructor(
    private readonly db: Db,
    private readonly visitors: VisitorNamespace,
    private readonly agents: AgentNamespace,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  message(message: MessageDto, conv: { visitorId: string; assigneeId: string | null }): void {
    this.metrics.messages.inc({ author: message.authorKind });
    if (!message.note) this.visitors.to(rooms.visitor(conv.visitorId)).emit("message:new", message);
    const targets = [rooms.watching(message.conversationId)];
    if (conv.assigneeId) targets.push(rooms.agent(conv.assigneeId));
    this.agents.to(targets).emit("message:new", message);
  }

  typingToAgents(targets: string[], typing: TypingDto): void {
    this.agents.to(targets).emit("typing", typing);
  }

  typingToVisitor(visitorId: string, typing: TypingDto): void {
    this.visitors.to(rooms.visitor(visitorId)).emit("typing", typing);
  }

  /** One side's read mark moved forward: the other side learns it. */
  readReceipt(conv: { id: string; visitorId: string; assigneeId: string | null }, receipt: ReadReceiptDto): void {
    if (receipt.reader === "agent") {
      this.visitors.to(rooms.visitor(conv.visitorId)).emit("conversation:read", receipt);
      return;
    }
    const targets = [rooms.watching(conv.id)];
    if (conv.assigneeId) targets.push(rooms.agent(conv.assigneeId));
    this.agents.to(targets).emit("conversation:read", receipt);
  }

  /** A conversation changed state: its visitor, its agents and the queue watchers learn it. */
  async conversation(conversationId: string): Promise<void> {
    const summary = await summaryOf(this.db, conversationId);
    if (!summary) return;
    const { siteName: _site, visitor: _visitor, preview: _preview, ...conversation } = summary;
    this.visitors.to(rooms.visitor(summary.visitorId)).emit("conversation:updated", conversation);
    this.agents.to(rooms.agents).emit("conversation:updated", summary);
  }

  /** Pushes each queued visitor of the site its position and estimated wait. */
  async queuePositions(siteId: string): Promise<void> {
    const queued = await this.db.conversation.findMany({ where: { siteId, status: "queued" }, orderBy: [{ queuedAt: "asc" }, { id: "asc" }], take: 500 });
    this.metrics.queued.set({ site: siteId }, queued.length);
    for (const conv of queued) {
      const position = await queuePosition(this.db, conv);
      const estimatedWaitSeconds = await estimateWaitSeconds(this.db, siteId, position);
      this.visitors.to(rooms.visitor(conv.visitorId)).emit("queue:position", { conversationId: conv.id, position, estimatedWaitSeconds });
    }
  }

  /**
   * Runs the assignment loop and announces what it did. Calls that arrive while a drain runs
   * are folded into one more pass, so a burst of triggers costs two drains, not N.
   */
  drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.drainAgain = false;
          const assigned = await drainQueue(this.db);
          await this.announce(assigned);
        } while (this.drainAgain);
      } catch (err) {
        this.log.error({ err }, "queue drain failed");
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  /** Resolves when no drain is running (shutdown waits for it before closing the database). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async announce(assigned: readonly Assignment[]): Promise<void> {
    const sites = new Set<string>();
    for (const a of assigned) {
      sites.add(a.siteId);
      const conv = await getConversation(this.db, a.conversationId);
      if (conv?.assignedAt) this.metrics.assignmentLatency.observe((conv.assignedAt.getTime() - conv.queuedAt.getTime()) / 1000);
      const summary = await summaryOf(this.db, a.conversationId);
      if (summary) this.agents.to(rooms.agent(a.agentId)).emit("conversation:assigned", summary);
      await this.conversation(a.conversationId);
      this.log.info({ conversationId: a.conversationId, agentId: a.agentId }, "conversation assigned");
    }
    for (const s of sites) await this.queuePositions(s);
  }
}
