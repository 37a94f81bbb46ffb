// A chat participant that behaves like the widget and the console under failures: an outbox
// retried until acknowledged (same clientId, so retries are idempotent), catch-up by sequence after
// every reconnect or gap, and reconnection with jittered backoff to whichever process a "load
// balancer" (pickUrl) names. What it ends up holding is what the person would see.
import { io, type Socket } from "socket.io-client";
import type { Ack, MessageDto } from "../../server/protocol.ts";
import { backoffDelay, retryAfterDelay } from "../../widget/app/client/wire.ts";
import { PUBLIC_URL } from "./processes.ts";

export interface ParticipantOptions {
  nsp: "/visitor" | "/agent";
  pickUrl: () => string;
  /** visitor: site key (token remembered from the session); agent: session cookie */
  siteKey?: string;
  cookie?: string;
  ackTimeoutMs?: number;
  transports?: ("websocket" | "polling")[];
  /** run on every connect before catching up (the console sets itself online) */
  onConnect?: (s: Socket) => Promise<unknown>;
}

export class Participant {
  socket: Socket | null = null;
  token: string | undefined;
  conversationId: string | undefined;
  /** what this side holds, by sequence */
  readonly log = new Map<number, MessageDto>();
  /** how many times each sequence arrived live (above 1: delivered again, deduplicated by seq) */
  readonly arrivals = new Map<number, number>();
  readonly sent: string[] = [];
  readonly acked = new Set<string>();
  private outbox: { clientId: string; body: string }[] = [];
  private flushing = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  connects = 0;
  lastConnectAt = 0;
  refusals = 0;
  /** error acks received for message:send, by code */
  readonly errors = new Map<string, number>();
  /** ms from a drop to the next successful connect, one per reconnection */
  readonly reconnectMs: number[] = [];
  private droppedAt: number | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly o: ParticipantOptions) {}

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Connects now; resolves on the first successful connect. */
  start(timeoutMs = 20_000): Promise<void> {
    const first = this.when(() => this.connected, timeoutMs);
    this.open();
    return first;
  }

  private open(): void {
    if (this.stopped) return;
    const url = this.o.pickUrl();
    const s = io(`${url}${this.o.nsp}`, {
      auth: this.o.nsp === "/visitor" ? { siteKey: this.o.siteKey, ...(this.token ? { token: this.token } : {}) } : {},
      extraHeaders: this.o.nsp === "/visitor" ? { origin: PUBLIC_URL } : { cookie: this.o.cookie ?? "" },
      transports: this.o.transports ?? ["websocket"],
      reconnection: false,
      forceNew: true,
      timeout: 5000,
    });
    this.socket = s;
    s.on("session", (session: { token: string; conversation: { id: string } | null }) => {
      this.token = session.token;
      if (!this.conversationId && session.conversation) this.conversationId = session.conversation.id;
    });
    s.on("connect", () => {
      this.connects++;
      this.lastConnectAt = Date.now();
      this.failures = 0;
      if (this.droppedAt !== null) this.reconnectMs.push(Date.now() - this.droppedAt);
      this.droppedAt = null;
      void (this.o.onConnect?.(s) ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => this.catchUp())
        .then(() => this.flush());
      this.changed();
    });
    s.on("message:new", (m: MessageDto) => {
      if (m.conversationId !== this.conversationId) return;
      this.arrivals.set(m.seq, (this.arrivals.get(m.seq) ?? 0) + 1);
      const gap = m.seq > this.lastSeq() + 1;
      this.log.set(m.seq, m);
      if (gap) void this.catchUp();
      this.changed();
    });
    s.onAny(() => this.changed());
    s.on("disconnect", () => this.retry(s));
    s.on("connect_error", (err: Error & { data?: { code?: string; retryAfterMs?: number } }) => {
      if (err.data?.code === "unavailable") this.refusals++;
      this.retry(s, err.data?.retryAfterMs);
    });
  }

  private retry(s: Socket, afterMs?: number): void {
    if (this.socket !== s) return;
    this.socket = null;
    s.removeAllListeners();
    s.disconnect();
    if (this.droppedAt === null) this.droppedAt = Date.now();
    this.changed();
    if (this.stopped) return;
    this.failures++;
    // The widget's own timing (widget/app/client/wire.ts), so the tests see what a crowd of widgets does.
    const delay = afterMs !== undefined ? retryAfterDelay(afterMs, Math.random) : backoffDelay(this.failures, Math.random);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** Drops the connection as a network would (the client comes back by itself). */
  drop(offlineMs = 0): void {
    const s = this.socket;
    if (!s) return;
    this.socket = null;
    s.removeAllListeners();
    s.disconnect();
    if (this.droppedAt === null) this.droppedAt = Date.now();
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), offlineMs);
  }

  lastSeq(): number {
    let n = 0;
    while (this.log.has(n + 1)) n++;
    return n;
  }

  async catchUp(): Promise<void> {
    const s = this.socket;
    if (!s || !this.conversationId) return;
    try {
      const ack = (await s.timeout(this.o.ackTimeoutMs ?? 5000).emitWithAck("messages:since", { conversationId: this.conversationId, afterSeq: this.lastSeq() })) as Ack<MessageDto[]>;
      if (ack.ok) for (const m of ack.data) this.log.set(m.seq, m);
    } catch {
      // disconnected or timed out: the next connect catches up
    }
    this.changed();
  }

  /** Queues a message; it is retried until acknowledged. */
  send(clientId: string, body: string): void {
    this.sent.push(clientId);
    this.outbox.push({ clientId, body });
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.flushing || !this.conversationId) return;
    this.flushing = true;
    try {
      while (this.outbox.length && this.socket?.connected) {
        const s = this.socket;
        const item = this.outbox[0];
        let ack: Ack<MessageDto> | null = null;
        try {
          ack = (await s.timeout(this.o.ackTimeoutMs ?? 5000).emitWithAck("message:send", { conversationId: this.conversationId, ...item })) as Ack<MessageDto>;
        } catch {
          ack = null;
        }
        if (ack && !ack.ok) this.errors.set(ack.error.code, (this.errors.get(ack.error.code) ?? 0) + 1);
        if (!ack?.ok) {
          // unavailable, timed out or cut: keep it and try again shortly (or on reconnect)
          setTimeout(() => void this.flush(), 300 + Math.random() * 400);
          break;
        }
        this.outbox.shift();
        this.acked.add(item.clientId);
        this.log.set(ack.data.seq, ack.data);
        this.changed();
      }
    } finally {
      this.flushing = false;
    }
  }

  get pending(): number {
    return this.outbox.length;
  }

  /** Resolves once `check()` holds, re-checked on every change; rejects after timeoutMs. */
  when(check: () => boolean, timeoutMs = 20_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
  }
}

/** What a side holds, checked against what both sides sent: each message once, seqs 1..n, senders' order kept. */
export function audit(holder: Participant, senders: Participant[]): { delivered: number; expected: number; duplicates: number; outOfOrder: number; missing: string[] } {
  const held = [...holder.log.entries()].sort((a, b) => a[0] - b[0]);
  const byClientId = new Map<string, number>();
  for (const [, m] of held) if (m.clientId) byClientId.set(m.clientId, (byClientId.get(m.clientId) ?? 0) + 1);
  let duplicates = 0;
  for (const n of byClientId.values()) if (n > 1) duplicates += n - 1;
  let outOfOrder = held.some(([seq], i) => seq !== i + 1) ? 1 : 0;
  const missing: string[] = [];
  let expected = 0;
  for (const sender of senders) {
    const order = held.filter(([, m]) => m.clientId && sender.sent.includes(m.clientId)).map(([, m]) => m.clientId as string);
    const wanted = sender.sent.filter((id) => order.includes(id));
    if (order.join() !== wanted.join()) outOfOrder++;
    for (const id of sender.acked) {
      expected++;
      if (!byClientId.has(id)) missing.push(id);
    }
  }
  return { delivered: expected - missing.length, expected, duplicates, outOfOrder, missing };
}

/**
 * Resolves once every participant satisfies `check` (re-checked on each change of theirs). A slow
 * machine is not a failure: it rejects only when nothing moved for `quietMs` (no participant newly
 * satisfied, and `progress()` did not grow), or after `capMs` in all, naming who is stuck.
 */
export function allOf(
  participants: Participant[],
  check: (p: Participant) => boolean,
  o: { what: string; quietMs: number; capMs: number; progress?: () => number; describe?: (p: Participant) => unknown },
): Promise<void> {
  const started = Date.now();
  let lastMove = started;
  let done = 0;
  let lastProgress = o.progress?.() ?? 0;
  return new Promise((resolve, reject) => {
    let finished = false;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      clearInterval(watchdog);
      if (err) reject(err);
      else resolve();
    };
    const watchdog = setInterval(() => {
      const now = Date.now();
      const p = o.progress?.() ?? 0;
      if (p > lastProgress) {
        lastProgress = p;
        lastMove = now;
      }
      if (now - lastMove > o.quietMs || now - started > o.capMs) {
        const stuck = participants.filter((x) => !check(x));
        const why = now - started > o.capMs ? `${o.capMs} ms passed` : `nothing moved for ${o.quietMs} ms`;
        finish(new Error(`${o.what}: ${stuck.length} of ${participants.length} not there (${why}); first: ${JSON.stringify(stuck.slice(0, 3).map((x) => o.describe?.(x) ?? { connected: x.connected, connects: x.connects, pending: x.pending, refusals: x.refusals }))}`));
      }
    }, 250);
    for (const p of participants) {
      void p.when(() => check(p), o.capMs + 1000).then(
        () => {
          lastMove = Date.now();
          if (++done === participants.length) finish();
        },
        () => undefined,
      );
    }
  });
}
