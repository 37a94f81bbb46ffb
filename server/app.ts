// createApp(config): builds the whole server (database, HTTP, Socket.IO, notifier) without
// listening, so tests and the CLI start it the same way on any port.
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as IoServer } from "socket.io";
import type { Express, Router } from "express";
import { DEFAULT_CONNECTION_RATE, type Config } from "./config.ts";
import { openDatabase, type Database } from "./db/client.ts";
import { migrate, migrationsFor } from "./db/migrate.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { MAX_PACKET_BYTES } from "./protocol.ts";
import { createAgent } from "./agents/service.ts";
import { setupToken } from "./auth/tokens.ts";
import { normalizeOrigin } from "./auth/origins.ts";
import { ensureDemoSite } from "./sites/service.ts";
import { createExpressApp } from "./http/express-app.ts";
import { Notifier } from "./realtime/notifier.ts";
import { MessageWriter } from "./conversations/message-writer.ts";
import { ConversationOpener } from "./conversations/opener.ts";
import { messageGuard } from "./realtime/message-guard.ts";
import { abuseLimits } from "./auth/abuse.ts";
import { Presence } from "./realtime/presence.ts";
import { setupVisitorNamespace } from "./realtime/visitor-namespace.ts";
import { setupAgentNamespace } from "./realtime/agent-namespace.ts";
import { rooms, type AgentNamespace, type VisitorNamespace } from "./realtime/types.ts";
import { startRetention } from "./transcripts/retention.ts";
import { startAbusePruning } from "./auth/abuse.ts";
import { startOrphanSweep } from "./attachments/service.ts";
import { WebhookDispatcher } from "./webhooks/dispatcher.ts";
import { webhookSettings } from "./webhooks/settings.ts";
import { attachRedis, type RedisLink } from "./scale/redis-link.ts";
import { countRefusals, limitConnections, LISTEN_BACKLOG, releasingOnRefusal } from "./scale/connection-limit.ts";

export interface ParleyApp {
  config: Config;
  httpServer: HttpServer;
  /** the Express app behind httpServer (tests walk its routes) */
  expressApp: Express;
  io: IoServer;
  database: Database;
  log: Logger;
  metrics: Metrics;
  notifier: Notifier;
  /** the console URL that creates the first admin; null once an agent exists */
  setupUrl: string | null;
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  /** routers other rooms contribute (mounted before static files and the API 404) */
  extraRoutes?: (app: { database: Database; config: Config; log: Logger }) => Router[];
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<ParleyApp> {
  const log = options.logger ?? createLogger(config.logLevel);
  const applied = await migrate(config.databaseUrl);
  if (applied.length) log.info({ migrations: applied }, "database migrated");
  const database = await openDatabase(config.databaseUrl, { checkpoints: { onError: (message) => log.warn({ message }, "SQLite background checkpoint failed") } });
  const db = database.prisma;
  const metrics = createMetrics();

  if (config.seedDemo) {
    const demo = await ensureDemoSite(db, config.publicUrl);
    if (demo) log.info({ siteKey: demo.key }, "Demo site created");
  }
  let setupUrl: string | null = null;
  if ((await db.agent.count()) === 0) {
    if (config.adminEmail && config.adminPassword) {
      const admin = await createAgent(db, { email: config.adminEmail, name: "Admin", role: "admin", password: config.adminPassword });
      log.info({ agentId: admin.id }, "admin created from PARLEY_ADMIN_EMAIL");
    } else {
      setupUrl = `${config.publicUrl}/console/setup?token=${setupToken(config.secret)}`;
    }
  }

  const migrationNames = migrationsFor(database.provider).map((m) => m.name);
  const readiness = {
    async check() {
      await db.$queryRawUnsafe("SELECT 1");
      const rows = await db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM "_parley_migrations"`);
      const have = new Set(rows.map((r) => r.name));
      const missing = migrationNames.filter((n) => !have.has(n));
      return missing.length ? `migrations pending: ${missing.join(", ")}` : null;
    },
    // Redis down is "degraded", not "unready": this process still serves its own sockets.
    degraded: () => redis?.problem() ?? null,
  };

  const expressApp = createExpressApp({
    db,
    config,
    log,
    metrics,
    readiness,
    extraRoutes: options.extraRoutes?.({ database, config, log }),
    // Called only after startup, when the /agent namespace below exists.
    adminHooks: { disconnectAgent: (agentId) => void agents.in(rooms.agent(agentId)).disconnectSockets(true) },
    live: () => ({ notifier, messages, kickWebhooks: () => webhooks.kick() }),
  });
  const httpServer = createServer(expressApp);
  const publicOrigin = normalizeOrigin(config.publicUrl);
  const io = new IoServer(httpServer, {
    maxHttpBufferSize: MAX_PACKET_BYTES,
    // Engine-level CORS is open because each namespace checks the origin itself: /visitor
    // against the site's allowed origins, /agent against Parley's own origin.
    cors: { origin: true, credentials: true },
    pingInterval: 20_000,
    pingTimeout: 20_000,
    // Only with REDIS_URL: the Redis Streams adapter keeps missed packets across processes.
    ...(config.redisUrl ? { connectionStateRecovery: { maxDisconnectionDuration: config.recoveryWindowMs, skipMiddlewares: false } } : {}),
  });
  let redis: RedisLink | null = null;
  if (config.redisUrl) redis = await attachRedis(io, { url: config.redisUrl, prefix: config.redisPrefix ?? "parley:" }, log);
  // Each namespace speaks its own event map (protocol.ts); Server<> can only carry one, so the
  // namespaces are typed here, once.
  const visitors = io.of("/visitor") as unknown as VisitorNamespace;
  const agents = io.of("/agent") as unknown as AgentNamespace;
  // First middleware on both namespaces: refuse past the handshake budget before any database work.
  limitConnections([visitors, agents], config.connectionRate ?? DEFAULT_CONNECTION_RATE, { onRefused: countRefusals(metrics) });
  agents.use(
    releasingOnRefusal((socket, next) => {
      const origin = socket.handshake.headers.origin;
      const host = socket.handshake.headers.host;
      const sameOrigin = !origin || origin === publicOrigin || (host !== undefined && normalizeOrigin(origin) !== null && new URL(origin).host === host);
      if (!sameOrigin) return next(Object.assign(new Error("Cross-origin console connections are refused"), { data: { code: "forbidden" } }));
      next();
    }),
  );

  const notifier = new Notifier(db, visitors, agents, metrics, log);
  // Ownership, membership and the visitor rate limit are checked per batch, in its transaction.
  const messages = new MessageWriter(db, messageGuard(abuseLimits()));
  const opener = new ConversationOpener(db, abuseLimits());
  const presence = new Presence(db, { graceMs: config.graceSeconds * 1000 }, notifier.routing, log);
  const visitorSide = setupVisitorNamespace(visitors, { db, config, log, metrics, notifier, messages, opener });
  setupAgentNamespace(agents, { db, config, log, metrics, notifier, presence, messages });

  const retention = startRetention(db, log);
  const abusePruning = startAbusePruning(db, log);
  const orphanSweep = startOrphanSweep(db, log);
  const webhooks = new WebhookDispatcher(db, webhookSettings(config.webhooks), log);
  webhooks.start();
  let closed = false;
  return {
    config,
    httpServer,
    expressApp,
    io,
    database,
    log,
    metrics,
    notifier,
    setupUrl,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        // A deep accept queue (Node's default is 511): after a restart thousands of clients connect
        // within a second, and connections the kernel drops come back only on TCP's own retry
        // schedule (1, 3, 7, 15 s...), which made the avalanche's tail.
        httpServer.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
          const addr = httpServer.address() as AddressInfo;
          const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
          resolve({ port: addr.port, url: `http://${shownHost}:${addr.port}` });
        });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      presence.close();
      // Tell clients first, so they reconnect with backoff instead of treating it as a failure.
      visitors.emit("server:shutdown");
      agents.emit("server:shutdown");
      await new Promise<void>((resolve) => io.close(() => resolve()));
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await opener.idle();
      await messages.idle();
      await visitorSide.idle();
      await presence.idle();
      await notifier.routing.close();
      await notifier.idle();
      await retention.stop();
      await abusePruning.stop();
      await orphanSweep.stop();
      await webhooks.stop();
      await redis?.close();
      await database.close();
    },
  };
}
