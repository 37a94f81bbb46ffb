// The chat load of one load worker (latency and throughput scenarios): its agents and the visitors
// of their conversations, in this one process so send and receive times share a clock. Visitors
// send at an open-loop rate; each agent answers every visitor message the moment it arrives.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { io, type Socket } from "socket.io-client";
import type { Ack, AgentDto, MessageDto } from "../server/protocol.ts";
import type { ChatGroup, SeededAgent } from "./seed.ts";
import { ackFailure, connected, inBatches, sessionOf } from "./sockets.ts";
import { Samples } from "./stats.ts";
import type { Transport } from "./visitor-pool.ts";

export interface ChatAgentsParams {
  agentUrl: string;
  agents: SeededAgent[];
  timeoutMs: number;
}

export interface ChatVisitorsParams {
  visitorUrl: string;
  siteKey: string;
  origin: string;
  /** conversations of this worker's agents */
  groups: ChatGroup[];
  visitorTransports: Transport[];
  timeoutMs: number;
}

export interface ChatRunParams {
  label: string;
  /** messages per second this worker offers, both directions together (half visitor, half replies) */
  rate: number;
  warmupMs: number;
  durationMs: number;
  /** after the last send, how long deliveries may stall before the rest count as lost */
  settleMs: number;
  /** stop sending (and fail the run) when this many messages are unanswered: bounds memory */
  maxInFlight: number;
}

export interface ChatRunResult {
  sent: number;
  acked: number;
  ackErrors: Record<string, number>;
  received: number;
  duplicates: number;
  lost: number;
  /** earlier runs' messages that arrived during this one (they were counted lost in theirs) */
  late: number;
  /** sends skipped because too many were in flight (the server could not keep up) */
  skipped: number;
  windowSeconds: number;
  /** messages sent inside the measuring window that the server acknowledged as stored */
  windowAcked: number;
  v2a: Float64Array;
  a2v: Float64Array;
  ack: Float64Array;
  settled: boolean;
  /** this worker's CPU during the window, % of one core: near 100 means the load generator saturated */
  cpuPercent: number;
  loopDelayP99Ms: number;
  anomalies: string[];
}

interface Pending {
  conversationId: string;
  body: string;
  sentAt: number;
  /** ids the server gave this clientId (ack, deliveries): more than one means stored twice */
  ids: string[];
  record: boolean;
  acked: boolean;
  failed: boolean;
  received: boolean;
  finished: boolean;
}

const BODY = "Hello, I have a question about my order #12345"; // ~ a real first line
const REPLY = "Thanks, let me check that for you right away";
const ACK_TIMEOUT_MS = 30_000;

export class ChatDriver {
  private agents: Socket[] = [];
  private visitors: { socket: Socket; conversationId: string }[] = [];
  private pending = new Map<string, Pending>();
  private run: RunState | null = null;
  /** finished runs' messages, so a delivery that comes after its run is told apart from a double */
  private previous = new Map<string, Pending>();
  /** deliveries between runs that belong to no run (counted into the next run's books) */
  private lateBetweenRuns = 0;
  private straysBetweenRuns = 0;

  /** Connects the agents and sets them online. Sockets are kept from the moment they exist, so closeAll() also ends a failed setup's. */
  async setupAgents(p: ChatAgentsParams): Promise<number> {
    await inBatches(p.agents, 20, async (a) => {
      const socket = io(`${p.agentUrl}/agent`, { extraHeaders: { cookie: a.cookie, origin: p.agentUrl }, transports: ["websocket"], reconnection: false, forceNew: true });
      this.agents.push(socket);
      await connected(socket, p.timeoutMs);
      const ack = (await socket.timeout(p.timeoutMs).emitWithAck("agent:status", { status: "online" })) as Ack<AgentDto>;
      if (!ack.ok) throw new Error(`agent could not go online: ${ack.error.code}`);
      socket.on("message:new", (m: MessageDto) => this.onAgentMessage(socket, m));
    });
    return this.agents.length;
  }

  /** Connects the visitors of the groups' conversations, each resuming its conversation. */
  async setupVisitors(p: ChatVisitorsParams): Promise<number> {
    await inBatches(
      p.groups.flatMap((g) => g.conversations),
      50,
      async (slot) => {
        const socket = io(`${p.visitorUrl}/visitor`, {
          auth: { siteKey: p.siteKey, token: slot.visitorToken },
          extraHeaders: { origin: p.origin },
          transports: p.visitorTransports,
          reconnection: false,
          forceNew: true,
        });
        this.visitors.push({ socket, conversationId: slot.conversationId });
        const got = await sessionOf(socket, p.timeoutMs);
        if (got.conversation?.id !== slot.conversationId) throw new Error("visitor did not resume its seeded conversation");
        socket.on("message:new", (m: MessageDto) => this.onVisitorMessage(m));
      },
    );
    return this.visitors.length;
  }

  /** Disconnects the visitors only (the agents stay online, their chats stay theirs). */
  closeVisitors(): number {
    const list = this.visitors.splice(0);
    for (const v of list) {
      v.socket.removeAllListeners();
      v.socket.disconnect();
    }
    return list.length;
  }

  async runLoad(p: ChatRunParams): Promise<ChatRunResult> {
    if (this.run) throw new Error("a run is already going");
    // A snapshot: closing sockets during a run (the harness cleaning up after a failure) must not
    // pull the list from under the sender.
    const visitors = [...this.visitors];
    for (const [k, v] of this.pending) this.previous.set(k, v);
    this.pending.clear();
    const state = new RunState(p);
    state.late = this.lateBetweenRuns;
    state.strays = this.straysBetweenRuns;
    this.lateBetweenRuns = 0;
    this.straysBetweenRuns = 0;
    this.run = state;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    let cpuAtWindow = process.cpuUsage();
    let windowStartedAt = 0;
    const visitorRate = p.rate / 2;
    let next = 0;
    try {
      await new Promise<void>((resolve) => {
        const start = performance.now();
        state.windowStart = start + p.warmupMs;
        state.windowEnd = state.windowStart + p.durationMs;
        let sentVisitor = 0;
        const tick = () => {
          const now = performance.now();
          if (windowStartedAt === 0 && now >= state.windowStart) {
            windowStartedAt = now;
            cpuAtWindow = process.cpuUsage();
            loop.enable();
          }
          if (now >= state.windowEnd) {
            clearInterval(timer);
            state.cpu = process.cpuUsage(cpuAtWindow);
            state.cpuWall = now - windowStartedAt;
            loop.disable();
            return resolve();
          }
          const due = Math.floor(((now - start) / 1000) * visitorRate) - sentVisitor;
          for (let k = 0; k < due && visitors.length; k++) {
            sentVisitor++;
            if (state.inFlight >= p.maxInFlight) {
              state.skipped++;
              continue;
            }
            const v = visitors[next++ % visitors.length];
            this.send(v.socket, v.conversationId, `${p.label}-${state.serial++}`, BODY);
          }
        };
        const timer = setInterval(tick, 2);
      });
      // Bounded wait for the last deliveries and acks: resolved by the message handlers.
      state.settled = await state.whenSettled(p.settleMs);
    } finally {
      this.run = null;
    }
    let received = 0;
    let duplicates = state.strays;
    let lost = 0;
    let acked = 0;
    let windowAcked = 0;
    for (const [clientId, m] of this.pending) {
      if (m.acked) acked++;
      if (m.acked && m.sentAt >= state.windowStart && m.sentAt < state.windowEnd) windowAcked++;
      if (m.received) received++;
      else if (!m.failed) {
        lost++;
        state.anomaly(`${clientId} (conversation ${m.conversationId}) ${m.acked ? `acked as ${m.ids.join(", ")}` : "never acked"}, never delivered`);
      }
    }
    duplicates += state.duplicates;
    return {
      sent: this.pending.size,
      acked,
      ackErrors: state.ackErrors,
      received,
      duplicates,
      lost,
      late: state.late,
      skipped: state.skipped,
      windowSeconds: p.durationMs / 1000,
      windowAcked,
      v2a: state.v2a.toArray(),
      a2v: state.a2v.toArray(),
      ack: state.ack.toArray(),
      settled: state.settled,
      cpuPercent: state.cpuWall > 0 ? ((state.cpu.user + state.cpu.system) / 1000 / state.cpuWall) * 100 : 0,
      loopDelayP99Ms: windowStartedAt ? loop.percentile(99) / 1e6 : 0,
      anomalies: state.anomalies,
    };
  }

  private send(socket: Socket, conversationId: string, clientId: string, body: string): void {
    const state = this.run;
    if (!state) return;
    const now = performance.now();
    const m: Pending = { conversationId, body, ids: [], sentAt: now, record: now >= state.windowStart && now < state.windowEnd, acked: false, failed: false, received: false, finished: false };
    this.pending.set(clientId, m);
    state.inFlight++;
    socket.timeout(ACK_TIMEOUT_MS).emit("message:send", { conversationId, clientId, body }, (err: Error | null, ack: Ack<MessageDto>) => {
      if (err || !ack.ok) {
        const code = err ? ackFailure(err) : ack.ok ? "?" : ack.error.code;
        state.ackErrors[code] = (state.ackErrors[code] ?? 0) + 1;
        m.failed = true;
      } else {
        m.acked = true;
        if (m.record) state.ack.push(performance.now() - m.sentAt);
        if (ack.data.clientId !== clientId || ack.data.conversationId !== conversationId) state.anomaly(`ack for ${clientId} carried message ${ack.data.id} (${ack.data.clientId})`);
        if (!m.ids.includes(ack.data.id)) m.ids.push(ack.data.id);
      }
      state.settle(m);
    });
  }

  /**
   * Books a delivery; returns the message when it is this run's and seen for the first time.
   * The caller settles it, after sending any reply, so the run cannot look finished in between.
   */
  private receive(m: MessageDto, into: "v2a" | "a2v"): Pending | null {
    const state = this.run;
    const p = this.pending.get(m.clientId);
    if (!p || !state) {
      const old = this.previous.get(m.clientId) ?? p;
      if (old && !old.received) {
        // Sent in an earlier run and counted lost there: it came after all, too late.
        old.received = true;
        if (state) state.late++;
        else this.lateBetweenRuns++;
        state?.anomaly(`${m.clientId} (message ${m.id}) delivered late, ${((performance.now() - old.sentAt) / 1000).toFixed(1)} s after it was sent`);
      } else if (state) {
        state.strays++;
        state.anomaly(`${m.clientId} (message ${m.id}, conversation ${m.conversationId}) reached ${into === "v2a" ? "an agent" : "a visitor"} ${old ? "again" : "of a load worker that never sent it"}`);
      } else this.straysBetweenRuns++;
      return null;
    }
    if (m.conversationId !== p.conversationId || m.body !== p.body) {
      // Someone else's message under this clientId: counts as lost for the real one.
      state.anomaly(`${m.clientId} arrived as message ${m.id} of conversation ${m.conversationId}, sent to ${p.conversationId}`);
      return null;
    }
    if (p.received) {
      state.duplicates++;
      state.anomaly(`${m.clientId} delivered again as message ${m.id} seq ${m.seq} (ids so far: ${p.ids.join(", ")})`);
      return null;
    }
    p.received = true;
    if (!p.ids.includes(m.id)) p.ids.push(m.id);
    if (p.record) state[into].push(performance.now() - p.sentAt);
    return p;
  }

  private onAgentMessage(socket: Socket, m: MessageDto): void {
    if (m.authorKind !== "visitor") return; // the agent's own reply echoed back
    const p = this.receive(m, "v2a");
    if (!p) return;
    this.send(socket, m.conversationId, `r${m.clientId}`, REPLY);
    this.run?.settle(p);
  }

  private onVisitorMessage(m: MessageDto): void {
    if (m.authorKind !== "agent") return; // the visitor's own message echoed back
    const p = this.receive(m, "a2v");
    if (p) this.run?.settle(p);
  }

  closeAll(): number {
    this.previous.clear();
    const n = this.agents.length + this.visitors.length;
    for (const s of [...this.agents.splice(0), ...this.visitors.splice(0).map((v) => v.socket)]) {
      s.removeAllListeners();
      s.disconnect();
    }
    return n;
  }
}

class RunState {
  serial = 0;
  inFlight = 0;
  skipped = 0;
  duplicates = 0;
  windowStart = Infinity;
  windowEnd = Infinity;
  settled = false;
  cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  cpuWall = 0;
  ackErrors: Record<string, number> = {};
  /** deliveries of earlier runs' messages (already counted lost there) */
  late = 0;
  /** deliveries of messages this worker never sent, or of finished ones again: doubles */
  strays = 0;
  /** the first few oddities, word for word, for a bug report */
  anomalies: string[] = [];
  v2a = new Samples();
  a2v = new Samples();
  ack = new Samples();
  private onIdle: (() => void) | null = null;

  constructor(readonly params: ChatRunParams) {}

  anomaly(text: string): void {
    if (this.anomalies.length < 10) this.anomalies.push(text);
  }

  /** A message is finished once refused, or once both acknowledged and delivered. */
  settle(m: Pending): void {
    if (m.finished || !(m.failed || (m.acked && m.received))) return;
    m.finished = true;
    this.inFlight--;
    if (this.inFlight === 0 && this.onIdle) this.onIdle();
  }

  /**
   * Resolves true once nothing is in flight, false when nothing moved for `quietMs` or after
   * `capMs` in all: a server working through a backlog gets the time it needs, a stuck one not.
   */
  whenSettled(quietMs: number, capMs = 180_000): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const started = performance.now();
      let last = this.inFlight;
      const check = setInterval(() => {
        const stuck = this.inFlight === last;
        last = this.inFlight;
        if (stuck || performance.now() - started > capMs) finish(false);
      }, quietMs);
      const finish = (ok: boolean) => {
        clearInterval(check);
        this.onIdle = null;
        resolve(ok);
      };
      this.onIdle = () => finish(true);
    });
  }
}
