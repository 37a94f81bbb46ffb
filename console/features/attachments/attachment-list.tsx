// A message's attachments: images as thumbnails that open full size in the page, audio inline
// with its duration, anything else as a card with name, size, type and a download link. The
// URLs are Parley's own (the session cookie authorises them), so they go straight into src/href.
// Names and types are the sender's strings: always rendered as text.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { AttachmentDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { durationText, sizeText } from "./sizes.ts";

export function AttachmentList({ items }: { items: readonly AttachmentDto[] }) {
  const [full, setFull] = useState<AttachmentDto | null>(null);
  if (items.length === 0) return null;
  return (
    <>
      <ul class="attachments" aria-label={t("attach.listLabel")}>
        {items.map((a) => (
          <li key={a.id} class={`attachment attachment-${a.kind}`} data-attachment={a.id}>
            {a.kind === "image" ? (
              <button type="button" class="thumb" onClick={() => setFull(a)} title={a.name} aria-label={t("attach.openImage", { name: a.name })}>
                <img src={a.url} alt={a.name} loading="lazy" />
              </button>
            ) : a.kind === "audio" ? (
              <AudioNote a={a} />
            ) : (
              <FileCard a={a} />
            )}
          </li>
        ))}
      </ul>
      {full && <Lightbox a={full} onClose={() => setFull(null)} />}
    </>
  );
}

function AudioNote({ a }: { a: AttachmentDto }) {
  return (
    <div class="audio-note">
      <audio controls preload="metadata" src={a.url} aria-label={t("attach.voiceNote")} />
      <span class="audio-duration muted">{a.durationMs !== null ? durationText(a.durationMs) : sizeText(a.size)}</span>
    </div>
  );
}

function FileCard({ a }: { a: AttachmentDto }) {
  return (
    <div class="file-card">
      <span class="file-name" dir="auto">
        {a.name}
      </span>
      <span class="file-meta muted">
        {sizeText(a.size)} · {a.mime}
      </span>
      <a class="file-download" href={`${a.url}?download=1`} download={a.name}>
        {t("attach.download")}
      </a>
    </div>
  );
}

/** Tab cycles between the dialog's own controls: it is modal. */
function trapTab(e: KeyboardEvent) {
  if (e.key !== "Tab") return;
  const controls = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>("a[href], button")];
  const at = controls.indexOf(document.activeElement as HTMLElement);
  e.preventDefault();
  controls[(at + (e.shiftKey ? controls.length - 1 : 1)) % controls.length]?.focus();
}

function Lightbox({ a, onClose }: { a: AttachmentDto; onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  // A layout effect: it runs as the dialog is added. A plain effect waits for the next frame, and
  // an Escape pressed before then (the image was cached, so the view was ready at once) was lost
  // and left the view open (attachments-cross e2e: 3 of 10 runs failed so, 0 of 6 after).
  useLayoutEffect(() => {
    // Focus moves into the dialog, and back to the thumbnail that opened it afterwards.
    const back = document.activeElement as HTMLElement | null;
    close.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    addEventListener("keydown", onKey);
    return () => {
      removeEventListener("keydown", onKey);
      back?.focus();
    };
  }, []);
  return (
    <div class="lightbox" role="dialog" aria-modal="true" aria-label={a.name} onClick={(e) => e.target === e.currentTarget && onClose()} onKeyDown={trapTab}>
      <figure>
        <img src={a.url} alt={a.name} class="lightbox-img" />
        <figcaption>
          <span dir="auto">{a.name}</span> · {sizeText(a.size)} ·{" "}
          <a href={`${a.url}?download=1`} download={a.name}>
            {t("attach.download")}
          </a>{" "}
          <button type="button" ref={close} onClick={onClose}>
            {t("attach.close")}
          </button>
        </figcaption>
      </figure>
    </div>
  );
}
