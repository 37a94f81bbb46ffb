// Tells connected clients what changed. Called by the adapters after a domain call succeeded;
// emits go through the Socket.IO adapter, so with Redis they reach every process.
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import type { ConversationSummaryDto, MessageDto, ReadReceiptDto, TypingDto } from "../protocol.ts";
import { summaryOf } from "../conversations/summary.ts";
import type { Assignment } from "../routing/assign.ts";
import { RoutingNotifier } from "./routing-notifier.ts";
import type { Metrics } from "../metrics.ts";
import { rooms, type AgentNamespace, type VisitorNamespace } from "./types.ts";

/**
 * Agents hear of conversation changes in rounds at least this far apart. Every agent hears of
 * every change, so 1,000 opens and their assignments were 200,000 packets for 100 agents, most
 * of the burst's CPU (assignment bench); a round carries each conversation's latest summary once.
 */
const AGENT_ROUND_GAP_MS = 25;

export class Notifier {
  /** this process's routing engine and its notifications (routing-notifier.ts) */
  readonly routing: RoutingNotifier;
  /** summaries waiting for the next round to the agents, the latest per conversation */
  private readonly forAgents = new Map<string, ConversationSummaryDto>();
  private round: NodeJS.Timeout | null = null;
  private lastRound = 0;

  constructor(
    private readonly db: Db,
    private readonly visitors: VisitorNamespace,
    private readonly agents: AgentNamespace,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.routing = new RoutingNotifier(db, visitors, agents, metrics, log, (id, summary) => this.conversation(id, summary));
  }

  /**
   * `sender`: the socket that posted it, which has the message in its ack already; its other tabs
   * still get it (a third of the writes per chat message went back to the sender otherwise).
   */
  message(message: MessageDto, conv: { visitorId: string; assigneeId: string | null }, sender?: string): void {
    this.metrics.messages.inc({ author: message.authorKind });
    const except = sender ?? [];
    if (!message.note) this.visitors.to(rooms.visitor(conv.visitorId)).except(except).emit("message:new", message);
    const targets = [rooms.watching(message.conversationId)];
    if (conv.assigneeId) targets.push(rooms.agent(conv.assigneeId));
    this.agents.to(targets).except(except).emit("message:new", message);
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

  /**
   * A conversation changed state: its visitor, its agents and the queue watchers learn it.
   * `known`: its summary as the caller just read it (saves reading it again).
   */
  async conversation(conversationId: string, known?: ConversationSummaryDto | null): Promise<void> {
    const summary = known ?? (await summaryOf(this.db, conversationId));
    if (!summary) return;
    const { siteName: _site, visitor: _visitor, preview: _preview, ...conversation } = summary;
    this.visitors.to(rooms.visitor(summary.visitorId)).emit("conversation:updated", conversation);
    this.forAgents.set(summary.id, summary);
    this.round ??= setTimeout(() => this.agentRound(), Math.max(0, this.lastRound + AGENT_ROUND_GAP_MS - Date.now()));
  }

  private agentRound(): void {
    this.round = null;
    this.lastRound = Date.now();
    const list = [...this.forAgents.values()];
    this.forAgents.clear();
    if (list.length) this.agents.to(rooms.agents).emit("conversations:updated", list);
  }

  /** Pushes each queued visitor of the site its position and estimated wait. */
  queuePositions(siteId: string): Promise<void> {
    return this.routing.queuePositions(siteId);
  }

  /** Runs the routing engine (coalesced) and announces what it assigned. */
  drain(): Promise<void> {
    return this.routing.drain();
  }

  /** Resolves when no drain or routing notification is running (shutdown waits for it). */
  async idle(): Promise<void> {
    await this.routing.idle();
    // What is waiting for a round goes now (shutdown tells everyone before closing).
    if (this.round) clearTimeout(this.round);
    this.agentRound();
  }

  async announce(assigned: readonly Assignment[]): Promise<void> {
    await this.routing.assigned(assigned);
  }
}
