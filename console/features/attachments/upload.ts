// Step 1 of sending a file: the raw bytes to POST /api/v1/attachments. XMLHttpRequest rather than
// fetch because only XHR reports upload progress and can be aborted mid-body. The session cookie
// authenticates it; the CSRF header is what every cookie-authenticated write must carry.
import type { AttachmentDto, ErrorCode, ErrorResponse } from "../../../server/protocol.ts";
import { ApiError } from "../../lib/http.ts";

export interface UploadHandle {
  done: Promise<AttachmentDto>;
  abort(): void;
}

export const ABORTED = "aborted";

export function uploadAttachment(conversationId: string, file: Blob, name: string, onProgress: (fraction: number) => void, durationMs?: number): UploadHandle {
  const xhr = new XMLHttpRequest();
  const params = new URLSearchParams({ conversationId, name });
  if (durationMs !== undefined) params.set("durationMs", String(Math.max(0, Math.round(durationMs))));
  const done = new Promise<AttachmentDto>((resolve, reject) => {
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError("network", "", 0));
    xhr.ontimeout = () => reject(new ApiError("network", "", 0));
    xhr.onabort = () => reject(new Error(ABORTED));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status === 201 && data && typeof data === "object" && "attachment" in data) {
        onProgress(1);
        resolve((data as { attachment: AttachmentDto }).attachment);
        return;
      }
      const err = (data as ErrorResponse | null)?.error;
      reject(new ApiError((err?.code as ErrorCode | undefined) ?? statusCode(xhr.status), err?.message ?? "", xhr.status));
    };
  });
  xhr.open("POST", `/api/v1/attachments?${params.toString()}`);
  xhr.withCredentials = true;
  xhr.setRequestHeader("X-Parley-CSRF", "1");
  xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
  xhr.send(file);
  return { done, abort: () => xhr.abort() };
}

/** A reply without our JSON error (a proxy's 413 page, say) still gets a code the UI explains. */
function statusCode(status: number): ErrorCode {
  if (status === 413) return "too_large";
  if (status === 415) return "unsupported_type";
  if (status === 429) return "rate_limited";
  if (status === 409) return "conflict";
  return "internal";
}
