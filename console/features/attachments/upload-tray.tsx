// The files waiting to go with the next message: each with its progress, a cancel button, and
// the reason plus a retry button when its upload failed.
import { MAX_ATTACHMENTS_PER_MESSAGE } from "../../../server/protocol.ts";
import { t, type MessageKey } from "../../i18n/t.ts";
import { useStore } from "../../lib/store.ts";
import { cancelUpload, retryUpload, uploads, type UploadErrorCode, type UploadItem } from "./uploads.ts";
import { durationText, sizeText } from "./sizes.ts";

const EMPTY: UploadItem[] = [];

/** Refusals about the file or the chat, not the moment: retrying the same upload cannot help. */
const FINAL = new Set<UploadErrorCode>(["too_large", "unsupported_type", "conflict", "forbidden", "not_found", "unauthorized", "bad_request", "blocked"]);

/** Upload failures in words an agent can act on. */
export function uploadErrorText(code: UploadErrorCode): string {
  const known: UploadErrorCode[] = ["too_large", "unsupported_type", "rate_limited", "conflict", "network", "forbidden", "not_found", "unauthorized", "bad_request"];
  return t(`attach.error.${known.includes(code) ? code : "other"}` as MessageKey);
}

export function UploadTray({ conversationId }: { conversationId: string }) {
  const items = useStore(uploads, (s) => s.byConversation[conversationId] ?? EMPTY);
  const leftOut = useStore(uploads, (s) => s.leftOut[conversationId] ?? 0);
  return (
    <>
      {leftOut > 0 && (
        <p class="error upload-left-out" role="alert">
          {t("attach.tooMany", { max: MAX_ATTACHMENTS_PER_MESSAGE, count: leftOut })}
        </p>
      )}
      {items.length > 0 && (
        <ul class="upload-tray" aria-label={t("attach.trayLabel")}>
          {items.map((u) => (
            <TrayItem key={u.key} u={u} />
          ))}
        </ul>
      )}
    </>
  );
}

function TrayItem({ u }: { u: UploadItem }) {
  const percent = Math.round(u.progress * 100);
  return (
    <li class="upload" data-upload={u.status}>
      {u.preview && <img class="upload-preview" src={u.preview} alt="" />}
      <span class="upload-name" dir="auto">
        {u.name}
      </span>
      <span class="muted">{u.durationMs !== undefined ? durationText(u.durationMs) : sizeText(u.size)}</span>
      {u.status === "uploading" && (
        <progress max={100} value={percent} aria-label={t("attach.progress", { name: u.name })}>
          {percent}%
        </progress>
      )}
      {u.status === "done" && <span class="upload-done">{t("attach.ready")}</span>}
      {u.status === "failed" && u.error && (
        <>
          <span class="upload-error error" role="alert">
            {uploadErrorText(u.error)}
          </span>
          {!FINAL.has(u.error) && (
            <button type="button" onClick={() => retryUpload(u)}>
              {t("attach.retry")}
            </button>
          )}
        </>
      )}
      <button type="button" class="upload-cancel" onClick={() => cancelUpload(u)} aria-label={t(u.status === "uploading" ? "attach.cancel" : "attach.remove", { name: u.name })}>
        {u.status === "uploading" ? t("common.cancel") : t("common.remove")}
      </button>
    </li>
  );
}
