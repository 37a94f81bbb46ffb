// The delivery state machine, in the database so any number of processes share the work:
// a conditional update claims an attempt for exactly one process (it moves nextAttemptAt past
// the attempt's deadline and sets a fresh leaseToken); only that token may record the outcome.
// A process that dies mid-attempt leaves the delivery due again once the lease runs out, so
// nothing is lost (and a receiver may see an event twice: it de-duplicates on the event id).
import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.ts";
import { withRetry } from "../routing/retry.ts";
import { retryDelayMs, type WebhookSettings } from "./settings.ts";

export async function dueDeliveryIds(db: Db, now: Date, take: number): Promise<string[]> {
  const rows = await db.webhookDelivery.findMany({
    where: { state: "pending", nextAttemptAt: { lte: now }, endpoint: { enabled: true } },
    orderBy: [{ nextAttemptAt: "asc" }, { id: "asc" }],
    take,
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

export async function claimDelivery(db: Db, id: string, now: Date, leaseMs: number) {
  const token = randomUUID();
  const claimed = await db.webhookDelivery.updateMany({
    where: { id, state: "pending", nextAttemptAt: { lte: now } },
    data: { leaseToken: token, nextAttemptAt: new Date(now.getTime() + leaseMs), attempts: { increment: 1 } },
  });
  if (claimed.count === 0) return null;
  const row = await db.webhookDelivery.findUnique({ where: { id }, include: { event: true, endpoint: true } });
  return row && row.leaseToken === token ? { row, token } : null;
}

export type Claimed = NonNullable<Awaited<ReturnType<typeof claimDelivery>>>;

export interface AttemptResult {
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export type Finished = "delivered" | "retry" | "failed" | "lost";

/** Records the attempt and moves the delivery on: delivered, retried later, or failed for good. */
export async function finishAttempt(db: Db, claimed: Claimed, result: AttemptResult, settings: WebhookSettings, now = new Date()): Promise<Finished> {
  const { row, token } = claimed;
  const ok = result.error === null;
  const last = { leaseToken: null, lastStatus: result.statusCode, lastError: result.error?.slice(0, 500) ?? null, lastDurationMs: result.durationMs };
  const next = new Date(now.getTime() + retryDelayMs(settings, row.attempts));
  const outcome: Exclude<Finished, "lost"> = ok ? "delivered" : next > row.giveUpAt ? "failed" : "retry";
  return withRetry(() =>
    db.$transaction(async (tx) => {
      await tx.webhookAttempt.create({ data: { deliveryId: row.id, startedAt: result.startedAt, durationMs: result.durationMs, statusCode: result.statusCode, error: last.lastError } });
      const data =
        outcome === "delivered"
          ? { ...last, state: "delivered", deliveredAt: now }
          : outcome === "failed"
            ? { ...last, state: "failed" }
            : { ...last, nextAttemptAt: next };
      const moved = await tx.webhookDelivery.updateMany({ where: { id: row.id, leaseToken: token }, data });
      if (moved.count === 0) return "lost" as const;
      if (outcome === "delivered") await tx.webhookEndpoint.updateMany({ where: { id: row.endpointId, failingSince: { not: null } }, data: { failingSince: null } });
      if (outcome === "failed") await tx.webhookEndpoint.updateMany({ where: { id: row.endpointId, failingSince: null }, data: { failingSince: now } });
      return outcome;
    }),
  );
}

/** Gives an interrupted attempt back (shutdown): due again at once, not counted. */
export async function releaseClaim(db: Db, claimed: Claimed): Promise<void> {
  await db.webhookDelivery.updateMany({
    where: { id: claimed.row.id, leaseToken: claimed.token },
    data: { leaseToken: null, nextAttemptAt: new Date(), attempts: { decrement: 1 } },
  });
}
