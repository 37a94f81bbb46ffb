// Attachment uploads (docs/attachments.md): step 1 posts the raw bytes with XMLHttpRequest (for
// upload progress and abort, which fetch cannot give); step 2 is the message that references the
// uploaded ids (chat-client's send). No UI here.
import type { AttachmentCategory, AttachmentDto, AttachmentSettings } from "../../../server/protocol.ts";

/** Why an upload did not succeed; "network" when no answer came, "other" for anything unexpected. */
export type UploadError = "too_large" | "unsupported_type" | "rate_limited" | "blocked" | "conflict" | "network" | "other";

const KNOWN = new Set<string>(["too_large", "unsupported_type", "rate_limited", "blocked", "conflict"]);

export interface UploadRequest {
  conversationId: string;
  token: string;
  name: string;
  body: Blob;
  durationMs?: number;
  /** fraction sent, 0..1 */
  onProgress(sent: number): void;
}

export interface Upload {
  done: Promise<AttachmentDto>;
  abort(): void;
}

/** Rejects with an UploadError; an aborted upload rejects with "aborted". */
export function upload(req: UploadRequest): Upload {
  const xhr = new XMLHttpRequest();
  const q = `conversationId=${encodeURIComponent(req.conversationId)}&name=${encodeURIComponent(req.name)}` + (req.durationMs !== undefined ? `&durationMs=${Math.round(req.durationMs)}` : "");
  const done = new Promise<AttachmentDto>((resolve, reject) => {
    xhr.open("POST", "/api/v1/attachments?" + q);
    xhr.setRequestHeader("Authorization", "Bearer " + req.token);
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => e.lengthComputable && req.onProgress(e.loaded / e.total);
    xhr.onload = () => {
      const data = xhr.response as { attachment?: AttachmentDto; error?: { code?: string } } | null;
      if (xhr.status === 201 && data?.attachment) return resolve(data.attachment);
      const code = data?.error?.code ?? "";
      // forbidden: the site turned attachments off since the page loaded; same sentence as blocked
      reject(KNOWN.has(code) ? code : code === "forbidden" ? "blocked" : xhr.status === 413 ? "too_large" : "other");
    };
    xhr.onerror = xhr.ontimeout = () => reject("network");
    xhr.onabort = () => reject("aborted");
    xhr.send(req.body);
  });
  return { done, abort: () => xhr.abort() };
}

/**
 * What the browser claims a file is, for the pre-check only (the server sniffs the bytes and
 * decides). null: no idea, let the server say.
 */
export function claimedCategory(type: string): AttachmentCategory | "refused" | null {
  if (/^image\/(png|jpeg|gif|webp)$/.test(type)) return "image";
  if (type === "application/pdf") return "pdf";
  if (type.startsWith("audio/")) return "audio";
  if (/officedocument|msword|ms-excel|ms-powerpoint|opendocument/.test(type)) return "office";
  // Markup and programs are never accepted (an SVG or HTML file could run script).
  if (/html|xml|svg|javascript|ecmascript|executable|msdownload|x-sh$|x-msi|zip|x-mach/.test(type)) return "refused";
  if (type.startsWith("text/")) return "text";
  return null;
}

/** The pre-check against the site's settings: an error to show at once, or null to try. */
export function precheck(file: Blob, settings: AttachmentSettings): UploadError | null {
  if (file.size > settings.maxBytes) return "too_large";
  const category = claimedCategory(file.type);
  if (category === "refused" || (category && !settings.types.includes(category))) return "unsupported_type";
  return null;
}
