// A second Parley server in its own process, for the "two processes, one database" test: forked
// with `node --import tsx` and the Config as JSON in argv; reports { port } over IPC and closes
// on the message "close".
import { createApp } from "../../server/app.ts";
import type { Config } from "../../server/config.ts";
import { createLogger } from "../../server/logger.ts";

const config = JSON.parse(process.argv[2]) as Config;
const app = await createApp(config, { logger: createLogger(config.logLevel) });
const { port } = await app.listen(0, "127.0.0.1");
process.send?.({ port });
process.on("message", (m) => {
  if (m !== "close") return;
  void app.close().finally(() => process.exit(0));
});
process.on("disconnect", () => void app.close().finally(() => process.exit(0)));
