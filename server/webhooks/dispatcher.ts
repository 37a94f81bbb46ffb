// The webhook dispatcher, one per process: fans stored events out into deliveries and runs the
// attempts that are due, a few at a time. It holds nothing that matters in memory: every
// decision is a row in the database (claims.ts), so a restart or a second process picks up
// exactly where things stand.
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { GroupCommit } from "../scale/batch.ts";
import { claimDeliveries, dueDeliveryIds, finishAttempts, releaseClaim, type AttemptOutcome, type Claimed, type Finished } from "./claims.ts";
import type { Resolver } from "./destination.ts";
import { FAN_OUT_BATCH, fanOut, pruneLog } from "./fan-out.ts";
import { postJson } from "./http-post.ts";
import type { WebhookSettings } from "./settings.ts";
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureOf, TIMESTAMP_HEADER } from "./signature.ts";

const PRUNE_EVERY_MS = 3600_000;
const USER_AGENT = "Parley-Webhooks/1";

/** The delivery's body: the stored payload is spliced in as is, so every attempt sends the same bytes. */
export function envelopeOf(event: { id: string; type: string; createdAt: Date; payload: string }): string {
  return `{"id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(event.createdAt.toISOString())},"payload":${event.payload}}`;
}

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastPrune = 0;
  private readonly inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly finisher = new GroupCommit<AttemptOutcome, Finished>((items) => finishAttempts(this.db, items, this.settings), 200);

  constructor(
    private readonly db: Db,
    private readonly settings: WebhookSettings,
    private readonly log: Logger,
    private readonly resolve?: Resolver,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Look for work now (coalesced with a pass already running). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    for (const f of this.inFlight.values()) f.controller.abort();
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass()
        .catch((err: unknown) => this.log.error({ err }, "webhook dispatch pass failed"))
        .finally(() => {
          this.running = null;
          const now = this.again;
          this.again = false;
          this.schedule(now ? 0 : this.settings.pollMs);
        });
    }, delay);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    const fanned = await fanOut(this.db, this.settings);
    if (fanned >= FAN_OUT_BATCH) this.again = true;
    const free = this.settings.concurrency - this.inFlight.size;
    if (free > 0) {
      const now = new Date();
      const ids = await dueDeliveryIds(this.db, now, free);
      if (!this.stopped) for (const claimed of await claimDeliveries(this.db, ids, now, this.settings.timeoutMs + 30_000)) this.begin(claimed);
      if (ids.length === free) this.again = true;
    }
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await pruneLog(this.db, new Date(Date.now() - this.settings.logRetentionMs));
    }
  }

  private begin(claimed: Claimed): void {
    const controller = new AbortController();
    const done = this.attempt(claimed, controller.signal)
      .catch((err: unknown) => this.log.error({ err, deliveryId: claimed.row.id }, "webhook attempt bookkeeping failed"))
      .finally(() => {
        this.inFlight.delete(claimed.row.id);
        // Look for more once half the slots are free, so a pass claims several at a time.
        if (this.inFlight.size <= this.settings.concurrency / 2) this.kick();
      });
    this.inFlight.set(claimed.row.id, { controller, done });
  }

  private async attempt(claimed: Claimed, signal: AbortSignal): Promise<void> {
    const { row } = claimed;
    const body = envelopeOf(row.event);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers = {
      "user-agent": USER_AGENT,
      [EVENT_ID_HEADER]: row.event.id,
      [EVENT_TYPE_HEADER]: row.event.type,
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signatureOf(row.endpoint.secret, timestamp, body),
    };
    const startedAt = new Date();
    const outcome = await postJson(row.endpoint.url, headers, body, {
      allowHosts: this.settings.allowHosts,
      timeoutMs: this.settings.timeoutMs,
      resolve: this.resolve,
      signal,
    });
    if (signal.aborted && this.stopped) {
      await releaseClaim(this.db, claimed);
      return;
    }
    const finished = await this.finisher.add({ claimed, result: { startedAt, ...outcome } });
    const fields = { deliveryId: row.id, endpointId: row.endpointId, eventId: row.event.id, type: row.event.type, attempt: row.attempts, status: outcome.statusCode, durationMs: outcome.durationMs };
    if (finished === "delivered") this.log.info(fields, "webhook delivered");
    else if (finished === "failed") this.log.warn({ ...fields, error: outcome.error }, "webhook delivery failed for good; endpoint marked failing");
    else this.log.info({ ...fields, error: outcome.error, outcome: finished }, "webhook attempt failed");
  }
}
