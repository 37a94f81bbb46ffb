// Configuration: one plain object built from the environment (or by tests), so createApp()
// never reads process.env itself.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseAllowHosts, type WebhookSettings } from "./webhooks/settings.ts";

export interface ConnectionRate {
  /** handshakes accepted at once */
  burst: number;
  /** refill per second */
  perSecond: number;
}

/**
 * Generous on purpose: the limit is there to shed a crowd the process cannot take, not to pace
 * one it can (at the former 200 a second, 5,000 returning widgets needed 23 s by arithmetic
 * alone; at 1,000 a second the rate limit, not the server, set the pace once handshakes got cheap:
 * reconnect bench p95 7.5 s against 5.8 s at 10,000, three runs each). What protects the database
 * is the cap on handshakes in flight (scale/connection-limit.ts). PARLEY_CONNECTION_BURST / PARLEY_CONNECTIONS_PER_SECOND
 * lower it for small machines.
 */
export const DEFAULT_CONNECTION_RATE: ConnectionRate = { burst: 5_000, perSecond: 5_000 };

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string | null;
  /** base URL used in snippets and as the Demo site's allowed origin */
  publicUrl: string;
  /** signs setup links; never logged or sent to a browser */
  secret: string;
  adminEmail: string | null;
  adminPassword: string | null;
  logLevel: string;
  /** create the Demo site on a fresh database */
  seedDemo: boolean;
  /** seconds an agent keeps chats after losing the connection */
  graceSeconds: number;
  /** per-connection event budget: `rateBurst` events, refilled at `ratePerSecond` */
  rateBurst: number;
  ratePerSecond: number;
  /** how long clients may be disconnected and still get missed packets from Socket.IO's own recovery */
  recoveryWindowMs: number;
  /** webhook delivery (server/webhooks/settings.ts); omitted fields take the defaults */
  webhooks?: Partial<WebhookSettings>;
  /** Redis stream/key prefix (PARLEY_REDIS_PREFIX), so installations or tests can share one Redis */
  redisPrefix?: string;
  /** per-process handshake budget (server/scale/connection-limit.ts); omitted: the default */
  connectionRate?: ConnectionRate;
}

export const DEFAULT_DATABASE_URL = "file:./data/parley.db";

/** Directory the embedded database lives in; PARLEY_SECRET is generated there when absent. */
export function dataDirFor(databaseUrl: string): string {
  if (databaseUrl.startsWith("file:")) return path.dirname(path.resolve(databaseUrl.slice("file:".length)));
  return path.resolve("data");
}

function readOrCreateSecret(dir: string): string {
  const file = path.join(dir, "secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
  return secret;
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intFrom(env.PORT, 3000, "PORT");
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  return {
    port,
    host: env.HOST || "0.0.0.0",
    databaseUrl,
    redisUrl: env.REDIS_URL || null,
    publicUrl: (env.PARLEY_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ""),
    secret: env.PARLEY_SECRET || readOrCreateSecret(dataDirFor(databaseUrl)),
    adminEmail: env.PARLEY_ADMIN_EMAIL || null,
    adminPassword: env.PARLEY_ADMIN_PASSWORD || null,
    logLevel: env.LOG_LEVEL || "info",
    seedDemo: true,
    graceSeconds: intFrom(env.PARLEY_GRACE_SECONDS, 60, "PARLEY_GRACE_SECONDS"),
    rateBurst: 40,
    ratePerSecond: 10,
    recoveryWindowMs: 2 * 60_000,
    webhooks: { allowHosts: parseAllowHosts(env.PARLEY_WEBHOOK_ALLOW_HOSTS) },
    redisPrefix: env.PARLEY_REDIS_PREFIX || "parley:",
    connectionRate: {
      burst: intFrom(env.PARLEY_CONNECTION_BURST, DEFAULT_CONNECTION_RATE.burst, "PARLEY_CONNECTION_BURST"),
      perSecond: intFrom(env.PARLEY_CONNECTIONS_PER_SECOND, DEFAULT_CONNECTION_RATE.perSecond, "PARLEY_CONNECTIONS_PER_SECOND"),
    },
  };
}
