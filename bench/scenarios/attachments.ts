// attachments: one visitor uploads N files of 10 MiB (the default per-file limit) one after the
// other over loopback, then downloads each back and checks its sha256. Reports MB/s and p50/p95
// per upload and per download. Baseline: the same bytes POSTed to a bare node:http server (its
// own process, like Parley's) that discards them. Opt-in: `--scenario attachments`.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { io } from "socket.io-client";
import type { Harness } from "../harness.ts";
import { row, type ScenarioOutcome } from "../report.ts";
import { summarize } from "../stats.ts";
import type { Ack, AttachmentDto, ConversationDto, VisitorSessionDto } from "../../server/protocol.ts";

const FILE_BYTES = 10 * 1024 * 1024;
const MB = 1024 * 1024;

/** A file Parley takes (a PDF header, then random bytes: nothing compresses or dedupes it). */
function makeFile(): Buffer {
  return Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(FILE_BYTES - 9)]);
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

interface Timings {
  uploadMs: number[];
  downloadMs: number[];
  failures: string[];
}

async function measureParley(h: Harness, files: Buffer[]): Promise<Timings> {
  const db = await h.database();
  const server = await h.startServer("attachments", "parley", db);
  const socket = io(`${server.url}/visitor`, { auth: { siteKey: server.siteKey }, extraHeaders: { origin: server.url }, transports: ["websocket"], reconnection: false, forceNew: true });
  const t: Timings = { uploadMs: [], downloadMs: [], failures: [] };
  try {
    const session = await new Promise<VisitorSessionDto>((resolve, reject) => {
      socket.once("session", resolve);
      socket.once("connect_error", reject);
    });
    const opened = (await socket.timeout(30_000).emitWithAck("conversation:open", { clientId: "bench" })) as Ack<{ conversation: ConversationDto }>;
    if (!opened.ok) throw new Error(`open: ${opened.error.code}`);
    const conversationId = opened.data.conversation.id;
    const auth = { authorization: `Bearer ${session.token}` };
    const stored: AttachmentDto[] = [];
    for (const [i, file] of files.entries()) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/v1/attachments?conversationId=${conversationId}&name=file-${i}.pdf`, { method: "POST", headers: auth, body: new Uint8Array(file) });
      const body = (await res.json()) as { attachment?: AttachmentDto; error?: { code: string } };
      t.uploadMs.push(performance.now() - t0);
      if (res.status !== 201 || !body.attachment) t.failures.push(`upload ${i}: ${res.status} ${body.error?.code ?? ""}`);
      else stored.push(body.attachment);
    }
    // Attach them (so the download is the ordinary, claimed case), ten per message.
    for (let i = 0; i < stored.length; i += 10) {
      const ack = (await socket.timeout(30_000).emitWithAck("message:send", { conversationId, clientId: `m${i}`, body: "", attachmentIds: stored.slice(i, i + 10).map((a) => a.id) })) as Ack<unknown>;
      if (!ack.ok) t.failures.push(`message: ${ack.error.code}`);
    }
    for (const [i, a] of stored.entries()) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}${a.url}`, { headers: auth });
      const bytes = new Uint8Array(await res.arrayBuffer());
      t.downloadMs.push(performance.now() - t0);
      if (res.status !== 200 || sha(bytes) !== sha(files[i])) t.failures.push(`download ${i}: ${res.status}, sha256 ${sha(bytes) === sha(files[i]) ? "ok" : "differs"}`);
    }
    return t;
  } finally {
    socket.disconnect();
    await server.stop();
    await db.drop();
  }
}

const BARE = `require("node:http").createServer((req, res) => { req.resume(); req.on("end", () => res.end("{}")); }).listen(0, "127.0.0.1", function () { console.log(this.address().port); });`;

async function measureBare(files: Buffer[]): Promise<number[]> {
  const child = spawn(process.execPath, ["-e", BARE], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", (l) => resolve(Number(l)));
      child.once("exit", () => reject(new Error("bare http server exited")));
    });
    const ms: number[] = [];
    for (const file of files) {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: new Uint8Array(file) });
      await res.arrayBuffer();
      ms.push(performance.now() - t0);
    }
    return ms;
  } finally {
    child.kill();
  }
}

const mbPerSecond = (ms: number[]) => (ms.length * FILE_BYTES) / MB / (ms.reduce((s, x) => s + x, 0) / 1000);

export async function attachments(h: Harness): Promise<ScenarioOutcome> {
  const n = h.quick ? 3 : 20;
  const files = Array.from({ length: n }, makeFile);
  const parley = await measureParley(h, files);
  const bare = await measureBare(files);
  const up = summarize(parley.uploadMs);
  const down = summarize(parley.downloadMs);
  const base = summarize(bare);
  return {
    baseline: "bare node:http server discarding the same bytes",
    rows: [
      row(`upload throughput (${n} × 10 MiB, sequential)`, "MB/s", mbPerSecond(parley.uploadMs), mbPerSecond(bare)),
      row("upload p50", "ms", up.p50, base.p50),
      row("upload p95", "ms", up.p95, base.p95),
      row("download throughput (sha256 checked)", "MB/s", mbPerSecond(parley.downloadMs), null),
      row("download p50", "ms", down.p50, null),
      row("download p95", "ms", down.p95, null),
    ],
    delivery: null,
    failures: parley.failures,
    skipped: null,
    details: { files: n, fileBytes: FILE_BYTES, parley, bare },
  };
}
