// Entry: read the environment, build the app, listen, and shut down cleanly on SIGTERM/SIGINT.
import { configFromEnv } from "./config.ts";
import { createApp } from "./app.ts";

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = configFromEnv(env);
  const app = await createApp(config);
  const { url } = await app.listen();
  app.log.info({ url, database: config.databaseUrl.startsWith("file:") ? "sqlite" : "postgresql" }, "Parley is listening");
  process.stdout.write(`\nParley is running: ${config.publicUrl}\n  console: ${config.publicUrl}/console/\n  demo:    ${config.publicUrl}/demo\n`);
  if (app.setupUrl) process.stdout.write(`  create the first admin (one-time link): ${app.setupUrl}\n`);
  process.stdout.write("\n");
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
