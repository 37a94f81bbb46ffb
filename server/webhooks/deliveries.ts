// The delivery log admins read per endpoint, and "redeliver".
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import type { WebhookDeliveryDto, WebhookDeliveryState, WebhookEventType } from "../protocol.ts";
import type { WebhookSettings } from "./settings.ts";

const RECENT_ATTEMPTS = 10;

export interface DeliveryPage {
  items: WebhookDeliveryDto[];
  nextCursor: string | null;
}

/** Newest first; the cursor is the last item's id (ids are unique, createdAt ties are broken by id). */
export async function listDeliveries(db: Db, endpointId: string, opts: { limit: number; cursor?: string; state?: WebhookDeliveryState }): Promise<DeliveryPage> {
  const after = opts.cursor ? await db.webhookDelivery.findFirst({ where: { id: opts.cursor, endpointId }, select: { id: true, createdAt: true } }) : null;
  if (opts.cursor && !after) throw new DomainError("bad_request", "cursor: unknown");
  const rows = await db.webhookDelivery.findMany({
    where: {
      endpointId,
      ...(opts.state ? { state: opts.state } : {}),
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: opts.limit + 1,
    include: { event: { select: { type: true } } },
  });
  const page = rows.slice(0, opts.limit);
  const attempts = await db.webhookAttempt.findMany({ where: { deliveryId: { in: page.map((r) => r.id) } }, orderBy: { id: "desc" } });
  const byDelivery = new Map<string, typeof attempts>();
  for (const a of attempts) {
    const list = byDelivery.get(a.deliveryId) ?? [];
    if (list.length < RECENT_ATTEMPTS) list.push(a);
    byDelivery.set(a.deliveryId, list);
  }
  return {
    items: page.map((r) => ({
      id: r.id,
      eventId: r.eventId,
      eventType: r.event.type as WebhookEventType,
      state: r.state as WebhookDeliveryState,
      attempts: r.attempts,
      nextAttemptAt: r.state === "pending" ? r.nextAttemptAt.toISOString() : null,
      lastStatus: r.lastStatus,
      lastError: r.lastError,
      lastDurationMs: r.lastDurationMs,
      deliveredAt: r.deliveredAt?.toISOString() ?? null,
      createdAt: r.createdAt.toISOString(),
      recentAttempts: (byDelivery.get(r.id) ?? []).map((a) => ({
        startedAt: a.startedAt.toISOString(),
        durationMs: a.durationMs,
        statusCode: a.statusCode,
        error: a.error,
      })),
    })),
    nextCursor: rows.length > opts.limit ? page[page.length - 1].id : null,
  };
}

/**
 * Sends the same event (same id) again: a new round of attempts starting now. An attempt that
 * is in flight meanwhile loses its lease and its outcome no longer moves the delivery.
 */
export async function redeliver(db: Db, endpointId: string, deliveryId: string, settings: Pick<WebhookSettings, "giveUpAfterMs">, now = new Date()): Promise<void> {
  const r = await db.webhookDelivery.updateMany({
    where: { id: deliveryId, endpointId },
    data: { state: "pending", attempts: 0, nextAttemptAt: now, giveUpAt: new Date(now.getTime() + settings.giveUpAfterMs), leaseToken: null, deliveredAt: null },
  });
  if (r.count === 0) throw new DomainError("not_found", "No such delivery");
}
