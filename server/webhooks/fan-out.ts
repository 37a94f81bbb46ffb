// Fan-out: each stored event becomes one delivery per enabled endpoint subscribed to its type
// (private notes only to endpoints that opted in). Events nobody subscribed to are dropped.
// Safe with several processes: the events are marked in the same transaction, by a conditional
// update that must match every one of them, and (eventId, endpointId) is unique; a process that
// lost the race rolls back and leaves the work to the winner.
import type { Db } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { withRetry } from "../routing/retry.ts";
import { eventsOf } from "./endpoints.ts";
import type { WebhookSettings } from "./settings.ts";

export const FAN_OUT_BATCH = 500;

class Raced extends Error {}

function isNote(payload: string): boolean {
  try {
    return (JSON.parse(payload) as { message?: { note?: unknown } }).message?.note === true;
  } catch {
    return false;
  }
}

/** Fans out one batch; returns how many events it handled (FAN_OUT_BATCH means: call again). */
export async function fanOut(db: Db, settings: Pick<WebhookSettings, "giveUpAfterMs">, now = new Date()): Promise<number> {
  const events = await db.webhookEvent.findMany({
    where: { fannedOut: false },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: FAN_OUT_BATCH,
    select: { id: true, type: true, payload: true },
  });
  if (events.length === 0) return 0;
  const endpoints = (await db.webhookEndpoint.findMany({ where: { enabled: true }, select: { id: true, events: true, includeNotes: true } })).map((e) => ({
    ...e,
    types: new Set<string>(eventsOf(e)),
  }));
  const giveUpAt = new Date(now.getTime() + settings.giveUpAfterMs);
  const deliveries: { eventId: string; endpointId: string; nextAttemptAt: Date; giveUpAt: Date }[] = [];
  const unmatched: string[] = [];
  for (const ev of events) {
    const note = ev.type === "message.created" && isNote(ev.payload);
    const targets = endpoints.filter((e) => e.types.has(ev.type) && (!note || e.includeNotes));
    if (targets.length === 0) unmatched.push(ev.id);
    for (const e of targets) deliveries.push({ eventId: ev.id, endpointId: e.id, nextAttemptAt: now, giveUpAt });
  }
  const ids = events.map((e) => e.id);
  try {
    await withRetry(() =>
      db.$transaction(async (tx) => {
        const marked = await tx.webhookEvent.updateMany({ where: { id: { in: ids }, fannedOut: false }, data: { fannedOut: true } });
        if (marked.count !== ids.length) throw new Raced();
        if (deliveries.length) await tx.webhookDelivery.createMany({ data: deliveries });
        if (unmatched.length) await tx.webhookEvent.deleteMany({ where: { id: { in: unmatched } } });
      }),
    );
  } catch (err) {
    if (err instanceof Raced || isUniqueViolation(err)) return 0;
    throw err;
  }
  return events.length;
}

/** Drops finished deliveries (and events left without any) older than the log's retention. */
export async function pruneLog(db: Db, before: Date): Promise<void> {
  await db.webhookDelivery.deleteMany({ where: { state: { in: ["delivered", "failed"] }, createdAt: { lt: before } } });
  await db.webhookEvent.deleteMany({ where: { fannedOut: true, createdAt: { lt: before }, deliveries: { none: {} } } });
}
