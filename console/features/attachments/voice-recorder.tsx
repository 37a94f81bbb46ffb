// Voice notes: click to start, click again to stop. The recording goes into the conversation's
// upload tray with its duration (Chromium's WebM has no duration in its header, so the UIs show
// the recorder's own count). A refused microphone gets a sentence, not a silent failure.
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../../i18n/t.ts";
import { addFiles } from "./uploads.ts";
import { durationText } from "./sizes.ts";

interface Recording {
  recorder: MediaRecorder;
  stream: MediaStream;
  startedAt: number;
  chunks: Blob[];
  keep: boolean;
}

const TICK_MS = 250;

function preferredType(): string | undefined {
  for (const type of ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"]) {
    if (MediaRecorder.isTypeSupported(type)) return type;
  }
  return undefined;
}

function extensionOf(mime: string): string {
  if (mime.includes("ogg")) return "ogg";
  if (mime.includes("mp4")) return "m4a";
  return "webm";
}

function refusal(err: unknown): string {
  const name = err instanceof DOMException ? err.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return t("voice.denied");
  if (name === "NotFoundError" || name === "OverconstrainedError") return t("voice.noDevice");
  return t("voice.failed");
}

export function VoiceRecorder({ conversationId }: { conversationId: string }) {
  const rec = useRef<Recording | null>(null);
  // True while the browser asks for the microphone: a second click then must not start a second
  // recorder (the first one's microphone would stay on, orphaned), and leaving meanwhile must
  // release the stream the answer brings.
  const asking = useRef(false);
  /** bumped when the chat changes or the recorder goes: an answer for an older one is dropped */
  const generation = useRef(0);
  const [elapsed, setElapsed] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (elapsed === null) return;
    const timer = setInterval(() => rec.current && setElapsed(Date.now() - rec.current.startedAt), TICK_MS);
    return () => clearInterval(timer);
  }, [elapsed === null]);

  // Leaving the chat mid-recording discards it and frees the microphone.
  useEffect(
    () => () => {
      generation.current++;
      stop(false);
    },
    [conversationId],
  );

  async function start() {
    if (asking.current) return;
    setError(null);
    if (typeof MediaRecorder === "undefined" || !navigator.mediaDevices?.getUserMedia) {
      setError(t("voice.unsupported"));
      return;
    }
    let stream: MediaStream;
    const mine = generation.current;
    asking.current = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      if (mine === generation.current) setError(refusal(err));
      return;
    } finally {
      asking.current = false;
    }
    if (mine !== generation.current) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    const type = preferredType();
    const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const r: Recording = { recorder, stream, startedAt: Date.now(), chunks: [], keep: true };
    recorder.ondataavailable = (e) => {
      if (e.data.size > 0) r.chunks.push(e.data);
    };
    recorder.onstop = () => {
      const durationMs = Date.now() - r.startedAt;
      for (const track of stream.getTracks()) track.stop();
      if (!r.keep || r.chunks.length === 0) return;
      const mime = recorder.mimeType || type || "audio/webm";
      const blob = new Blob(r.chunks, { type: mime });
      const stamp = new Date(r.startedAt).toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
      addFiles(conversationId, [{ file: blob, name: `voice-note-${stamp}.${extensionOf(mime)}`, durationMs }]);
    };
    rec.current = r;
    recorder.start(TICK_MS * 4);
    setElapsed(0);
  }

  function stop(keep: boolean) {
    const r = rec.current;
    rec.current = null;
    setElapsed(null);
    if (!r) return;
    r.keep = keep;
    if (r.recorder.state !== "inactive") r.recorder.stop();
    else for (const track of r.stream.getTracks()) track.stop();
  }

  const recording = elapsed !== null;
  return (
    <span class="voice">
      <button
        type="button"
        class={recording ? "voice-button recording" : "voice-button"}
        aria-pressed={recording}
        onClick={() => (recording ? stop(true) : void start())}
      >
        {recording ? t("voice.stop") : t("voice.record")}
      </button>
      {recording && (
        <>
          <span class="voice-time" role="timer" aria-label={t("voice.recording")}>
            {durationText(elapsed, true)}
          </span>
          <button type="button" class="link" onClick={() => stop(false)}>
            {t("voice.discard")}
          </button>
        </>
      )}
      {error && (
        <span class="voice-error error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
