// Attachments, the domain side (no HTTP here): store an upload, decide who may read one, and sweep
// uploads no message claimed. Bytes are stored in the database (AttachmentBlob), which every
// process shares and which the backups, the retention purge and the conversation's cascade
// already cover; files are at most tens of megabytes, so no second storage service is needed.
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import { isBlocked, isLoopback } from "../auth/abuse.ts";
import { canAgentSeeSite, conversationFor, type Principal } from "../auth/policy.ts";
import type { AttachmentDto, AttachmentSettings, SiteSettings } from "../protocol.ts";
import { siteSettingsOf } from "../sites/settings.ts";
import { attachmentDtoSelect, toAttachmentDto } from "./dto.ts";
import { safeFileName } from "./names.ts";
import { sniff } from "./sniff.ts";
import type { BlobReader } from "./blobs.ts";

export const ORPHAN_MAX_AGE_MS = 24 * 3_600_000;
/** installation-wide cap on any site's per-file limit (PARLEY_ATTACHMENT_MAX_BYTES) */
export const DEFAULT_ATTACHMENT_CAP = 25 * 1024 * 1024;
/** a voice note longer than a day is not a voice note */
const MAX_DURATION_MS = 86_400_000;

export interface UploadLimits {
  /** uploads per uploader per minute (PARLEY_UPLOADS_PER_MINUTE, 30) */
  perUploaderPerMinute: number;
  /** uploads per client address per minute (PARLEY_UPLOADS_PER_IP_MINUTE, 60); loopback is not counted */
  perIpPerMinute: number;
  /** the installation's cap on a site's maxBytes (PARLEY_ATTACHMENT_MAX_BYTES, 25 MB) */
  capBytes: number;
  /** uploads one process receives at once (PARLEY_UPLOAD_CONCURRENCY, 8): memory stays under this × capBytes */
  concurrency: number;
  /** downloads one process serves at once (PARLEY_DOWNLOAD_CONCURRENCY, 8): each holds its file (and its hex) in memory */
  downloadConcurrency: number;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(n) && n > 0 ? n : fallback;
}

export function uploadLimits(env: NodeJS.ProcessEnv = process.env): UploadLimits {
  return {
    perUploaderPerMinute: positiveInt(env.PARLEY_UPLOADS_PER_MINUTE, 30),
    perIpPerMinute: positiveInt(env.PARLEY_UPLOADS_PER_IP_MINUTE, 60),
    capBytes: positiveInt(env.PARLEY_ATTACHMENT_MAX_BYTES, DEFAULT_ATTACHMENT_CAP),
    concurrency: positiveInt(env.PARLEY_UPLOAD_CONCURRENCY, 8),
    downloadConcurrency: positiveInt(env.PARLEY_DOWNLOAD_CONCURRENCY, 8),
  };
}

export interface Uploader {
  kind: "visitor" | "agent";
  id: string;
}

export function uploaderOf(p: Principal): Uploader {
  if (p.kind === "visitor") return { kind: "visitor", id: p.visitorId };
  if (p.kind === "agent") return { kind: "agent", id: p.agentId };
  throw new DomainError(p.kind === "anonymous" ? "unauthorized" : "forbidden", "Only the conversation's visitor or an agent may upload");
}

/** The site's attachment settings with the installation's cap applied. */
export function effectiveSettings(settings: AttachmentSettings, capBytes: number): AttachmentSettings {
  return { ...settings, maxBytes: Math.min(settings.maxBytes, capBytes) };
}

/** Settings as the widget sees them: the attachment limit it pre-checks is the one the server applies. */
export function withAttachmentCap(settings: SiteSettings, capBytes = uploadLimits().capBytes): SiteSettings {
  return { ...settings, attachments: effectiveSettings(settings.attachments, capBytes) };
}

export interface UploadTarget {
  conversationId: string;
  siteId: string;
  uploader: Uploader;
  settings: AttachmentSettings;
}

/**
 * Everything that can refuse an upload before its bytes are read: the caller's right to write in
 * the conversation, a closed conversation, a blocked visitor, attachments switched off, the rates.
 */
export async function prepareUpload(db: Db, p: Principal, input: { conversationId: string; ip: string; declaredBytes?: number }, limits: UploadLimits): Promise<UploadTarget> {
  const uploader = uploaderOf(p);
  const conv = await conversationFor(db, p, "conversation:write", input.conversationId);
  if (p.kind === "visitor" && (await isBlocked(db, { siteId: conv.siteId, visitorId: p.visitorId, ip: input.ip }))) {
    throw new DomainError("blocked", "You cannot send files here");
  }
  if (conv.status === "closed") throw new DomainError("conflict", "This conversation is closed");
  const site = await db.site.findUniqueOrThrow({ where: { id: conv.siteId }, select: { settings: true } });
  const settings = effectiveSettings(siteSettingsOf(site).attachments, limits.capBytes);
  if (!settings.enabled) throw new DomainError("forbidden", "This site does not take attachments");
  const target = { conversationId: conv.id, siteId: conv.siteId, uploader, settings };
  // Early answer when the uploader's unsent files already fill their allowance (the body is not
  // read); storeAttachment checks again, atomically, once the size is known.
  if ((await pendingBytes(db, uploader)) + Math.min(input.declaredBytes ?? 1, settings.maxBytes) > pendingCap(settings)) throw pendingRefusal(settings);
  await admitUpload(db, limits, { uploader, ip: input.ip });
  return target;
}

/** Unsent (unclaimed) upload bytes one uploader may hold at once: 3 files of the maximum size. */
export const PENDING_FILES = 3;
const pendingCap = (settings: AttachmentSettings) => PENDING_FILES * settings.maxBytes;
const pendingRefusal = (settings: AttachmentSettings) =>
  new DomainError("rate_limited", `Too many files waiting to be sent (at most ${pendingCap(settings)} bytes): send them in a message, or wait, before uploading more`);

async function pendingBytes(db: Db, uploader: Uploader): Promise<number> {
  const sum = await db.attachment.aggregate({ where: { uploaderKind: uploader.kind, uploaderId: uploader.id, messageId: null }, _sum: { size: true } });
  return sum._sum.size ?? 0;
}

/**
 * Per uploader and per address, counted in the database so every process counts the same
 * uploads. Record, then count what the window holds (own row included), and take the row back
 * when over: of racing requests, each one admitted saw every admitted one recorded before it,
 * so no more than the limit pass (at the edge, racers may all be refused; never all admitted).
 */
async function admitUpload(db: Db, limits: UploadLimits, who: { uploader: Uploader; ip: string }): Promise<void> {
  const since = { gte: new Date(Date.now() - 60_000) };
  const byUploader = `upload:${who.uploader.kind}:${who.uploader.id}`;
  const keys: [string, number][] = [[byUploader, limits.perUploaderPerMinute]];
  if (!isLoopback(who.ip)) keys.push([`upload:ip:${who.ip}`, limits.perIpPerMinute]);
  const rows = keys.map(([key]) => ({ id: `up_${randomBytes(12).toString("base64url")}`, key }));
  await db.abuseEvent.createMany({ data: rows });
  const counts = await Promise.all(keys.map(([key]) => db.abuseEvent.count({ where: { key, at: since } })));
  if (counts.some((n, i) => n > keys[i][1])) {
    await db.abuseEvent.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
    throw new DomainError("rate_limited", "Too many uploads; wait a minute");
  }
}

export function newAttachmentId(): string {
  // 144 random bits: the id is the handle in URLs, so it must not be guessable
  return `att_${randomBytes(18).toString("base64url")}`;
}

export interface UploadInput {
  name: string;
  durationMs: number | null;
  data: Uint8Array<ArrayBuffer>;
}

/** Stores a fully received upload after sniffing it; refused types never reach the database. */
export async function storeAttachment(db: Db, target: UploadTarget, input: UploadInput): Promise<AttachmentDto> {
  if (input.data.length === 0) throw new DomainError("bad_request", "The file is empty");
  if (input.data.length > target.settings.maxBytes) throw new DomainError("too_large", `Files may be at most ${target.settings.maxBytes} bytes`);
  const sniffed = sniff(input.data);
  if (!sniffed || !target.settings.types.includes(sniffed.category)) {
    throw new DomainError("unsupported_type", sniffed ? `This site does not take ${sniffed.category} files` : "This type of file is not accepted");
  }
  if (input.durationMs !== null && (!Number.isInteger(input.durationMs) || input.durationMs < 0 || input.durationMs > MAX_DURATION_MS)) {
    throw new DomainError("bad_request", "durationMs must be a whole number of milliseconds");
  }
  const id = newAttachmentId();
  // The bytes go in by a plain INSERT: Prisma's model create converts a Bytes value far more
  // slowly (measured ~2 s against ~0.4-1 s for 10 MiB). One transaction: metadata and bytes together.
  const [row] = await db.$transaction([
    db.attachment.create({
      data: {
        id,
        siteId: target.siteId,
        conversationId: target.conversationId,
        uploaderKind: target.uploader.kind,
        uploaderId: target.uploader.id,
        name: safeFileName(input.name, sniffed.mime),
        mime: sniffed.mime,
        size: input.data.length,
        sha256: createHash("sha256").update(input.data).digest("hex"),
        // only audio has a duration; a number sent with anything else is ignored
        durationMs: sniffed.category === "audio" ? input.durationMs : null,
      },
      select: attachmentDtoSelect,
    }),
    db.$executeRaw`INSERT INTO "AttachmentBlob" ("attachmentId", "data") VALUES (${id}, ${input.data})`,
  ]);
  // Stored, then the allowance counted with it (like admitUpload): parallel uploads cannot all
  // pass a check made before any of them was stored.
  if ((await pendingBytes(db, target.uploader)) > pendingCap(target.settings)) {
    await db.attachment.deleteMany({ where: { id, messageId: null } });
    throw pendingRefusal(target.settings);
  }
  return toAttachmentDto(row);
}

export interface StoredAttachment {
  dto: AttachmentDto;
  data: Uint8Array;
}

/** The scope an API token needs to read conversations (REST), and so their messages' attachments. */
export const ATTACHMENT_TOKEN_SCOPE = "conversations:read";

/**
 * The attachment and its bytes if `p` may read it: exactly the conversation's readers, once a
 * message holds it (never a private note's to a visitor); before that, only its uploader. API
 * tokens with the conversations:read scope read what the REST API shows them (every site's
 * messages, notes included; integrations get the URLs in webhooks and exports), never a pending
 * upload. Anything else is "not found", so ids cannot be probed.
 */
export async function readAttachment(db: Db, p: Principal, id: string, readBlob: BlobReader): Promise<StoredAttachment> {
  const missing = new DomainError("not_found", "No such attachment");
  if (p.kind === "anonymous") throw new DomainError("unauthorized", "Sign in or send the visitor token");
  if (p.kind === "token" && !p.scopes.includes(ATTACHMENT_TOKEN_SCOPE) && !p.scopes.includes("*")) {
    throw new DomainError("forbidden", `This token lacks the ${ATTACHMENT_TOKEN_SCOPE} scope`);
  }
  const row = await db.attachment.findUnique({
    where: { id },
    select: { ...attachmentDtoSelect, siteId: true, uploaderKind: true, uploaderId: true, messageId: true, message: { select: { note: true } }, conversation: { select: { visitorId: true } } },
  });
  if (!row) throw missing;
  const uploader = p.kind === "token" ? null : uploaderOf(p);
  const isUploader = uploader !== null && row.uploaderKind === uploader.kind && row.uploaderId === uploader.id;
  if (row.messageId === null && !isUploader) throw missing;
  // (tokens: every site; they are installation-wide, like the REST API they belong to)
  if (p.kind === "visitor") {
    if (row.siteId !== p.siteId || row.conversation.visitorId !== p.visitorId) throw missing;
    if (row.message?.note) throw missing;
  } else if (p.kind === "agent" && !(await canAgentSeeSite(db, p, row.siteId))) {
    throw missing;
  }
  const data = await readBlob(db, id);
  if (!data) throw missing;
  return { dto: toAttachmentDto(row), data };
}

/** Deletes uploads no message claimed within `maxAgeMs` (their bytes go by cascade). */
export async function sweepOrphans(db: Db, now = new Date(), maxAgeMs = ORPHAN_MAX_AGE_MS): Promise<number> {
  const res = await db.attachment.deleteMany({ where: { messageId: null, createdAt: { lt: new Date(now.getTime() - maxAgeMs) } } });
  return res.count;
}

export const ORPHAN_SWEEP_INTERVAL_MS = 3_600_000;

/**
 * The hourly orphan sweep (so an unclaimed upload is gone 24-25 h after it came). Every process
 * may run it: the delete is conditional, the second finds nothing left. Unref'd timers.
 */
export function startOrphanSweep(db: Db, log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void }, intervalMs = ORPHAN_SWEEP_INTERVAL_MS): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const run = () => {
    if (running) return;
    running = sweepOrphans(db)
      .then((n) => {
        if (n) log.info({ attachments: n }, "orphan uploads swept");
      })
      .catch((err: unknown) => log.error({ err }, "orphan upload sweep failed"))
      .finally(() => {
        running = null;
      });
  };
  const every = setInterval(run, intervalMs);
  every.unref();
  return {
    async stop() {
      clearInterval(every);
      await running;
    },
  };
}
