// Abuse limits kept in the database, so every process behind the load balancer counts the same
// events: new conversations per IP and per visitor, visitor messages per conversation, sign-in
// backoff per account and per IP, and agents' visitor blocks.
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";

export interface AbuseLimits {
  conversationsPerIp: number;
  conversationsPerVisitor: number;
  conversationWindowMs: number;
  messagesPerMinute: number;
}

const HOUR = 3_600_000;

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** PARLEY_CONVERSATIONS_PER_IP (6), PARLEY_CONVERSATIONS_PER_VISITOR (20), PARLEY_CONVERSATION_WINDOW_HOURS (12), PARLEY_MESSAGES_PER_MINUTE (120). */
export function abuseLimits(env: NodeJS.ProcessEnv = process.env): AbuseLimits {
  return {
    conversationsPerIp: positiveInt(env.PARLEY_CONVERSATIONS_PER_IP, 6),
    conversationsPerVisitor: positiveInt(env.PARLEY_CONVERSATIONS_PER_VISITOR, 20),
    conversationWindowMs: positiveInt(env.PARLEY_CONVERSATION_WINDOW_HOURS, 12) * HOUR,
    messagesPerMinute: positiveInt(env.PARLEY_MESSAGES_PER_MINUTE, 120),
  };
}

/**
 * Loopback clients are the machine itself (tests, health checks, a proxy that did not forward
 * the address); a reverse proxy passes the real address, which is what gets counted.
 */
export function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}

const since = (windowMs: number) => ({ gte: new Date(Date.now() - windowMs) });

/**
 * Refuses a new conversation past the limits; otherwise records it. Counting and recording are
 * two statements, so processes racing at the limit may let one extra through: a brake, not a
 * ledger.
 */
export async function admitConversation(db: Db, limits: AbuseLimits, who: { ip: string; visitorId: string }): Promise<void> {
  const keys = [`conv:visitor:${who.visitorId}`];
  if (!isLoopback(who.ip)) keys.push(`conv:ip:${who.ip}`);
  const [byVisitor, byIp] = await Promise.all(keys.map((key) => db.abuseEvent.count({ where: { key, at: since(limits.conversationWindowMs) } })));
  if (byVisitor >= limits.conversationsPerVisitor || (byIp ?? 0) >= limits.conversationsPerIp) {
    throw new DomainError("rate_limited", "Too many new conversations from here; try again later");
  }
  await db.abuseEvent.createMany({ data: keys.map((key) => ({ key })) });
}

/** Visitor messages per conversation per minute, counted from the messages themselves. */
export async function admitVisitorMessage(db: Db, limits: AbuseLimits, conversationId: string): Promise<void> {
  const recent = await db.message.count({ where: { conversationId, authorKind: "visitor", createdAt: since(60_000) } });
  if (recent >= limits.messagesPerMinute) throw new DomainError("rate_limited", "You are sending messages too fast; wait a moment");
}

/** Drops counters older than any window (called from retention or tests). */
export async function pruneAbuseEvents(db: Db, limits: AbuseLimits): Promise<number> {
  return (await db.abuseEvent.deleteMany({ where: { at: { lt: new Date(Date.now() - limits.conversationWindowMs) } } })).count;
}

// Sign-in: after FREE_FAILURES consecutive failures each further one doubles the wait, capped,
// and attempts during the wait are refused without checking the password (so they neither
// extend it nor reveal anything). A success clears the account's count: an attacker can delay
// an agent by at most the cap, never lock them out for good.
export const FREE_FAILURES = 5;
export const ACCOUNT_CAP_MS = 15 * 60_000;
export const IP_CAP_MS = 60 * 60_000;

const accountKey = (email: string) => `login:account:${email.trim().toLowerCase()}`;
const ipKey = (ip: string) => `login:ip:${ip}`;

function backoffMs(failures: number, capMs: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(capMs, 1000 * 2 ** (failures - FREE_FAILURES));
}

/** Throws rate_limited (with the wait in seconds) while the account or the address is locked. */
export async function checkLogin(db: Db, who: { email: string; ip: string }): Promise<void> {
  const keys = [accountKey(who.email), ...(isLoopback(who.ip) ? [] : [ipKey(who.ip)])];
  const rows = await db.loginThrottle.findMany({ where: { key: { in: keys }, lockedUntil: { gt: new Date() } } });
  if (rows.length === 0) return;
  const until = Math.max(...rows.map((r) => r.lockedUntil.getTime()));
  const seconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
  throw new DomainError("rate_limited", `Too many failed sign-ins; try again in ${seconds} s`);
}

async function fail(db: Db, key: string, capMs: number): Promise<void> {
  // An atomic increment, so concurrent failures in several processes all count.
  const row = await db.loginThrottle.upsert({ where: { key }, create: { key, failures: 1 }, update: { failures: { increment: 1 } } });
  const wait = backoffMs(row.failures, capMs);
  if (wait > 0) await db.loginThrottle.update({ where: { key }, data: { lockedUntil: new Date(Date.now() + wait) } });
}

export async function recordLoginFailure(db: Db, who: { email: string; ip: string }): Promise<void> {
  await fail(db, accountKey(who.email), ACCOUNT_CAP_MS);
  if (!isLoopback(who.ip)) await fail(db, ipKey(who.ip), IP_CAP_MS);
}

export async function recordLoginSuccess(db: Db, who: { email: string }): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key: accountKey(who.email) } });
}

/** Blocks: by visitor, and optionally by the address they connect from. */
export async function blockVisitor(db: Db, input: { siteId: string; visitorId: string; ip: string | null; byAgentId: string }) {
  return db.visitorBlock.create({ data: { siteId: input.siteId, visitorId: input.visitorId, ip: input.ip, byAgentId: input.byAgentId } });
}

export async function unblockVisitor(db: Db, input: { siteId: string; visitorId: string }): Promise<number> {
  return (await db.visitorBlock.deleteMany({ where: { siteId: input.siteId, visitorId: input.visitorId } })).count;
}

export async function isBlocked(db: Db, who: { siteId: string; visitorId?: string | null; ip: string }): Promise<boolean> {
  const or = [{ ip: who.ip }, ...(who.visitorId ? [{ visitorId: who.visitorId }] : [])];
  return (await db.visitorBlock.count({ where: { siteId: who.siteId, OR: or } })) > 0;
}
