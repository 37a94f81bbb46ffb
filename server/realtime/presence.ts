// Console presence for this process: records each agent socket in the database (routing/
// connections.ts) so all processes agree on who is connected, times the grace period after an
// agent's last socket closes (a reload or a network blip must not cost them their chats), and runs
// the periodic sweep that finishes what a crashed process left behind.
import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { agentConnected, agentDisconnected, expireGrace, heartbeat, sweep, type PresenceTiming } from "../routing/connections.ts";
import { onRoutingChange } from "../routing/signals.ts";
import type { RoutingNotifier } from "./routing-notifier.ts";

export interface PresenceOptions {
  graceMs: number;
  /** how often this process refreshes its rows and sweeps (default: 5 s, or half the grace period) */
  sweepMs?: number;
  /** rows older than this belong to a dead process (default: 6 sweeps, at least 30 s) */
  staleMs?: number;
}

export class Presence {
  readonly instanceId = randomUUID();
  private readonly timing: PresenceTiming;
  /** connection id -> agent id, for this process's sockets */
  private readonly live = new Map<string, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Set<Promise<void>>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private sweeping = false;
  private sweepAgain = false;
  private closed = false;

  constructor(
    private readonly db: Db,
    opts: PresenceOptions,
    private readonly routing: RoutingNotifier,
    private readonly log: Logger,
  ) {
    const sweepMs = opts.sweepMs ?? Math.max(100, Math.min(5000, opts.graceMs / 2));
    this.timing = { graceMs: opts.graceMs, staleMs: opts.staleMs ?? Math.max(30_000, sweepMs * 6) };
    this.sweeper = setInterval(() => this.sweepSoon(), sweepMs);
    this.sweeper.unref();
    // An admin change (deactivation, capacity) is acted on now, not at the next sweep.
    this.unsubscribe = onRoutingChange(db, () => this.sweepSoon());
  }

  private connectionId(socketId: string): string {
    return `${this.instanceId}:${socketId}`;
  }

  connected(agentId: string, socketId: string): void {
    if (this.closed) return;
    const connectionId = this.connectionId(socketId);
    this.live.set(connectionId, agentId);
    this.clearTimer(agentId);
    this.track(
      (async () => {
        if (await agentConnected(this.db, { connectionId, agentId, instanceId: this.instanceId })) {
          this.log.info({ agentId }, "agent back within the grace period");
          void this.routing.drain();
        }
      })(),
    );
  }

  disconnected(agentId: string, socketId: string): void {
    const connectionId = this.connectionId(socketId);
    this.live.delete(connectionId);
    if (this.closed) return;
    this.track(
      (async () => {
        if (!(await agentDisconnected(this.db, { connectionId, agentId }, this.timing))) return;
        this.log.info({ agentId, graceSeconds: this.timing.graceMs / 1000 }, "agent disconnected: grace period started");
        this.schedule(agentId);
      })(),
    );
  }

  private schedule(agentId: string): void {
    this.clearTimer(agentId);
    // A few ms over the grace period: the database compares against the time the period began.
    const timer = setTimeout(() => {
      this.timers.delete(agentId);
      this.track(this.expire(agentId));
    }, this.timing.graceMs + 25);
    timer.unref();
    this.timers.set(agentId, timer);
  }

  private clearTimer(agentId: string): void {
    const t = this.timers.get(agentId);
    if (t) clearTimeout(t);
    this.timers.delete(agentId);
  }

  private async expire(agentId: string): Promise<void> {
    if (this.closed) return;
    const released = await expireGrace(this.db, agentId, this.timing);
    if (released === null) {
      // Not due after all (back, possibly on another process): they may take chats again.
      void this.routing.drain();
      return;
    }
    this.log.info({ agentId, requeued: released.length }, "agent offline after the grace period");
    await this.routing.agentChanged(agentId);
    await this.routing.released(released);
  }

  /** One sweep at a time; a request during a sweep becomes one more sweep. */
  private sweepSoon(): void {
    if (this.sweeping) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = true;
    this.track(
      (async () => {
        try {
          do {
            this.sweepAgain = false;
            await this.sweep();
          } while (this.sweepAgain && !this.closed);
        } finally {
          this.sweeping = false;
        }
      })(),
    );
  }

  private async sweep(): Promise<void> {
    if (this.closed) return;
    const back = await heartbeat(this.db, this.instanceId, this.live);
    const result = await sweep(this.db, this.timing);
    for (const agentId of result.graceStarted) {
      this.log.warn({ agentId }, "agent's connection lost with its server process: grace period started");
      this.schedule(agentId);
    }
    // released() tells the agents too.
    if (result.released.length) await this.routing.released(result.released);
    // The safety net for any trigger that was lost (e.g. a process died mid-drain).
    if (back.length || result.healed.length || (await this.db.conversation.count({ where: { status: "queued" } })) > 0) void this.routing.drain();
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.log.error({ err }, "presence update failed")).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Stops timers and the sweep; later socket events are ignored (other processes take over). */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    this.unsubscribe();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Resolves when no presence write is in flight (shutdown waits before closing the database). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}
