#!/usr/bin/env node
// The `parley` command. Parley runs its TypeScript sources directly through tsx (no build step
// for the server), so what you read in server/ is what runs.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../server/cli.ts");
try {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (err) {
  const e = /** @type {{ code?: string, message?: string }} */ (err);
  process.stderr.write(`parley: ${e && e.code === "bad_request" ? e.message : (e && e.message) || String(err)}\n`);
  process.exit(1);
}
