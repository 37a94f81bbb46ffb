// A Parley server in its own process, so the export test can watch this process's memory (and
// only the server's) while a client downloads from it. Driven over IPC by export-memory.test.ts.
import { createApp } from "../../server/app.ts";
import type { Config } from "../../server/config.ts";
import { createLogger } from "../../server/logger.ts";

type Command = { cmd: "mark" } | { cmd: "peak" } | { cmd: "close" };

const databaseUrl = process.env.PARLEY_TEST_DATABASE_URL;
if (!databaseUrl || !process.send) throw new Error("run me with fork() and PARLEY_TEST_DATABASE_URL");
const send = (m: object) => process.send?.(m);

const config: Config = {
  port: 0,
  host: "127.0.0.1",
  databaseUrl,
  redisUrl: null,
  publicUrl: "http://127.0.0.1",
  secret: "export-memory-test",
  adminEmail: null,
  adminPassword: null,
  logLevel: "error",
  seedDemo: false,
  graceSeconds: 60,
  rateBurst: 200,
  ratePerSecond: 100,
  recoveryWindowMs: 120_000,
};
const app = await createApp(config, { logger: createLogger("error") });
const { port } = await app.listen(0, "127.0.0.1");

let baseline = 0;
let peak = 0;
let sampler: NodeJS.Timeout | undefined;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage.rss());
};

process.on("message", (m: Command) => {
  if (m.cmd === "mark") {
    baseline = process.memoryUsage.rss();
    peak = baseline;
    sampler = setInterval(sample, 5);
    send({ baseline });
  } else if (m.cmd === "peak") {
    sample();
    clearInterval(sampler);
    send({ baseline, peak, heapUsed: process.memoryUsage().heapUsed });
  } else {
    void app.close().then(() => process.exit(0));
  }
});
send({ url: `http://127.0.0.1:${port}` });
