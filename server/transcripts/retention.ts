// Retention: a site may keep transcripts for N days (off by default). A conversation counts as
// older than N days when it was closed more than N days ago; open conversations are never
// purged. Purging deletes its messages and the conversation for real, then the site's visitors
// who have no conversation left and were last seen before the same cutoff (their name and email
// are part of what the transcript kept). Runs daily in the server and on `parley purge`.
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { DomainError } from "../errors.ts";

export const DAY_MS = 86_400_000;
export const RETENTION_INTERVAL_MS = DAY_MS;
/** the first pass waits a little, so a (re)starting fleet does not all purge at boot */
export const RETENTION_FIRST_RUN_MS = 5 * 60_000;
export const MAX_RETENTION_DAYS = 36_500;
const PURGE_BATCH = 500;

export interface PurgeResult {
  siteId: string;
  siteKey: string;
  retentionDays: number;
  cutoff: Date;
  conversations: number;
  messages: number;
  visitors: number;
}

export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

export async function purgeSite(
  db: Db,
  site: { id: string; key: string; retentionDays: number },
  now: Date,
  signal?: AbortSignal,
): Promise<PurgeResult> {
  const cutoff = retentionCutoff(now, site.retentionDays);
  const expired = { siteId: site.id, status: "closed", closedAt: { lt: cutoff } };
  const result: PurgeResult = { siteId: site.id, siteKey: site.key, retentionDays: site.retentionDays, cutoff, conversations: 0, messages: 0, visitors: 0 };
  // Batches keep each transaction short, so chats carry on while a large backlog is purged.
  while (!signal?.aborted) {
    const ids = (await db.conversation.findMany({ where: expired, select: { id: true }, take: PURGE_BATCH })).map((c) => c.id);
    if (!ids.length) break;
    // Both deletes re-check the condition, so a conversation that changed meanwhile is left alone.
    // Attachments (metadata and, by cascade, their bytes) go first and explicitly, in the same
    // transaction, so a purged conversation leaves no file behind whatever the foreign keys do.
    const [, messages, conversations] = await db.$transaction([
      db.attachment.deleteMany({ where: { conversationId: { in: ids }, conversation: expired } }),
      db.message.deleteMany({ where: { conversationId: { in: ids }, conversation: expired } }),
      db.conversation.deleteMany({ where: { id: { in: ids }, ...expired } }),
    ]);
    result.messages += messages.count;
    result.conversations += conversations.count;
    if (conversations.count === 0) break;
  }
  if (!signal?.aborted) {
    const visitors = await db.visitor.deleteMany({ where: { siteId: site.id, lastSeenAt: { lt: cutoff }, conversations: { none: {} } } });
    result.visitors = visitors.count;
  }
  return result;
}

/** Applies every site's retention setting once. */
export async function purgeExpired(db: Db, now = new Date(), signal?: AbortSignal): Promise<PurgeResult[]> {
  const sites = await db.site.findMany({ where: { retentionDays: { gt: 0 } }, select: { id: true, key: true, retentionDays: true } });
  const results: PurgeResult[] = [];
  for (const s of sites) {
    if (signal?.aborted) break;
    results.push(await purgeSite(db, { id: s.id, key: s.key, retentionDays: s.retentionDays as number }, now, signal));
  }
  return results;
}

/** Sets (or, with null, turns off) a site's retention. */
export async function setRetentionDays(db: Db, siteKey: string, days: number | null) {
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS)) {
    throw new DomainError("bad_request", `Retention is a whole number of days from 1 to ${MAX_RETENTION_DAYS}, or off`);
  }
  const updated = await db.site.updateMany({ where: { key: siteKey }, data: { retentionDays: days } });
  if (updated.count === 0) throw new DomainError("not_found", `No site with key ${siteKey}`);
}

export interface RetentionTimer {
  stop(): Promise<void>;
}

/**
 * The server's daily pass. Timers are unref'd so they never keep a process alive; stop() ends
 * the timers and lets a running pass finish its current batch. Several processes may run it at
 * once: every delete is conditional, so the second one finds nothing left.
 */
export function startRetention(
  db: Db,
  log: Logger,
  opts: { firstRunMs?: number; intervalMs?: number; onRun?: (results: PurgeResult[]) => void } = {},
): RetentionTimer {
  const abort = new AbortController();
  let running: Promise<void> | null = null;
  const run = () => {
    if (running || abort.signal.aborted) return;
    running = purgeExpired(db, new Date(), abort.signal)
      .then((results) => {
        for (const r of results) {
          if (r.conversations || r.visitors) {
            log.info({ siteId: r.siteId, retentionDays: r.retentionDays, conversations: r.conversations, messages: r.messages, visitors: r.visitors }, "retention purge");
          }
        }
        opts.onRun?.(results);
      })
      .catch((err: unknown) => log.error({ err }, "retention purge failed"))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(run, opts.firstRunMs ?? RETENTION_FIRST_RUN_MS);
  const every = setInterval(run, opts.intervalMs ?? RETENTION_INTERVAL_MS);
  first.unref();
  every.unref();
  return {
    async stop() {
      abort.abort();
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
