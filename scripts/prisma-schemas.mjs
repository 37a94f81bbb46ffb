// Keeps the per-provider Prisma artefacts in step with prisma/schema.prisma (the one source).
//   node scripts/prisma-schemas.mjs                 derive prisma/postgres/schema.prisma, generate both clients
//   node scripts/prisma-schemas.mjs --migration NAME  also write the next migration for both providers
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "prisma/schema.prisma");
const pgSchema = path.join(root, "prisma/postgres/schema.prisma");
const snapshot = path.join(root, "prisma/migrations/schema.snapshot.prisma");
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false", PRISMA_QUERY_ENGINE_LIBRARY: "/bin/false", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
const prismaBin = path.join(root, "node_modules/prisma/build/index.js");

export function derivePostgres(text) {
  return text
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('url      = "file:./unused.db"', 'url      = "postgresql://unused"')
    .replace("../server/db/generated/sqlite", "../../server/db/generated/postgres");
}

function prisma(args) {
  return execFileSync(process.execPath, [prismaBin, ...args], { cwd: root, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function main() {
  mkdirSync(path.join(root, "data"), { recursive: true });
  mkdirSync(path.dirname(pgSchema), { recursive: true });
  writeFileSync(pgSchema, derivePostgres(readFileSync(source, "utf8")));
  const i = process.argv.indexOf("--migration");
  if (i > 0) {
    const name = process.argv[i + 1];
    if (!name || !/^[a-z0-9_]+$/.test(name)) throw new Error("--migration needs a snake_case name");
    for (const provider of ["sqlite", "postgresql"]) {
      const dir = path.join(root, "prisma/migrations", provider);
      mkdirSync(dir, { recursive: true });
      const n = String(readdirSync(dir).filter((f) => f.endsWith(".sql")).length + 1).padStart(4, "0");
      const to = provider === "sqlite" ? source : pgSchema;
      let from = ["--from-empty"];
      if (existsSync(snapshot)) {
        const prev = path.join(root, "data", `snapshot.${provider}.prisma`);
        const text = readFileSync(snapshot, "utf8");
        writeFileSync(prev, provider === "sqlite" ? text : derivePostgres(text).replace("../../server", "../server"));
        from = ["--from-schema-datamodel", prev];
      }
      const sql = prisma(["migrate", "diff", ...from, "--to-schema-datamodel", to, "--script"]);
      writeFileSync(path.join(dir, `${n}_${name}.sql`), sql);
    }
    copyFileSync(source, snapshot);
  }
  prisma(["generate", "--schema", source]);
  prisma(["generate", "--schema", pgSchema]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
