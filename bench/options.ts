// `npm run bench -- [--scenario NAME]... [--quick] [--db sqlite|postgres] [--redis] [--profile] [--out FILE]`
import { parseArgs } from "node:util";

export const SCENARIOS = ["idle", "latency", "throughput", "assignment", "reconnect", "widget"] as const;
/** run only when named (`--scenario attachments`), not in the default run */
export const OPTIONAL_SCENARIOS = ["attachments"] as const;
export type ScenarioName = (typeof SCENARIOS)[number] | (typeof OPTIONAL_SCENARIOS)[number];

export interface BenchOptions {
  scenarios: ScenarioName[];
  quick: boolean;
  db: "sqlite" | "postgres";
  postgresUrl: string;
  /** set with --redis: Parley runs with a Redis adapter (needs the scale-out work) */
  redisUrl: string | null;
  /** --cpu-prof on every Parley server child; profiles land in bench/results/profiles/ */
  profile: boolean;
  verbose: boolean;
  /** where the JSON goes (default bench/results/<date>.json) */
  out: string | null;
  workers: number;
}

export const USAGE = `Usage: npm run bench -- [options]
  --scenario NAME   run only this scenario (repeatable): ${SCENARIOS.join(", ")}; opt-in: ${OPTIONAL_SCENARIOS.join(", ")}
  --quick           small sizes (the smoke test's run)
  --db postgres     PostgreSQL (DATABASE_URL_PG or postgresql://postgres@127.0.0.1:5432/postgres; a fresh database per server)
  --redis           Parley with its Redis adapter (REDIS_URL_TEST or redis://127.0.0.1:6379)
  --profile         write --cpu-prof profiles of the Parley server children to bench/results/profiles/
  --out FILE        write the JSON results there instead of bench/results/<date>.json
  --verbose         server logs at info
`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: "string", multiple: true },
      quick: { type: "boolean", default: false },
      db: { type: "string", default: "sqlite" },
      redis: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const scenarios = (values.scenario ?? [...SCENARIOS]).map((s) => {
    if (![...SCENARIOS, ...OPTIONAL_SCENARIOS].includes(s as ScenarioName)) throw new Error(`unknown scenario "${s}" (one of: ${[...SCENARIOS, ...OPTIONAL_SCENARIOS].join(", ")})`);
    return s as ScenarioName;
  });
  if (values.db !== "sqlite" && values.db !== "postgres") throw new Error(`--db is sqlite or postgres, not "${values.db}"`);
  const pgUrl = env.DATABASE_URL_PG || "postgresql://postgres@127.0.0.1:5432/postgres";
  const redisUrl = values.redis ? env.REDIS_URL_TEST || "redis://127.0.0.1:6379" : null;
  for (const [what, url] of [
    ["PostgreSQL", values.db === "postgres" ? pgUrl : null],
    ["Redis", redisUrl],
  ] as const) {
    if (url && !isLoopback(url)) throw new Error(`${what} URL must point to loopback (127.0.0.1, localhost, ::1): ${url}`);
  }
  return {
    scenarios: [...new Set(scenarios)],
    quick: values.quick,
    db: values.db,
    postgresUrl: pgUrl,
    redisUrl,
    profile: values.profile,
    verbose: values.verbose,
    out: values.out ?? null,
    workers: 2,
  };
}

/** Bench traffic stays on this machine. */
function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host === "::1";
}
