// The files attached to the message being written: each uploads at once (progress, cancel,
// retry), and the message can go only when every one of them has been uploaded, so a message is
// never sent without a file the visitor meant to send with it.
import { useEffect, useRef, useState } from "preact/hooks";
import type { AttachmentDto, AttachmentSettings } from "../../../server/protocol.ts";
import type { ChatClient, OpenFailure } from "../client/chat-client.ts";
import { precheck, upload, type UploadError } from "../client/uploads.ts";
import { t } from "../i18n/t.ts";
import type { MessageKey } from "../i18n/en.ts";
import { fileSize } from "./format.ts";
import { Icon } from "./icons.tsx";

export interface NewFile {
  body: Blob;
  name: string;
  durationMs?: number;
}

interface Item extends NewFile {
  key: number;
  /** fraction uploaded */
  progress: number;
  status: "up" | "ok" | "bad";
  error?: UploadError;
  /** the conversation this first file needed was refused: said like a refused message */
  refused?: { reason: Exclude<OpenFailure["reason"], "network">; retry: boolean };
  done?: AttachmentDto;
  abort?: () => void;
}

const MESSAGES: Record<UploadError, MessageKey> = {
  too_large: "upTooLarge",
  unsupported_type: "upType",
  rate_limited: "upRate",
  blocked: "upBlocked",
  conflict: "upClosed",
  network: "upNetwork",
  other: "upOther",
};
// A retry can help only when the refusal was about the moment, not the file.
const RETRYABLE = new Set<UploadError>(["rate_limited", "network", "other"]);

/** MAX_ATTACHMENTS_PER_MESSAGE in server/protocol.ts (browser code imports types only from there) */
const MAX_FILES = 10;
let seq = 0;

export function useTray(client: ChatClient, settings: AttachmentSettings) {
  const [items, setItems] = useState<Item[]>([]);
  const [said, say] = useState("");
  const live = useRef(items);
  live.current = items;
  const patch = (key: number, p: Partial<Item>) => setItems((list) => list.map((i) => (i.key === key ? { ...i, ...p } : i)));

  const begin = async (item: Item) => {
    // A visitor's first file opens the conversation it will belong to; removing the file
    // meanwhile means no upload follows.
    let removed = false;
    patch(item.key, { status: "up", progress: 0, error: undefined, refused: undefined, abort: () => (removed = true) });
    const failed = await client.openForFiles();
    if (removed) return;
    // No answer at all reads like an upload cut off; a refusal like a refused first message.
    if (failed) return patch(item.key, failed.reason === "network" ? { status: "bad", error: "network", abort: undefined } : { status: "bad", refused: { reason: failed.reason, retry: failed.retry }, abort: undefined });
    const conv = client.get().conversation;
    const token = client.token();
    if (!conv || !token) return patch(item.key, { status: "bad", error: "conflict", abort: undefined });
    let step = -1;
    const up = upload({
      conversationId: conv.id,
      token,
      name: item.name,
      body: item.body,
      durationMs: item.durationMs,
      onProgress: (p) => {
        patch(item.key, { progress: p });
        // Screen readers hear a quarter at a time, not every progress event.
        const q = Math.floor(p * 4);
        if (q !== step && q < 4) say(t("uploading", { name: item.name, percent: (step = q) * 25 }));
      },
    });
    patch(item.key, { status: "up", progress: 0, error: undefined, abort: up.abort });
    up.done.then(
      (done) => {
        patch(item.key, { status: "ok", progress: 1, done, abort: undefined });
        say(t("uploaded", { name: item.name }));
      },
      (err: UploadError | "aborted") => err !== "aborted" && patch(item.key, { status: "bad", error: err, abort: undefined }),
    );
  };

  // Leaving the chat (ended, reset) stops uploads nobody will send.
  useEffect(() => () => live.current.forEach((i) => i.abort?.()), []);

  return {
    items,
    said,
    say,
    add(files: NewFile[]) {
      const room = MAX_FILES - live.current.length;
      const fresh: Item[] = files.slice(0, Math.max(room, 0)).map((f) => {
        const error = precheck(f.body, settings) ?? undefined;
        return { ...f, key: ++seq, progress: 0, status: error ? "bad" : "up", error };
      });
      setItems((list) => [...list, ...fresh]);
      for (const i of fresh) if (!i.error) void begin(i);
    },
    remove(key: number) {
      live.current.find((i) => i.key === key)?.abort?.();
      setItems((list) => list.filter((i) => i.key !== key));
    },
    retry(key: number) {
      const item = live.current.find((i) => i.key === key);
      if (item) void begin(item);
    },
    /** the uploaded attachments when every file is uploaded, else null */
    ready(): AttachmentDto[] | null {
      const list = live.current;
      return list.every((i) => i.status === "ok") ? list.map((i) => i.done as AttachmentDto) : null;
    },
    clear() {
      setItems([]);
    },
  };
}

export type Tray = ReturnType<typeof useTray>;

/** What the composer asks of the tray (which loads later, with the rest of the attachment code). */
export interface TrayHandle {
  add(files: NewFile[]): void;
  /** the uploaded attachments when every file is uploaded, else null */
  ready(): AttachmentDto[] | null;
  clear(): void;
  say(text: string): void;
}

/**
 * The tray and its live region. `handle` lets the composer add files and send; files the
 * composer took before this code had loaded wait in `queued` and join at once.
 */
export function TrayPanel({ client, attach, handle, queued }: { client: ChatClient; attach: AttachmentSettings; handle: { current: TrayHandle | null }; queued: { current: NewFile[] } }) {
  const tray = useTray(client, attach);
  handle.current = tray;
  useEffect(() => {
    if (queued.current.length) tray.add(queued.current.splice(0));
    return () => void (handle.current = null);
  }, []);
  return (
    <>
      <TrayList tray={tray} maxBytes={attach.maxBytes} />
      <p class="vh" role="status">
        {tray.said}
      </p>
    </>
  );
}

export function TrayList({ tray, maxBytes }: { tray: Tray; maxBytes: number }) {
  if (!tray.items.length) return null;
  return (
    <ul class="tr">
      {tray.items.map((i) => (
        <li key={i.key} class={i.status === "bad" ? "bad" : undefined}>
          <span class="fi">
            <span class="fn" dir="auto">
              {i.name}
            </span>
            {i.status === "bad" && (i.error || i.refused) ? (
              <span class="fs err" role="alert">
                {i.refused ? t("notSent", { reason: t(i.refused.reason) }) : i.error ? t(MESSAGES[i.error], { name: i.name, max: fileSize(maxBytes) }) : null}
              </span>
            ) : (
              <span class="fs">{fileSize(i.body.size)}</span>
            )}
            {i.status === "up" ? <progress max={1} value={i.progress} aria-label={t("uploading", { name: i.name, percent: Math.round(i.progress * 100) })} /> : null}
          </span>
          {i.status === "bad" && (i.refused ? i.refused.retry : i.error && RETRYABLE.has(i.error)) ? (
            <button type="button" class="ib" aria-label={t("retryUpload", { name: i.name })} title={t("retryUpload", { name: i.name })} onClick={() => tray.retry(i.key)}>
              <Icon name="retry" />
            </button>
          ) : null}
          <button
            type="button"
            class="ib"
            aria-label={t(i.status === "up" ? "cancelUpload" : "removeFile", { name: i.name })}
            title={t(i.status === "up" ? "cancelUpload" : "removeFile", { name: i.name })}
            onClick={() => tray.remove(i.key)}
          >
            <Icon name="end" />
          </button>
        </li>
      ))}
    </ul>
  );
}
