// One routing engine per server process. It runs drainQueue whenever asked (a conversation was
// queued, capacity appeared) and folds requests that arrive mid-drain into the running drain, so a
// burst of triggers costs one more pass, not N. Across processes the engines take turns through
// the drain lease (lease.ts): one drains, the others record their request and the drainer picks
// it up within DIRTY_CHECK_MS. Safety is in the database either way (see assign.ts). No socket or
// HTTP here: whoever owns the engine learns about assignments through the onAssigned hook.
import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.ts";
import { drainQueue, type Assignment } from "./assign.ts";
import { acquireLease, dropLease, releaseLease, requestCount, requestDrain } from "./lease.ts";
import { onRoutingChange } from "./signals.ts";

export interface EngineHooks {
  /**
   * Called as soon as an assignment is committed. `requestedAt` (ms since epoch) is when the
   * oldest trigger the pass serves arrived: assignment latency is measured from it.
   */
  onAssigned?: (assignments: Assignment[], requestedAt: number) => Promise<void> | void;
  onError?: (err: unknown) => void;
}

const LEASE_MS = 10_000;
/** how often the draining engine looks for other processes' requests during a pass */
const DIRTY_CHECK_MS = 100;
const MAX_PASSES = 50;

export class RoutingEngine {
  readonly id = randomUUID();
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

  /** Assigns what can be assigned now (here, or by the engine holding the lease). */
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
      // A trigger that arrives at any point of a turn (even while the lease is being let go)
      // sets `again`, and costs one more turn.
      do {
        this.again = false;
        await this.turn();
      } while (this.again && !this.closed);
    } catch (err) {
      this.on.onError?.(err);
    }
  }

  /** Asks for the lease; if it is ours, drains until nobody asked again, then lets go. */
  private async turn(): Promise<void> {
    let seen = await requestDrain(this.db, this.id, LEASE_MS);
    if (seen === null) {
      // Held elsewhere: the holder sees our request before it can let go.
      this.requestedAt = null;
      return;
    }
    let holding = true;
    try {
      let leaseAt = Date.now();
      let checkedAt = Date.now();
      // At most every DIRTY_CHECK_MS: has anyone (this process or another) asked since?
      const refresh = async (): Promise<boolean> => {
        const now = Date.now();
        if (now - checkedAt < DIRTY_CHECK_MS) return false;
        checkedAt = now;
        // Renewing the lease reads the request count too; if another engine took it meanwhile
        // (this one stalled past LEASE_MS) draining on is still safe, only wasted work.
        let count: number | null = null;
        if (now - leaseAt > LEASE_MS / 3) {
          count = await acquireLease(this.db, this.id, LEASE_MS);
          leaseAt = now;
        }
        let asked = this.takeRequest();
        count ??= await requestCount(this.db);
        if (count !== seen) {
          seen = count;
          asked = true;
        }
        return asked;
      };
      for (let pass = 0; pass < MAX_PASSES && !this.closed; pass++) {
        this.again = false;
        const requestedAt = this.requestedAt ?? Date.now();
        this.requestedAt = null;
        const { incomplete } = await drainQueue(this.db, {
          refresh,
          onAssignments: (list) => {
            if (this.on.onAssigned) this.track(this.on.onAssigned(list, requestedAt));
          },
        });
        if (!incomplete && !this.again && (await releaseLease(this.db, this.id, seen))) {
          holding = false;
          return;
        }
        this.requestedAt ??= requestedAt;
        leaseAt = Date.now();
        seen = (await acquireLease(this.db, this.id, LEASE_MS)) ?? (await requestCount(this.db));
      }
      // Still asked for more after MAX_PASSES: let go and take another turn.
      this.again = true;
    } finally {
      if (holding) await dropLease(this.db, this.id).catch((err: unknown) => this.on.onError?.(err));
    }
  }

  /** A trigger arrived during this pass: the pass takes it over (re-reads the agents). */
  private takeRequest(): boolean {
    if (!this.again) return false;
    this.again = false;
    this.requestedAt = null;
    return true;
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
