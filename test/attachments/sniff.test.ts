// The content sniffer, table-driven: what each kind of file is taken for, and what is refused,
// whatever it would be called.
import { describe, expect, it } from "vitest";
import { sniff } from "../../server/attachments/sniff.ts";
import { sanitizeFileName, contentDispositionName, safeFileName } from "../../server/attachments/names.ts";
import { FILES, ID3_HTML, REFUSED, TEXT_WITH_SCRIPT } from "./fixtures.ts";

const ACCEPTED: [keyof typeof FILES, string, string][] = [
  ["png", "image", "image/png"],
  ["jpeg", "image", "image/jpeg"],
  ["gif", "image", "image/gif"],
  ["webp", "image", "image/webp"],
  ["pdf", "pdf", "application/pdf"],
  ["text", "text", "text/plain"],
  ["docx", "office", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  ["xlsx", "office", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  ["pptx", "office", "application/vnd.openxmlformats-officedocument.presentationml.presentation"],
  ["odt", "office", "application/vnd.oasis.opendocument.text"],
  ["ods", "office", "application/vnd.oasis.opendocument.spreadsheet"],
  ["doc", "office", "application/msword"],
  ["xls", "office", "application/vnd.ms-excel"],
  ["ppt", "office", "application/vnd.ms-powerpoint"],
  ["webm", "audio", "audio/webm"],
  ["ogg", "audio", "audio/ogg"],
  ["mp3", "audio", "audio/mpeg"],
  ["mp3Frame", "audio", "audio/mpeg"],
  ["wav", "audio", "audio/wav"],
  ["m4a", "audio", "audio/mp4"],
];

describe("sniff", () => {
  it.each(ACCEPTED)("%s is %s (%s)", (file, category, mime) => {
    expect(sniff(FILES[file])).toEqual({ category, mime });
  });

  it.each(Object.keys(REFUSED) as (keyof typeof REFUSED)[])("%s is refused", (file) => {
    expect(sniff(REFUSED[file])).toBeNull();
  });

  it("plain text that mentions <script> after its first characters is text", () => {
    expect(sniff(TEXT_WITH_SCRIPT)).toEqual({ category: "text", mime: "text/plain" });
  });

  it("ID3 followed by markup is not audio (an ID3 tag needs version 2-4): it is text, served as a download", () => {
    expect(sniff(ID3_HTML)).toEqual({ category: "text", mime: "text/plain" });
  });
});

describe("file names", () => {
  it.each([
    ["../../etc/passwd", "passwd"],
    ["C:\\Users\\me\\report.pdf", "report.pdf"],
    ["invoice\u202Efdp.exe", "invoicefdp.exe"],
    ["a\u0000b\nc\td.txt", "abcd.txt"],
    ["   ", "file"],
    ["...hidden", "hidden"],
    ["photo 1.png", "photo 1.png"],
  ])("%j becomes %j", (raw, clean) => {
    expect(sanitizeFileName(raw)).toBe(clean);
  });

  it("keeps at most 200 characters, with the extension", () => {
    const name = sanitizeFileName("x".repeat(500) + ".pdf");
    expect([...name].length).toBe(200);
    expect(name.endsWith(".pdf")).toBe(true);
  });

  it.each([
    ["invoice.hta", "text/plain", "invoice.hta.txt"],
    ["run.bat", "text/plain", "run.bat.txt"],
    ["macro.vbs", "text/plain", "macro.vbs.txt"],
    ["app.js", "text/plain", "app.js.txt"],
    ["setup.ps1", "text/plain", "setup.ps1.txt"],
    ["logo.svg", "text/plain", "logo.svg.txt"],
    ["page.html", "text/plain", "page.html.txt"],
    ["notes", "text/plain", "notes.txt"],
    ["data.CSV", "text/plain", "data.CSV"],
    ["server.log", "text/plain", "server.log"],
    ["README.md", "text/plain", "README.md"],
    ["steps.txt", "text/plain", "steps.txt"],
    ["setup.exe", "image/png", "setup.exe.png"],
    ["photo.JPEG", "image/jpeg", "photo.JPEG"],
    ["report.pdf.exe", "application/pdf", "report.pdf.exe.pdf"],
    ["voice.webm", "audio/webm", "voice.webm"],
    ["memo.txt", "application/msword", "memo.txt.doc"],
    ["   ", "image/png", "file.png"],
  ])("%j stored as %s is named %j", (raw, mime, safe) => {
    expect(safeFileName(raw, mime)).toBe(safe);
  });

  it("the appended extension survives the 200-character cut", () => {
    const name = safeFileName("x".repeat(300) + ".hta", "text/plain");
    expect([...name].length).toBe(200);
    expect(name.endsWith(".txt")).toBe(true);
  });

  it("encodes the Content-Disposition name (RFC 5987)", () => {
    expect(contentDispositionName("rapport été (1)'s.pdf")).toBe("UTF-8''rapport%20%C3%A9t%C3%A9%20%281%29%27s.pdf");
  });
});
