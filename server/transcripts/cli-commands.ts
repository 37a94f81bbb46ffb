// `parley export`, `parley purge` and `parley retention`: the transcript commands of the CLI.
// The CLI acts for whoever runs it on the server (they hold the database): every site, but
// never private notes, like an API token.
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import { TRANSCRIPT_SCOPE } from "./access.ts";
import { parseExportQuery, planExport } from "./export-filter.ts";
import { countExportMessages, countingMessages, csvChunks, exportTranscripts, ndjsonChunks } from "./export-stream.ts";
import { ProgressBar } from "./progress-bar.ts";
import { MAX_RETENTION_DAYS, purgeExpired, setRetentionDays } from "./retention.ts";

export const TRANSCRIPT_USAGE = `  parley export --format ndjson|csv [--from ISO] [--to ISO] [--site KEY] [--agent EMAIL]
                [--status queued|assigned|closed] [--tag T] [--bom] [--out FILE]
  parley purge                         delete transcripts past each site's retention
  parley retention --site KEY [--days N|off]   show or set a site's retention
`;

export interface CliIo {
  stdout: Writable;
  stderr: NodeJS.WriteStream;
}

function flags(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new DomainError("bad_request", (err as Error).message);
  }
}

export async function exportCommand(db: Db, args: string[], io: CliIo): Promise<number> {
  const values = flags(args, {
    format: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    site: { type: "string" },
    agent: { type: "string" },
    status: { type: "string" },
    tag: { type: "string" },
    bom: { type: "boolean" },
    out: { type: "string" },
  });
  const { out, bom, ...query } = values;
  const plan = await planExport(db, parseExportQuery({ ...query, bom: bom ? "1" : undefined }), { kind: "token", tokenId: "cli", scopes: [TRANSCRIPT_SCOPE] });
  const bar = io.stderr.isTTY ? new ProgressBar(io.stderr, await countExportMessages(db, plan), "messages") : null;
  let messages = 0;
  const events = countingMessages(exportTranscripts(db, plan), (n) => {
    messages += n;
    bar?.add(n);
  });
  // Byte mode: at most one chunk waits in the stream's buffer, however slow the destination.
  const source = Readable.from(plan.format === "csv" ? csvChunks(events, { bom: plan.bom }) : ndjsonChunks(events), { objectMode: false });
  const started = Date.now();
  if (typeof out === "string") {
    // Written beside the target and renamed at the end: a failed export leaves no half file.
    const partial = `${out}.partial`;
    try {
      await pipeline(source, createWriteStream(partial, { flags: "wx" }));
      await rename(partial, out);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  } else {
    await pipeline(source, io.stdout, { end: false });
  }
  bar?.finish();
  const seconds = (Date.now() - started) / 1000;
  if (typeof out === "string" || io.stderr.isTTY) {
    io.stderr.write(`Exported ${messages.toLocaleString("en")} messages in ${seconds.toFixed(1)} s${typeof out === "string" ? ` to ${out}` : ""}.\n`);
  }
  return 0;
}

export async function purgeCommand(db: Db, args: string[], io: CliIo): Promise<number> {
  flags(args, {});
  const results = await purgeExpired(db);
  if (!results.length) {
    io.stderr.write("No site has a retention period; nothing to purge.\n");
    return 0;
  }
  for (const r of results) {
    io.stdout.write(
      `${r.siteKey} (${r.retentionDays} days, closed before ${r.cutoff.toISOString()}): deleted ${r.conversations} conversations, ${r.messages} messages, ${r.visitors} visitors\n`,
    );
  }
  return 0;
}

export async function retentionCommand(db: Db, args: string[], io: CliIo): Promise<number> {
  const values = flags(args, { site: { type: "string" }, days: { type: "string" } });
  if (typeof values.site !== "string") throw new DomainError("bad_request", "retention needs --site KEY");
  if (typeof values.days === "string") {
    const days = values.days === "off" ? null : Number(values.days);
    if (days !== null && !/^\d+$/.test(values.days)) throw new DomainError("bad_request", `--days is a number of days (1 to ${MAX_RETENTION_DAYS}) or off`);
    await setRetentionDays(db, values.site, days);
  }
  const site = await db.site.findUnique({ where: { key: values.site }, select: { key: true, retentionDays: true } });
  if (!site) throw new DomainError("not_found", `No site with key ${values.site}`);
  io.stdout.write(`${site.key}: ${site.retentionDays ? `transcripts are deleted ${site.retentionDays} days after the conversation closed` : "transcripts are kept (no retention period)"}\n`);
  return 0;
}
