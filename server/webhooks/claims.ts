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

/**
 * Claims the attempts of those deliveries that are still due, in one conditional update: a
 * delivery another process claimed meanwhile no longer matches, so each attempt has one owner.
 */
export async function claimDeliveries(db: Db, ids: readonly string[], now: Date, leaseMs: number) {
  if (ids.length === 0) return [];
  const token = randomUUID();
  const claimed = await db.webhookDelivery.updateMany({
    where: { id: { in: [...ids] }, state: "pending", nextAttemptAt: { lte: now } },
    data: { leaseToken: token, nextAttemptAt: new Date(now.getTime() + leaseMs), attempts: { increment: 1 } },
  });
  if (claimed.count === 0) return [];
  const rows = await db.webhookDelivery.findMany({ where: { id: { in: [...ids] }, leaseToken: token }, include: { event: true, endpoint: true } });
  return rows.map((row) => ({ row, token }));
}

export type Claimed = Awaited<ReturnType<typeof claimDeliveries>>[number];

export async function claimDelivery(db: Db, id: string, now: Date, leaseMs: number): Promise<Claimed | null> {
  return (await claimDeliveries(db, [id], now, leaseMs))[0] ?? null;
}

export interface AttemptResult {
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export type Finished = "delivered" | "retry" | "failed" | "lost";

export interface AttemptOutcome {
  claimed: Claimed;
  result: AttemptResult;
}

/**
 * Records attempts and moves their deliveries on (delivered, retried later, or failed for good),
 * many in one transaction: under load the dispatcher finishes attempts in batches. An attempt
 * whose lease was taken over meanwhile is logged but moves nothing ("lost").
 */
export async function finishAttempts(db: Db, outcomes: readonly AttemptOutcome[], settings: WebhookSettings, now = new Date()): Promise<Finished[]> {
  const planned = outcomes.map(({ claimed, result }) => {
    const { row } = claimed;
    const next = new Date(now.getTime() + retryDelayMs(settings, row.attempts));
    const outcome: Exclude<Finished, "lost"> = result.error === null ? "delivered" : next > row.giveUpAt ? "failed" : "retry";
    const last = { leaseToken: null, lastStatus: result.statusCode, lastError: result.error?.slice(0, 500) ?? null, lastDurationMs: result.durationMs };
    const data =
      outcome === "delivered"
        ? { ...last, state: "delivered", deliveredAt: now }
        : outcome === "failed"
          ? { ...last, state: "failed" }
          : { ...last, nextAttemptAt: next };
    return { claimed, result, outcome, data, error: last.lastError };
  });
  return withRetry(() =>
    db.$transaction(async (tx) => {
      await tx.webhookAttempt.createMany({
        data: planned.map((p) => ({ deliveryId: p.claimed.row.id, startedAt: p.result.startedAt, durationMs: p.result.durationMs, statusCode: p.result.statusCode, error: p.error })),
      });
      const finished: Finished[] = [];
      for (const p of planned) {
        const moved = await tx.webhookDelivery.updateMany({ where: { id: p.claimed.row.id, leaseToken: p.claimed.token }, data: p.data });
        finished.push(moved.count === 0 ? "lost" : p.outcome);
      }
      const endpoints = (outcome: Finished) => [...new Set(planned.filter((p, i) => finished[i] === outcome).map((p) => p.claimed.row.endpointId))];
      const healthy = endpoints("delivered");
      const failing = endpoints("failed");
      if (healthy.length) await tx.webhookEndpoint.updateMany({ where: { id: { in: healthy }, failingSince: { not: null } }, data: { failingSince: null } });
      if (failing.length) await tx.webhookEndpoint.updateMany({ where: { id: { in: failing }, failingSince: null }, data: { failingSince: now } });
      return finished;
    }),
  );
}

export async function finishAttempt(db: Db, claimed: Claimed, result: AttemptResult, settings: WebhookSettings, now = new Date()): Promise<Finished> {
  return (await finishAttempts(db, [{ claimed, result }], settings, now))[0];
}

/** Gives an interrupted attempt back (shutdown): due again at once, not counted. */
export async function releaseClaim(db: Db, claimed: Claimed): Promise<void> {
  await db.webhookDelivery.updateMany({
    where: { id: claimed.row.id, leaseToken: claimed.token },
    data: { leaseToken: null, nextAttemptAt: new Date(), attempts: { decrement: 1 } },
  });
}
