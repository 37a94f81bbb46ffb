// Voice notes with the browser's MediaRecorder: opus in WebM where the browser has it (Chromium,
// Firefox), else whatever audio type it records (Safari: MP4/AAC). The server sniffs the result.

/** denied: the visitor (or the browser's policy) refused the microphone; none: no microphone; unsupported: no MediaRecorder */
export type RecordError = "denied" | "none" | "unsupported";

export interface Recording {
  /** performance.now() when recording began */
  startedAt: number;
  /** stops and hands back the note; its duration is measured here, not guessed from the bytes */
  stop(): Promise<{ body: Blob; durationMs: number; name: string }>;
  /** stops and throws the note away */
  cancel(): void;
}

const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
const EXT: Record<string, string> = { "audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a" };

function failure(err: unknown): RecordError {
  const name = (err as { name?: string } | null)?.name;
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "NotReadableError") return "none";
  return "unsupported";
}

/** Asks for the microphone and starts recording; rejects with a RecordError. */
export async function startRecording(): Promise<Recording> {
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") throw "unsupported" satisfies RecordError;
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (err) {
    throw failure(err);
  }
  const mimeType = TYPES.find((m) => MediaRecorder.isTypeSupported(m));
  const rec = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
  const chunks: Blob[] = [];
  rec.ondataavailable = (e) => e.data.size && chunks.push(e.data);
  const release = () => stream.getTracks().forEach((tr) => tr.stop());
  const startedAt = performance.now();
  rec.start();
  return {
    startedAt,
    stop: () =>
      new Promise((resolve) => {
        const durationMs = performance.now() - startedAt;
        rec.onstop = () => {
          release();
          const type = (rec.mimeType || mimeType || "audio/webm").split(";")[0];
          resolve({ body: new Blob(chunks, { type }), durationMs, name: "voice-note." + (EXT[type] ?? "webm") });
        };
        rec.stop();
      }),
    cancel() {
      rec.onstop = release;
      rec.stop();
    },
  };
}
