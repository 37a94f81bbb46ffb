// The formats transcripts come in, with the HTTP details that go with each.
export const TRANSCRIPT_FORMATS = ["json", "csv", "txt", "html"] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

export const EXPORT_FORMATS = ["ndjson", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<TranscriptFormat | ExportFormat, string> = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8; header=present",
  txt: "text/plain; charset=utf-8",
  html: "text/html; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

export function isTranscriptFormat(value: string): value is TranscriptFormat {
  return (TRANSCRIPT_FORMATS as readonly string[]).includes(value);
}
