// `npm run build`: everything `npm start` and `npm test` need that is not committed:
// the Prisma clients (both providers) and the browser bundles (widget, console).
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execFileSync } from "node:child_process";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
execFileSync(process.execPath, [path.join(root, "scripts/prisma-schemas.mjs")], { stdio: "inherit", cwd: root });
// Each browser room owns its build (widget/build.mjs, console/build.mjs): default export, async.
for (const room of ["widget", "console"]) {
  const script = path.join(root, room, "build.mjs");
  if (existsSync(script)) await (await import(pathToFileURL(script).href)).default({ root, outDir: path.join(root, "dist", room) });
}
