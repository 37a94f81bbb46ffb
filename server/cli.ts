// The `parley` command: serve, migrate, site add, agent add, token add, export, purge, retention.
import { parseArgs } from "node:util";
import { createInterface } from "node:readline/promises";
import { configFromEnv } from "./config.ts";
import { openDatabase } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import { createAgent } from "./agents/service.ts";
import { generatePassword } from "./auth/passwords.ts";
import { hashToken, newToken } from "./auth/tokens.ts";
import { createSite, embedSnippet } from "./sites/service.ts";
import { DomainError } from "./errors.ts";
import { exportCommand, purgeCommand, retentionCommand, TRANSCRIPT_USAGE } from "./transcripts/cli-commands.ts";

const USAGE = `Usage:
  parley serve [--workers N]           start the server (PORT, DATABASE_URL, ... from the environment);
                                       --workers: N processes behind a sticky primary on this machine
  parley migrate                       apply database migrations
  parley site add --name NAME --origin https://example.com [--origin ...]
  parley agent add --email E --name N [--role admin|agent] [--password P]
  parley token add --name N [--scope transcripts:read ...]
${TRANSCRIPT_USAGE}`;

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>["prisma"]) => Promise<T>): Promise<T> {
  const config = configFromEnv();
  await migrate(config.databaseUrl);
  const database = await openDatabase(config.databaseUrl);
  try {
    return await fn(database.prisma);
  } finally {
    await database.close();
  }
}

async function askPassword(): Promise<string> {
  if (!process.stdin.isTTY) return generatePassword();
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question("Password (leave empty to generate one): ")).trim();
  rl.close();
  return answer || generatePassword();
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (command === "serve") {
    const { values } = parseArgs({ args: argv.slice(1), options: { workers: { type: "string" } } });
    if (values.workers !== undefined) {
      const workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new DomainError("bad_request", "--workers must be a whole number from 1 to 64");
      const { serveWorkers } = await import("./scale/workers.ts");
      await serveWorkers(workers);
      return -1; // keep running
    }
    const { serve } = await import("./index.ts");
    await serve();
    return -1; // keep running
  }
  if (command === "migrate") {
    const applied = await migrate(configFromEnv().databaseUrl);
    console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Database is up to date.");
    return 0;
  }
  if (command === "site" && sub === "add") {
    const { values } = parseArgs({ args: rest, options: { name: { type: "string" }, origin: { type: "string", multiple: true } } });
    if (!values.name || !values.origin?.length) throw new DomainError("bad_request", "site add needs --name and at least one --origin");
    const config = configFromEnv();
    const site = await withDb((db) => createSite(db, { name: values.name as string, origins: values.origin as string[] }));
    console.log(`Site "${site.name}" created.\n  key: ${site.key}\n  embed snippet:\n    ${embedSnippet(config.publicUrl, site.key)}`);
    return 0;
  }
  if (command === "agent" && sub === "add") {
    const { values } = parseArgs({
      args: rest,
      options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string", default: "agent" }, password: { type: "string" } },
    });
    if (!values.email || !values.name) throw new DomainError("bad_request", "agent add needs --email and --name");
    if (values.role !== "admin" && values.role !== "agent") throw new DomainError("bad_request", "--role is admin or agent");
    const password = values.password ?? (await askPassword());
    const agent = await withDb((db) =>
      createAgent(db, { email: values.email as string, name: values.name as string, role: values.role as "admin" | "agent", password }),
    );
    console.log(`Agent ${agent.email} (${agent.role}) created.\n  password (shown once): ${password}`);
    return 0;
  }
  if (command === "token" && sub === "add") {
    const { values } = parseArgs({ args: rest, options: { name: { type: "string" }, scope: { type: "string", multiple: true } } });
    if (!values.name) throw new DomainError("bad_request", "token add needs --name");
    const token = newToken("pk_");
    await withDb((db) =>
      db.apiToken.create({ data: { name: values.name as string, tokenHash: hashToken(token), scopes: JSON.stringify(values.scope ?? ["transcripts:read"]) } }),
    );
    console.log(`API token "${values.name}" created (shown once):\n  ${token}`);
    return 0;
  }
  if (command === "export" || command === "purge" || command === "retention") {
    const run = { export: exportCommand, purge: purgeCommand, retention: retentionCommand }[command];
    return withDb((db) => run(db, argv.slice(1), { stdout: process.stdout, stderr: process.stderr }));
  }
  process.stderr.write(USAGE);
  return command === undefined || command === "help" || command === "--help" ? 0 : 2;
}
