// A real Parley server on an ephemeral loopback port, with its own database, for one test.
import { createApp, type ParleyApp } from "../../server/app.ts";
import type { Config } from "../../server/config.ts";
import { createLogger } from "../../server/logger.ts";
import { createAgent } from "../../server/agents/service.ts";
import { createSite } from "../../server/sites/service.ts";
import { tempDatabase, type DbKind, type TempDatabase } from "./databases.ts";

export interface TestServer {
  app: ParleyApp;
  url: string;
  port: number;
  database: TempDatabase;
  /** the Demo site's key (allowed origin: the server's own URL) */
  demoKey: string;
  close(): Promise<void>;
}

type StartOptions = { db?: DbKind; config?: Partial<Config>; logger?: import("../../server/logger.ts").Logger };

/**
 * The port is probed (port 0) before the app exists, because the Demo site's origin must name
 * it; another process can take it before we listen again, so EADDRINUSE means: start afresh.
 */
export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(opts);
    } catch (err) {
      if ((err as { code?: string }).code !== "EADDRINUSE" || attempt >= 5) throw err;
    }
  }
}

async function startServerOnce(opts: StartOptions): Promise<TestServer> {
  const database = await tempDatabase(opts.db ?? "sqlite");
  // The public URL must be known before the Demo site is seeded, so pick the port first.
  const probe = await import("node:net").then(
    (net) =>
      new Promise<number>((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
          const p = (s.address() as import("node:net").AddressInfo).port;
          s.close(() => resolve(p));
        });
      }),
  );
  const config: Config = {
    port: probe,
    host: "127.0.0.1",
    databaseUrl: database.url,
    redisUrl: null,
    publicUrl: `http://127.0.0.1:${probe}`,
    secret: "test-secret-" + probe,
    adminEmail: null,
    adminPassword: null,
    logLevel: process.env.TEST_LOG_LEVEL ?? "silent",
    seedDemo: true,
    graceSeconds: 60,
    rateBurst: 200,
    ratePerSecond: 100,
    recoveryWindowMs: 120_000,
    ...opts.config,
  };
  let app: ParleyApp | undefined;
  try {
    app = await createApp(config, { logger: opts.logger ?? createLogger(config.logLevel) });
    const { port } = await app.listen(config.port, config.host);
    const demo = await app.database.prisma.site.findFirstOrThrow({ where: { name: "Demo" } });
    const started = app;
    return {
      app,
      url: `http://127.0.0.1:${port}`,
      port,
      database,
      demoKey: demo.key,
      async close() {
        await started.close();
        await database.drop();
      },
    };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await database.drop();
    throw err;
  }
}

/** Creates an agent directly in the server's database. */
export async function addAgent(server: TestServer, input: { email: string; name?: string; role?: "admin" | "agent"; password?: string; maxChats?: number }) {
  const agent = await createAgent(server.app.database.prisma, {
    email: input.email,
    name: input.name ?? input.email.split("@")[0],
    role: input.role ?? "agent",
    password: input.password ?? "correct horse battery",
  });
  if (input.maxChats !== undefined) await server.app.database.prisma.agent.update({ where: { id: agent.id }, data: { maxChats: input.maxChats } });
  return agent;
}

export async function addSite(server: TestServer, name: string, origins: string[]) {
  return createSite(server.app.database.prisma, { name, origins });
}
