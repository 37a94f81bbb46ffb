// One routing engine per server process. It runs drainQueue whenever asked (a conversation was
// queued, capacity appeared) and folds requests that arrive mid-drain into one more pass, so a
// burst of triggers costs two passes, not N. Several engines (processes) may drain the same
// database at once: the database decides every race (see assign.ts). No socket or HTTP here:
// whoever owns the engine learns about assignments through the onAssigned hook.
import type { Db } from "../db/client.ts";
import { drainQueue, type Assignment } from "./assign.ts";
import { onRoutingChange } from "./signals.ts";

export interface EngineHooks {
  /**
   * Called after each pass that assigned something. `requestedAt` (ms since epoch) is when the
   * oldest trigger this pass served arrived: assignment latency is measured from it.
   */
  onAssigned?: (assignments: Assignment[], requestedAt: number) => Promise<void> | void;
  onError?: (err: unknown) => void;
}

const MAX_PASSES = 50;

export class RoutingEngine {
  private running: Promise<void> | null = null;
  private again = false;
  private requestedAt: number | null = null;
  private readonly hooks = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    readonly db: Db,
    private readonly on: EngineHooks = {},
  ) {
    this.unsubscribe = onRoutingChange(db, () => void this.drain());
  }

  /** Assigns what can be assigned now; resolves when the queue is drained as far as it goes. */
  drain(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.requestedAt ??= Date.now();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    try {
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        this.again = false;
        const requestedAt = this.requestedAt ?? Date.now();
        this.requestedAt = null;
        const { assignments, incomplete } = await drainQueue(this.db);
        if (assignments.length && this.on.onAssigned) this.track(this.on.onAssigned(assignments, requestedAt));
        if (incomplete) {
          this.again = true;
          this.requestedAt ??= requestedAt;
        }
        if (!this.again || this.closed) return;
      }
      // Still asked for more after MAX_PASSES: hand over to a fresh run rather than spin here.
      if (this.again) setImmediate(() => void this.drain());
    } catch (err) {
      this.on.onError?.(err);
    }
  }

  private track(result: Promise<void> | void): void {
    if (!result) return;
    const p = result.catch((err: unknown) => this.on.onError?.(err)).finally(() => this.hooks.delete(p));
    this.hooks.add(p);
  }

  /** Resolves when no drain and no hook is running. */
  async idle(): Promise<void> {
    while (this.running || this.hooks.size) {
      if (this.running) await this.running;
      await Promise.all([...this.hooks]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.idle();
  }
}
