// The message box: Enter sends, Shift+Enter starts a new line. Sending never waits for the
// network: the message goes to the outbox and shows at once. Files come from the attach button,
// a paste (screenshots) or a drop anywhere on the panel, and voice notes from the microphone;
// they upload at once, and the message waits until all of them are uploaded (tray.tsx). That
// code loads with the first file or recording (attach-loader.tsx).
import { useEffect, useRef, useState } from "preact/hooks";
import type { AttachmentSettings } from "../../../server/protocol.ts";
import type { ChatClient } from "../client/chat-client.ts";
import type { RecordError, Recording } from "../client/recorder.ts";
import { t } from "../i18n/t.ts";
import { loadAttach, useAttachKit } from "./attach-loader.tsx";
import { duration } from "./format.ts";
import { Icon } from "./icons.tsx";
import type { NewFile, TrayHandle } from "./tray.tsx";

const RECORD_ERRORS = { denied: "micDenied", none: "micNone", unsupported: "recUnsupported" } as const;

const fromFiles = (files: FileList | null | undefined): NewFile[] => Array.from(files ?? [], (f) => ({ body: f, name: f.name || "file" }));

export function Composer({ client, attach }: { client: ChatClient; attach: AttachmentSettings }) {
  const [draft, setDraft] = useState("");
  const [rec, setRec] = useState<Recording | null>(null);
  const [, tick] = useState(0);
  const [problem, setProblem] = useState<RecordError | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const tray = useRef<TrayHandle | null>(null);
  const queued = useRef<NewFile[]>([]);
  const [kit, requestKit] = useAttachKit(false);
  const add = (list: NewFile[]) => {
    if (tray.current) return tray.current.add(list);
    queued.current.push(...list);
    requestKit();
  };
  const s = client.get();
  // An upload belongs to a conversation: a first file opens it (the tray asks the client), after
  // the pre-chat form like a first text (the composer shows only once that is answered).
  const files = attach.enabled && !s.ended;
  const voice = files && attach.types.includes("audio");

  useEffect(() => {
    if (!files) return;
    const over = (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes("Files")) return;
      e.preventDefault();
      document.body.dataset.drop = t("dropHere");
      document.documentElement.classList.add("drag");
    };
    const leave = (e: DragEvent) => !e.relatedTarget && document.documentElement.classList.remove("drag");
    const drop = (e: DragEvent) => {
      document.documentElement.classList.remove("drag");
      if (!e.dataTransfer?.files.length) return;
      e.preventDefault();
      add(fromFiles(e.dataTransfer.files));
    };
    document.addEventListener("dragover", over);
    document.addEventListener("dragleave", leave);
    document.addEventListener("drop", drop);
    return () => {
      document.removeEventListener("dragover", over);
      document.removeEventListener("dragleave", leave);
      document.removeEventListener("drop", drop);
    };
  }, [files]);

  useEffect(() => {
    if (!rec) return;
    const timer = setInterval(() => tick((n) => n + 1), 500);
    return () => {
      clearInterval(timer);
    };
  }, [rec]);
  // A recording still going when the composer goes (chat ended) is thrown away.
  // So is one the browser grants only after the composer went (the panel closed while it asked for
  // the microphone): without this check it would start and keep the microphone on.
  const recording = useRef(rec);
  recording.current = rec;
  const gone = useRef(false);
  useEffect(
    () => () => {
      gone.current = true;
      recording.current?.cancel();
    },
    [],
  );

  const asking = useRef(false);
  const toggleRecording = async () => {
    setProblem(null);
    if (rec) {
      setRec(null);
      add([await rec.stop()]);
      return;
    }
    // A second click while the browser asks for the microphone must not start a second recorder.
    if (asking.current) return;
    asking.current = true;
    try {
      const code = await loadAttach().catch((): null => null);
      if (!code) return setProblem("unsupported");
      requestKit();
      const started = await code.startRecording();
      if (gone.current) return started.cancel();
      setRec(started);
    } catch (err) {
      setProblem(err as RecordError);
    } finally {
      asking.current = false;
    }
  };

  const submit = (e?: Event) => {
    e?.preventDefault();
    // Files taken while their code was still loading are not uploaded yet either.
    const attachments = tray.current ? tray.current.ready() : queued.current.length ? null : [];
    if (!attachments) return tray.current?.say(t("waitUploads"));
    if (!draft.trim() && !attachments.length) return;
    client.send(draft, attachments);
    tray.current?.clear();
    setDraft("");
    box.current?.focus();
  };
  return (
    <form
      class="cmp"
      onSubmit={submit}
      onPaste={(e) => {
        const pasted = fromFiles(e.clipboardData?.files);
        if (!files || !pasted.length) return;
        e.preventDefault();
        add(pasted);
      }}
    >
      {kit && files ? <kit.TrayPanel client={client} attach={attach} handle={tray} queued={queued} /> : null}
      {problem ? (
        <p class="err" role="alert">
          {t(RECORD_ERRORS[problem])}
        </p>
      ) : null}
      <div class="row">
        {rec ? (
          <span class="rt" role="timer">
            {t("recording", { time: duration(performance.now() - rec.startedAt) })}
          </span>
        ) : (
          <textarea
            ref={box}
            data-autofocus
            rows={1}
            maxLength={5000}
            aria-label={t("messageLabel")}
            placeholder={t("placeholder")}
            value={draft}
            onInput={(e) => {
              const v = e.currentTarget.value;
              setDraft(v);
              client.typing(v);
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
            }}
          />
        )}
        {files ? (
          <>
            <input ref={picker} type="file" multiple hidden onChange={(e) => (add(fromFiles(e.currentTarget.files)), (e.currentTarget.value = ""))} />
            <button type="button" class="ib" aria-label={t("attach")} title={t("attach")} onClick={() => picker.current?.click()}>
              <Icon name="clip" />
            </button>
          </>
        ) : null}
        {voice ? (
          <button type="button" class={rec ? "ib rec" : "ib"} aria-label={t(rec ? "stopRecording" : "record")} title={t(rec ? "stopRecording" : "record")} onClick={() => void toggleRecording()}>
            <Icon name={rec ? "stop" : "mic"} />
          </button>
        ) : null}
        <button type="submit" class="ib snd" aria-label={t("send")} title={t("send")}>
          <Icon name="send" />
        </button>
      </div>
    </form>
  );
}
