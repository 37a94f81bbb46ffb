// Content sniffing for uploads: what a file IS, decided from its bytes alone (never its name or
// the client's Content-Type). Only the types Parley can show or hand out safely are recognised;
// anything else (executables, archives, HTML, SVG, XML) is null, which the caller refuses.
import type { AttachmentCategory } from "../protocol.ts";

export interface Sniffed {
  category: AttachmentCategory;
  mime: string;
}

const ascii = (buf: Uint8Array, at: number, text: string) => {
  if (buf.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[at + i] !== text.charCodeAt(i)) return false;
  return true;
};
const bytes = (buf: Uint8Array, at: number, ...b: number[]) => buf.length >= at + b.length && b.every((x, i) => buf[at + i] === x);

const IMAGE: [test: (b: Uint8Array) => boolean, mime: string][] = [
  [(b) => bytes(b, 0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), "image/png"],
  [(b) => bytes(b, 0, 0xff, 0xd8, 0xff), "image/jpeg"],
  [(b) => ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a"), "image/gif"],
  [(b) => ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP"), "image/webp"],
];

// m4a and its siblings: an ISO BMFF "ftyp" box whose major brand is an audio (or generic mp4) one
const MP4_AUDIO_BRANDS = ["M4A ", "M4B ", "mp42", "isom", "iso5", "dash"];

function mp3Frame(b: Uint8Array): boolean {
  // MPEG audio frame sync (11 bits) with a valid version and layer II or III. Layer bits 00 are
  // reserved, and layer I (11) is refused too: FF FE, a UTF-16LE byte order mark, would otherwise
  // pass as a layer I frame header, and no recorder makes layer I files.
  const layer = b[1] & 0x06;
  return b.length >= 4 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0 && (b[1] & 0x18) !== 0x08 && layer !== 0 && layer !== 0x06 && (b[2] & 0xf0) !== 0xf0;
}

/** An ID3v2 tag header: "ID3", major version 2-4, a revision, flags, and a 28-bit syncsafe size. */
function id3(b: Uint8Array): boolean {
  return ascii(b, 0, "ID3") && b.length >= 10 && b[3] >= 2 && b[3] <= 4 && b[4] !== 0xff && [6, 7, 8, 9].every((i) => b[i] < 0x80);
}

function webm(b: Uint8Array): boolean {
  if (!bytes(b, 0, 0x1a, 0x45, 0xdf, 0xa3)) return false;
  // the EBML header names its DocType within its first few dozen bytes; Matroska (mkv) is not WebM
  const head = Buffer.from(b.subarray(0, 64)).toString("latin1");
  return head.includes("webm");
}

const AUDIO: [test: (b: Uint8Array) => boolean, mime: string][] = [
  [webm, "audio/webm"],
  [(b) => ascii(b, 0, "OggS"), "audio/ogg"],
  [(b) => ascii(b, 0, "RIFF") && ascii(b, 8, "WAVE"), "audio/wav"],
  [(b) => id3(b) || mp3Frame(b), "audio/mpeg"],
  [(b) => ascii(b, 4, "ftyp") && MP4_AUDIO_BRANDS.some((brand) => ascii(b, 8, brand)), "audio/mp4"],
];

const OOXML: [dir: string, mime: string][] = [
  ["word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  ["xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  ["ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"],
];
const ODF = ["application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet"];

/** Entry names from a zip's central directory (empty when it is not a well-formed zip). */
export function zipEntryNames(b: Uint8Array): string[] {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  // The end-of-central-directory record sits in the last 22 + up to 65535 (comment) bytes.
  const floor = Math.max(0, buf.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = buf.length - 22; i >= floor; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return [];
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count && at + 46 <= buf.length; n++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) return [];
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    names.push(buf.toString("utf8", at + 46, Math.min(buf.length, at + 46 + nameLen)));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

function zipOffice(b: Uint8Array): string | null {
  // ODF: the first entry is an uncompressed file called "mimetype" holding the document's type.
  if (ascii(b, 30, "mimetype")) {
    const start = 30 + 8 + Buffer.from(b.buffer, b.byteOffset, b.byteLength).readUInt16LE(28);
    const declared = Buffer.from(b.subarray(start, start + 60)).toString("latin1");
    const odf = ODF.find((m) => declared.startsWith(m) && !/[a-z-]/.test(declared.charAt(m.length)));
    if (odf) return odf;
  }
  const names = zipEntryNames(b);
  if (!names.includes("[Content_Types].xml")) return null;
  return OOXML.find(([dir]) => names.some((n) => n.startsWith(dir)))?.[1] ?? null;
}

const utf16 = (s: string) => Buffer.from(s, "utf16le");
const CFB: [stream: Buffer, mime: string][] = [
  [utf16("WordDocument"), "application/msword"],
  [utf16("Workbook"), "application/vnd.ms-excel"],
  [utf16("Book\u0000"), "application/vnd.ms-excel"],
  [utf16("PowerPoint Document"), "application/vnd.ms-powerpoint"],
];

/** Legacy Office (OLE compound file): recognised by the stream a Word/Excel/PowerPoint file must have. */
function cfbOffice(b: Uint8Array): string | null {
  if (!bytes(b, 0, 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return null;
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return CFB.find(([name]) => buf.includes(name))?.[1] ?? null;
}

// WHATWG MIME sniffing's "HTML" patterns (<!DOCTYPE HTML, <html, <script, <!-- ...), XML (<?xml) and
// SVG, made stricter: after leading whitespace (and a BOM), any text that starts like markup (a "<"
// followed by a letter, "!", "?" or "/") is refused rather than stored as text, because some
// browser, viewer or mail client somewhere would treat it as a document.
function looksLikeMarkup(text: string): boolean {
  return /^\uFEFF?[\t\n\f\r ]*<[A-Za-z!?/]/.test(text);
}

// ignoreBOM: keep a BOM in the decoded text, so the markup check sees past it explicitly
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function plainText(b: Uint8Array): boolean {
  if (b.includes(0)) return false;
  let text: string;
  try {
    text = utf8.decode(b);
  } catch {
    return false;
  }
  return !looksLikeMarkup(text);
}

/** What the bytes are, or null when they are not a type Parley accepts. */
export function sniff(b: Uint8Array): Sniffed | null {
  if (b.length === 0) return null;
  // Executables first: whatever else they might also parse as, they are refused.
  if (ascii(b, 0, "MZ") || bytes(b, 0, 0x7f, 0x45, 0x4c, 0x46)) return null;
  for (const [test, mime] of IMAGE) if (test(b)) return { category: "image", mime };
  if (ascii(b, 0, "%PDF-")) return { category: "pdf", mime: "application/pdf" };
  for (const [test, mime] of AUDIO) if (test(b)) return { category: "audio", mime };
  if (bytes(b, 0, 0x50, 0x4b, 0x03, 0x04)) {
    const mime = zipOffice(b);
    return mime ? { category: "office", mime } : null;
  }
  const cfb = cfbOffice(b);
  if (cfb) return { category: "office", mime: cfb };
  if (bytes(b, 0, 0xd0, 0xcf, 0x11, 0xe0)) return null;
  // UTF-16 text (either byte order mark) is refused: browsers decode it by its BOM, so markup in
  // it would reach a viewer unseen by the UTF-8 markup check below.
  if (bytes(b, 0, 0xff, 0xfe) || bytes(b, 0, 0xfe, 0xff)) return null;
  return plainText(b) ? { category: "text", mime: "text/plain" } : null;
}

export const INLINE_IMAGE_TYPES: readonly string[] = IMAGE.map(([, mime]) => mime);
