// Files for the attachment tests, built byte by byte here (no binary fixtures in the repository):
// just enough of each format for a sniffer, plus a real 1x1 PNG a browser can draw.
import { crc32 } from "node:zlib";

export const PNG_1X1 = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

/** A stored (uncompressed) zip with these entries, in order, with a central directory. */
export function zip(entries: [name: string, content: string][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const nameBuf = Buffer.from(name, "utf8");
    const data = Buffer.from(content, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';

/** An OLE compound file header followed by a directory entry naming `stream` (UTF-16LE). */
function cfb(stream: string): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
  const dir = Buffer.alloc(128);
  Buffer.from("Root Entry", "utf16le").copy(dir);
  const entry = Buffer.alloc(128);
  Buffer.from(stream, "utf16le").copy(entry);
  return Buffer.concat([header, dir, entry, Buffer.alloc(256)]);
}

const pad = (head: Buffer, size = 64) => Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length), 0x11)]);

export const FILES = {
  png: PNG_1X1,
  jpeg: pad(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...Buffer.from("JFIF\0")])),
  gif: pad(Buffer.from("GIF89a\x01\x00\x01\x00\x80\x00\x00", "latin1")),
  webp: pad(Buffer.concat([Buffer.from("RIFF"), Buffer.from([0x24, 0, 0, 0]), Buffer.from("WEBPVP8 ")])),
  pdf: Buffer.from("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"),
  text: Buffer.from("Order #1234\nThe parcel arrived damaged — photos attached.\n"),
  docx: zip([["[Content_Types].xml", CONTENT_TYPES], ["_rels/.rels", "<Relationships/>"], ["word/document.xml", "<w:document/>"]]),
  xlsx: zip([["[Content_Types].xml", CONTENT_TYPES], ["xl/workbook.xml", "<workbook/>"]]),
  pptx: zip([["[Content_Types].xml", CONTENT_TYPES], ["ppt/presentation.xml", "<p:presentation/>"]]),
  odt: zip([["mimetype", "application/vnd.oasis.opendocument.text"], ["content.xml", "<office:document-content/>"]]),
  ods: zip([["mimetype", "application/vnd.oasis.opendocument.spreadsheet"], ["content.xml", "<office:document-content/>"]]),
  doc: cfb("WordDocument"),
  xls: cfb("Workbook"),
  ppt: cfb("PowerPoint Document"),
  webm: pad(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0xf2, 0x81, 0x04, 0x42, 0xf3, 0x81, 0x08, 0x42, 0x82, 0x84, ...Buffer.from("webm"), 0x42, 0x87, 0x81, 0x04])),
  ogg: pad(Buffer.concat([Buffer.from("OggS"), Buffer.from([0, 2, 0, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("\x01vorbis", "latin1")])),
  mp3: pad(Buffer.concat([Buffer.from("ID3"), Buffer.from([4, 0, 0, 0, 0, 0, 0])])),
  mp3Frame: pad(Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0])),
  wav: pad(Buffer.concat([Buffer.from("RIFF"), Buffer.from([0x24, 0, 0, 0]), Buffer.from("WAVEfmt "), Buffer.from([16, 0, 0, 0, 1, 0, 1, 0])])),
  m4a: pad(Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from("ftypM4A "), Buffer.from([0, 0, 0, 0]), Buffer.from("M4A isom")])),
};

export const REFUSED = {
  exe: pad(Buffer.concat([Buffer.from("MZ"), Buffer.from([0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff]), Buffer.from("This program cannot be run in DOS mode")]), 128),
  elf: pad(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0])),
  zip: zip([["notes.txt", "just a zip"]]),
  html: Buffer.from("<!DOCTYPE html><html><body><script>fetch('/x')</script></body></html>"),
  htmlAfterWhitespace: Buffer.from(" \r\n\t<html><script>alert(1)</script></html>"),
  htmlWithBom: Buffer.from("\uFEFF<html><script>alert(1)</script></html>"),
  svg: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
  xml: Buffer.from('<?xml version="1.0"?><note>hi</note>'),
  scriptText: Buffer.from("<script>alert(document.cookie)</script>"),
  nul: Buffer.from("text with a \0 inside"),
  badUtf8: Buffer.from([0x68, 0x69, 0xc3, 0x28]),
  msi: cfb("SummaryInformation"),
  mkv: pad(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x88, ...Buffer.from("matroska")])),
  empty: Buffer.alloc(0),
  // FF FE is both a UTF-16LE byte order mark and an MPEG layer I frame header
  utf16leHtml: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("<html><script>alert(1)</script></html>", "utf16le")]),
  utf16beHtml: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from("<html><script>alert(1)</script></html>", "utf16le").swap16()]),
  utf16leText: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("just words", "utf16le")]),
  mp3LayerI: pad(Buffer.from([0xff, 0xfe, 0x90, 0x64, 0, 0, 0, 0])),
  id3BadVersion: pad(Buffer.concat([Buffer.from("ID3"), Buffer.from([9, 0, 0, 0, 0, 0, 0])])),
};

/** plain text that mentions markup later on: text, served as a download */
export const TEXT_WITH_SCRIPT = Buffer.from("Steps to reproduce:\n1. open the page\n2. it shows <script>document.title='pwned'</script>\n");

/** "ID3" followed by markup is no ID3 tag: at most text (it does not start with markup), never audio */
export const ID3_HTML = Buffer.from("ID3<html><script>alert(1)</script></html>");
