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

/** RFC 5987/6266 `filename*` value: UTF-8, percent-encoded (no quoting problems, no header injection). */
export function contentDispositionName(name: string): string {
  return `UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
