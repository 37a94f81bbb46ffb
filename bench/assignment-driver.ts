// The assignment burst of one load worker: online agents that count what they are handed, and
// visitors that all open a conversation at once and time until they learn who answers.
import { io, type Socket } from "socket.io-client";
import type { Ack, AgentDto, ConversationDto, MessageDto } from "../server/protocol.ts";
import type { SeededAgent } from "./seed.ts";
import { ackFailure, connected, inBatches, sessionOf } from "./sockets.ts";

export interface AssignSetupParams {
  url: string;
  siteKey: string;
  origin: string;
  agents: SeededAgent[];
  visitors: number;
  timeoutMs: number;
}

export interface BurstResult {
  opened: number;
  openErrors: Record<string, number>;
  /** visitors that saw their conversation become assigned */
  assigned: number;
  /** ms from each visitor's open to its "assigned" update */
  latency: Float64Array;
  /** ms from this worker's burst start to its last visitor being assigned */
  allAssignedMs: number;
  openedIds: string[];
}

interface Visitor {
  socket: Socket;
  openedAt: number;
  conversationId: string | null;
  assignedAt: number | null;
  openFailed: boolean;
}

export class AssignmentDriver {
  private agents: Socket[] = [];
  private visitors: Visitor[] = [];
  /** conversation id -> times it was handed to one of this worker's agents */
  private handed = new Map<string, number>();
  private onAssigned: (() => void) | null = null;
  /** why agent sockets dropped (heartbeat timeouts under overload ...): their hand-outs are lost to them */
  private agentDrops: string[] = [];
  private visitorDrops: string[] = [];

  async setup(p: AssignSetupParams): Promise<{ agents: number; visitors: number }> {
    // Sockets are kept from the moment they exist, so closeAll() also ends those of a failed setup.
    await inBatches(p.agents, 20, async (a) => {
      const socket = io(`${p.url}/agent`, { extraHeaders: { cookie: a.cookie, origin: p.origin }, transports: ["websocket"], reconnection: false, forceNew: true });
      this.agents.push(socket);
      await connected(socket, p.timeoutMs);
      socket.on("conversation:assigned", (c: ConversationDto) => this.handed.set(c.id, (this.handed.get(c.id) ?? 0) + 1));
      socket.on("disconnect", (reason) => this.agentDrops.push(reason));
      const ack = (await socket.timeout(p.timeoutMs).emitWithAck("agent:status", { status: "online" })) as Ack<AgentDto>;
      if (!ack.ok) throw new Error(`agent could not go online: ${ack.error.code}`);
    });
    await inBatches(Array.from({ length: p.visitors }), 50, async () => {
      const socket = io(`${p.url}/visitor`, { auth: { siteKey: p.siteKey }, extraHeaders: { origin: p.origin }, transports: ["websocket"], reconnection: false, forceNew: true });
      const v: Visitor = { socket, openedAt: 0, conversationId: null, assignedAt: null, openFailed: false };
      socket.on("disconnect", (reason) => this.visitorDrops.push(reason));
      this.visitors.push(v);
      await sessionOf(socket, p.timeoutMs);
      socket.on("conversation:updated", (c: ConversationDto) => {
        if (c.status !== "assigned" || v.assignedAt !== null) return;
        v.assignedAt = performance.now();
        v.conversationId ??= c.id;
        this.onAssigned?.();
      });
    });
    return { agents: this.agents.length, visitors: this.visitors.length };
  }

  /**
   * Every visitor opens at once. Waits until each open is assigned or refused, or nothing moved
   * for `quietMs` once the opens are answered, or `capMs` in all: slow is measured, stuck is not
   * waited for.
   */
  async burst(p: { quietMs: number; capMs: number }): Promise<BurstResult> {
    const openErrors: Record<string, number> = {};
    const start = performance.now();
    let pendingOpens = this.visitors.length;
    let lastProgress = start;
    const finished = () => this.visitors.every((v) => v.assignedAt !== null || v.openFailed);
    const settled = new Promise<void>((resolve) => {
      const check = () => {
        const now = performance.now();
        if (!finished() && now - start <= p.capMs && (pendingOpens > 0 || now - lastProgress <= p.quietMs)) return;
        clearInterval(tick);
        this.onAssigned = null;
        resolve();
      };
      this.onAssigned = () => {
        lastProgress = performance.now();
        if (finished()) check();
      };
      const tick = setInterval(check, 250);
    });
    const opens = this.visitors.map(async (v, i) => {
      v.openedAt = performance.now();
      try {
        const ack = (await v.socket.timeout(p.capMs).emitWithAck("conversation:open", {
          clientId: `open-${i}`,
          message: { clientId: `first-${i}`, body: "Hi, is anyone there?" },
        })) as Ack<{ conversation: ConversationDto; messages: MessageDto[] }>;
        if (!ack.ok) {
          openErrors[ack.error.code] = (openErrors[ack.error.code] ?? 0) + 1;
          v.openFailed = true;
        } else v.conversationId = ack.data.conversation.id;
      } catch (err) {
        const code = ackFailure(err as Error);
        openErrors[code] = (openErrors[code] ?? 0) + 1;
        v.openFailed = true;
      }
      pendingOpens--;
      lastProgress = performance.now();
    });
    await settled;
    await Promise.all(opens); // each is answered or times out by capMs
    const done = this.visitors.filter((v) => v.assignedAt !== null);
    return {
      opened: this.visitors.filter((v) => v.conversationId !== null).length,
      openErrors,
      assigned: done.length,
      latency: Float64Array.from(done.map((v) => (v.assignedAt as number) - v.openedAt)),
      allAssignedMs: done.length ? Math.max(...done.map((v) => (v.assignedAt as number) - start)) : NaN,
      openedIds: this.visitors.flatMap((v) => (v.conversationId ? [v.conversationId] : [])),
    };
  }

  handedOut(): { ids: string[]; duplicates: number; agentDrops: string[]; visitorDrops: string[] } {
    let duplicates = 0;
    for (const n of this.handed.values()) duplicates += n - 1;
    return { ids: [...this.handed.keys()], duplicates, agentDrops: this.agentDrops, visitorDrops: this.visitorDrops };
  }

  closeAll(): number {
    this.agentDrops = [];
    this.visitorDrops = [];
    const all = [...this.agents.splice(0), ...this.visitors.splice(0).map((v) => v.socket)];
    for (const s of all) {
      s.removeAllListeners();
      s.disconnect();
    }
    this.handed.clear();
    return all.length;
  }
}
