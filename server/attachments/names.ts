// File names as uploaders send them are untrusted text: they end up in the UI, in transcripts and
// in a Content-Disposition header. Only the last path segment is kept, without control or
// bidirectional-override characters (which can disguise "gpj.exe" as "exe.jpg"), at most 200
// characters with the extension kept.
export const MAX_NAME_LENGTH = 200;

// C0/C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width and BOM characters, lone surrogates
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function sanitizeFileName(raw: string, fallback = "file"): string {
  const base = raw.split(/[/\\]/).pop() ?? "";
  let name = base.replace(UNSAFE, "").replace(/\s+/g, " ").trim().replace(/^\.+/, "").trim();
  if (name === "") return fallback;
  const chars = [...name];
  if (chars.length > MAX_NAME_LENGTH) {
    const dot = name.lastIndexOf(".");
    const ext = dot > 0 ? [...name.slice(dot)] : [];
    const keepExt = ext.length > 0 && ext.length <= 16 ? ext : [];
    name = chars.slice(0, MAX_NAME_LENGTH - keepExt.length).join("").trimEnd() + keepExt.join("");
  }
  return name;
}

// The extensions a name may keep for each sniffed type, the first being the one appended otherwise.
// A download keeps its name, and Windows, mail clients and file managers decide what a file does by
// its extension: text called invoice.hta, .bat, .js, .ps1, .svg or .html would run or render, so
// every stored name ends in an extension of what the bytes are ("invoice.hta" becomes "invoice.hta.txt").
const EXTENSIONS: Record<string, readonly string[]> = {
  "image/png": [".png"],
  "image/jpeg": [".jpg", ".jpeg", ".jfif"],
  "image/gif": [".gif"],
  "image/webp": [".webp"],
  "application/pdf": [".pdf"],
  "text/plain": [".txt", ".csv", ".log", ".md"],
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": [".pptx"],
  "application/vnd.oasis.opendocument.text": [".odt"],
  "application/vnd.oasis.opendocument.spreadsheet": [".ods"],
  "application/msword": [".doc"],
  "application/vnd.ms-excel": [".xls"],
  "application/vnd.ms-powerpoint": [".ppt"],
  "audio/webm": [".webm", ".weba"],
  "audio/ogg": [".ogg", ".oga", ".opus"],
  "audio/mpeg": [".mp3"],
  "audio/wav": [".wav"],
  "audio/mp4": [".m4a", ".mp4", ".aac"],
};

/**
 * The sanitised name with an extension that matches the sniffed type: kept when it already has
 * one (any case), else the type's usual extension is appended (still at most 200 characters).
 * An unknown type gets ".bin", which nothing opens by itself.
 */
export function safeFileName(raw: string, mime: string): string {
  const name = sanitizeFileName(raw);
  const allowed = EXTENSIONS[mime] ?? [".bin"];
  const lower = name.toLowerCase();
  if (allowed.some((ext) => lower.endsWith(ext) && lower.length > ext.length)) return name;
  const ext = allowed[0];
  const chars = [...name];
  const base = chars.length + ext.length > MAX_NAME_LENGTH ? chars.slice(0, MAX_NAME_LENGTH - ext.length).join("").trimEnd() : name;
  return base + ext;
}

/** RFC 5987/6266 `filename*` value: UTF-8, percent-encoded (no quoting problems, no header injection). */
export function contentDispositionName(name: string): string {
  return `UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
