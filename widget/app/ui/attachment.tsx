// An attachment in a message: images as thumbnails that open full size in an in-panel viewer,
// voice notes and other audio as an <audio> player with the duration, anything else as a card
// (name, size, type, download). The bytes need the visitor's bearer token, so they are fetched
// and shown through blob: URLs, revoked as soon as nothing shows them.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { AttachmentDto } from "../../../server/protocol.ts";
import { saveBlob } from "../client/save-blob.ts";
import { t } from "../i18n/t.ts";
import { duration, fileSize } from "./format.ts";
import { Icon } from "./icons.tsx";

export type LoadFile = (url: string) => Promise<Blob>;

/** A blob: URL of the attachment while the component shows it; false when it could not be fetched. */
function useBlobUrl(load: LoadFile, url: string): string | false | null {
  const [src, setSrc] = useState<string | false | null>(null);
  useEffect(() => {
    let live = true;
    let made: string | undefined;
    load(url).then(
      (blob) => {
        if (live) setSrc((made = URL.createObjectURL(blob)));
      },
      () => live && setSrc(false),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [url]);
  return src;
}

function Viewer({ src, name, onClose }: { src: string; name: string; onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  // Layout effect: focus moves in the same task the dialog appears (and goes back as it leaves).
  useLayoutEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    close.current?.focus();
    return () => back?.focus();
  }, []);
  return (
    <div
      class="vw"
      role="dialog"
      aria-modal="true"
      aria-label={name}
      onKeyDown={(e) => {
        // Escape closes the viewer only, not the whole chat.
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        } else if (e.key === "Tab") {
          e.preventDefault(); // the close button is the dialog's only control
        }
      }}
      onClick={onClose}
    >
      <img src={src} alt={name} />
      <button ref={close} type="button" class="ib" aria-label={t("closeImage")} title={t("closeImage")} onClick={onClose}>
        <Icon name="end" />
      </button>
    </div>
  );
}

function Media({ a, load }: { a: AttachmentDto; load: LoadFile }) {
  const src = useBlobUrl(load, a.url);
  const [full, setFull] = useState(false);
  if (src === false) return <p class="fc err">{t("fileFailed")}</p>;
  if (a.kind === "audio") {
    const label = a.durationMs ? t("voiceNote", { duration: duration(a.durationMs) }) : a.name;
    return (
      <div class="au">
        {src ? <audio controls preload="metadata" src={src} aria-label={label} /> : null}
        <span>{label}</span>
      </div>
    );
  }
  return (
    <>
      <button type="button" class="th" aria-label={t("openImage", { name: a.name })} onClick={() => setFull(true)} disabled={!src}>
        {src ? <img src={src} alt={a.name} /> : null}
      </button>
      {full && src ? <Viewer src={src} name={a.name} onClose={() => setFull(false)} /> : null}
    </>
  );
}

function FileCard({ a, load }: { a: AttachmentDto; load: LoadFile }) {
  const [failed, setFailed] = useState(false);
  return (
    <div class="fc">
      <span class="fi">
        <span class="fn" dir="auto">
          {a.name}
        </span>
        <span class="fs">{fileSize(a.size) + " · " + a.mime}</span>
        {failed ? <span class="fs" role="alert">{t("fileFailed")}</span> : null}
      </span>
      <button
        type="button"
        class="ib"
        aria-label={t("downloadFile", { name: a.name })}
        title={t("downloadFile", { name: a.name })}
        onClick={() => load(a.url + "?download=1").then((b) => saveBlob(b, a.name), () => setFailed(true))}
      >
        <Icon name="down" />
      </button>
    </div>
  );
}

export function Attachments({ list, load }: { list: readonly AttachmentDto[]; load: LoadFile }) {
  return (
    <ul class="at">
      {list.map((a) => (
        <li key={a.id}>{a.kind === "file" ? <FileCard a={a} load={load} /> : <Media a={a} load={load} />}</li>
      ))}
    </ul>
  );
}
