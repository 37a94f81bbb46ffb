// Abuse limits kept in the database, so every process behind the load balancer counts the same
// events: new conversations per IP and per visitor, visitor messages per conversation, sign-in
// backoff per account and per IP, and agents' visitor blocks.
import { createHmac, randomBytes } from "node:crypto";
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { DomainError } from "../errors.ts";
import { KeyedBuckets } from "./rate-limit.ts";
import { safeEqualHex } from "./tokens.ts";

export interface AbuseLimits {
  conversationsPerIp: number;
  conversationsPerVisitor: number;
  conversationWindowMs: number;
  messagesPerMinute: number;
  /** visitor messages per client address per minute, all conversations together */
  messagesPerIpPerMinute: number;
}

const HOUR = 3_600_000;

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * PARLEY_CONVERSATIONS_PER_IP (6), PARLEY_CONVERSATIONS_PER_VISITOR (20),
 * PARLEY_CONVERSATION_WINDOW_HOURS (12), PARLEY_MESSAGES_PER_MINUTE (120),
 * PARLEY_MESSAGES_PER_IP_PER_MINUTE (600: an office behind one NAT chats on several sites).
 */
export function abuseLimits(env: NodeJS.ProcessEnv = process.env): AbuseLimits {
  return {
    conversationsPerIp: positiveInt(env.PARLEY_CONVERSATIONS_PER_IP, 6),
    conversationsPerVisitor: positiveInt(env.PARLEY_CONVERSATIONS_PER_VISITOR, 20),
    conversationWindowMs: positiveInt(env.PARLEY_CONVERSATION_WINDOW_HOURS, 12) * HOUR,
    messagesPerMinute: positiveInt(env.PARLEY_MESSAGES_PER_MINUTE, 120),
    messagesPerIpPerMinute: positiveInt(env.PARLEY_MESSAGES_PER_IP_PER_MINUTE, 600),
  };
}

/**
 * Loopback clients are the machine itself (tests, health checks, a proxy that did not forward
 * the address); a reverse proxy passes the real address, which is what gets counted.
 */
export function isLoopback(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}

// New conversations per visitor and per address are admitted by conversations/opener.ts, in the
// transaction that creates them.

/**
 * Visitor messages per client address, over all their conversations and sockets. Kept in this
 * process's memory so a message costs no I/O for it: behind N processes an address gets up to N
 * times the budget (sticky sessions keep a socket's messages on one process).
 */
export function ipMessageLimiter(limits: AbuseLimits): (ip: string) => void {
  const buckets = new KeyedBuckets(limits.messagesPerIpPerMinute, limits.messagesPerIpPerMinute / 60, 50_000);
  return (ip) => {
    if (!isLoopback(ip) && !buckets.take(ip)) throw new DomainError("rate_limited", "Too many messages from your network; wait a moment");
  };
}

/**
 * Drops counters no limit reads any more: conversation events older than their window, expired
 * request windows (hitWindow), and sign-in rows unlocked and untouched for a day.
 */
export async function pruneAbuseEvents(db: Db, limits: AbuseLimits): Promise<number> {
  const now = Date.now();
  const events = await db.abuseEvent.deleteMany({ where: { at: { lt: new Date(now - limits.conversationWindowMs) } } });
  const rows = await db.loginThrottle.deleteMany({
    where: {
      lockedUntil: { lt: new Date(now) },
      OR: [{ key: { startsWith: WINDOW_PREFIX } }, { updatedAt: { lt: new Date(now - 24 * HOUR) } }],
    },
  });
  return events.count + rows.count;
}

export const ABUSE_PRUNE_INTERVAL_MS = 10 * 60_000;

/** Prunes every ABUSE_PRUNE_INTERVAL_MS (and once soon after start) until stopped. */
export function startAbusePruning(db: Db, log: Logger, intervalMs = ABUSE_PRUNE_INTERVAL_MS): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = pruneAbuseEvents(db, abuseLimits()).then(
      (n) => n > 0 && log.debug({ rows: n }, "abuse counters pruned"),
      (err: unknown) => log.warn({ err }, "abuse counter pruning failed"),
    );
  };
  const first = setTimeout(run, Math.min(intervalMs, 60_000));
  const timer = setInterval(run, intervalMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}

// Fixed-window request counters shared by every process (rows of LoginThrottle keyed by the
// window, their lockedUntil the window's end so pruning knows when they are dead). One atomic
// upsert per call: for sign-in attempts and REST calls, never for chat messages.
const WINDOW_PREFIX = "rate:";

/** Counts a hit on `key` in the current window; rate_limited past `limit` hits. */
export async function hitWindow(db: Db, key: string, windowMs: number, limit: number, message: string): Promise<void> {
  const slot = Math.floor(Date.now() / windowMs);
  const id = `${WINDOW_PREFIX}${key}:${slot}`;
  const row = await db.loginThrottle.upsert({
    where: { key: id },
    create: { key: id, failures: 1, lockedUntil: new Date((slot + 1) * windowMs) },
    update: { failures: { increment: 1 } },
  });
  if (row.failures > limit) throw new DomainError("rate_limited", message);
}

// Sign-in: after FREE_FAILURES consecutive failures each further one doubles the wait, capped,
// and attempts during the wait are refused without checking the password (so they neither
// extend it nor reveal anything). A success clears the count. An attacker who keeps failing can
// keep the account locked for browsers it has never signed in from, but not for its owner's
// (device cookies, below).
export const FREE_FAILURES = 5;
export const ACCOUNT_CAP_MS = 15 * 60_000;
export const IP_CAP_MS = 60 * 60_000;

const normalEmail = (email: string) => email.trim().toLowerCase();
const accountKey = (email: string) => `login:account:${normalEmail(email)}`;
const ipKey = (ip: string) => `login:ip:${ip}`;

// Device cookies (OWASP "slow down online guessing attacks with device cookies"): a browser that
// signed in to an account before gets a cookie bound to that account, and its attempts count on
// their own key instead of the account's. So failures from anywhere else can lock the account for
// strangers, but never keep its owner out: their browser is not subject to that lock.
export const DEVICE_COOKIE = "parley_device";
export const DEVICE_TTL_MS = 180 * 24 * HOUR;

const deviceMac = (secret: string, email: string, nonce: string) =>
  createHmac("sha256", secret).update(`device:${normalEmail(email)}:${nonce}`).digest("hex");

/** A new device cookie value for a browser that just signed in to `email`. */
export function deviceCookie(secret: string, email: string): string {
  const nonce = randomBytes(16).toString("hex");
  return `${nonce}.${deviceMac(secret, email, nonce)}`;
}

/** The device's id when `cookie` was issued for `email` by this server, else null. */
export function trustedDevice(secret: string, email: string, cookie: string | undefined): string | null {
  const [nonce, mac] = (cookie ?? "").split(".");
  if (!nonce || !mac || !/^[0-9a-f]{32}$/.test(nonce)) return null;
  return safeEqualHex(mac, deviceMac(secret, email, nonce)) ? nonce : null;
}

export interface LoginAttempt {
  email: string;
  ip: string;
  /** trustedDevice() of the attempt's device cookie */
  device?: string | null;
}

/** The key the attempt's failures count on: its trusted device, else the account. */
const attemptKey = (who: LoginAttempt) => (who.device ? `login:device:${who.device}` : accountKey(who.email));

function backoffMs(failures: number, capMs: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(capMs, 1000 * 2 ** (failures - FREE_FAILURES));
}

/** Throws rate_limited (with the wait in seconds) while the account or the address is locked. */
export async function checkLogin(db: Db, who: LoginAttempt): Promise<void> {
  const keys = [attemptKey(who), ...(isLoopback(who.ip) ? [] : [ipKey(who.ip)])];
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

export async function recordLoginFailure(db: Db, who: LoginAttempt): Promise<void> {
  await fail(db, attemptKey(who), ACCOUNT_CAP_MS);
  if (!isLoopback(who.ip)) await fail(db, ipKey(who.ip), IP_CAP_MS);
}

export async function recordLoginSuccess(db: Db, who: LoginAttempt): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key: { in: [accountKey(who.email), attemptKey(who)] } } });
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
