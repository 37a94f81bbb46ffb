// Real files for attachment tests, made here rather than checked in: a PNG of a known size, a PDF
// with binary bytes (so "byte-identical" means something), a WAV tone that a browser can play,
// and the visitor's side of sending one (HTTP upload with its bearer token, then message:send).
import { crc32, deflateSync } from "node:zlib";
import type { Page } from "playwright-core";
import type { Socket } from "socket.io-client";
import type { Ack, AttachmentDto, ConversationDto, ErrorResponse, MessageDto, VisitorSessionDto } from "../../server/protocol.ts";
import { launchBrowser, type Browser, type LaunchOptions } from "../helpers/browser.ts";
import { connectVisitor, ok } from "../helpers/clients.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { emitAck } from "../helpers/wait.ts";
import { goOnline, listItem, openChat, signIn } from "./console-helpers.ts";

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A solid-colour RGB PNG of width × height pixels. */
export function png(width: number, height: number, rgb: [number, number, number] = [200, 40, 40]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", header), pngChunk("IDAT", deflateSync(raw)), pngChunk("IEND", Buffer.alloc(0))]);
}

/** A small valid PDF padded with a binary comment stream of `padding` bytes (every byte value). */
export function pdf(padding = 4096): Buffer {
  const bin = Buffer.alloc(padding);
  for (let i = 0; i < padding; i++) bin[i] = (i * 131 + 7) % 256;
  return Buffer.concat([
    Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n3 0 obj <</Length " + padding + ">> stream\n", "latin1"),
    bin,
    Buffer.from("\nendstream endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n", "latin1"),
  ]);
}

/** A mono 16-bit PCM WAV: a 440 Hz tone of `ms` milliseconds. */
export function wav(ms = 1500, rate = 8000): Buffer {
  const samples = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 12000), i * 2);
  const h = Buffer.alloc(44);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "ascii");
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Step 1 as the widget does it: the raw bytes with the visitor's bearer token. */
export async function visitorUpload(server: TestServer, token: string, conversationId: string, name: string, bytes: Buffer, durationMs?: number): Promise<AttachmentDto> {
  const q = new URLSearchParams({ conversationId, name, ...(durationMs !== undefined ? { durationMs: String(durationMs) } : {}) });
  const res = await fetch(`${server.url}/api/v1/attachments?${q.toString()}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" }, body: new Uint8Array(bytes) });
  const body = (await res.json()) as { attachment: AttachmentDto } | ErrorResponse;
  if (res.status !== 201 || !("attachment" in body)) throw new Error(`upload refused: ${res.status} ${JSON.stringify(body)}`);
  return body.attachment;
}

/** Step 2: the visitor's message carrying what was uploaded. */
export async function visitorSendFiles(socket: Socket, conversationId: string, clientId: string, attachments: AttachmentDto[], body = ""): Promise<MessageDto> {
  const ack = await emitAck<Ack<MessageDto>>(socket, "message:send", { conversationId, clientId, body, attachmentIds: attachments.map((a) => a.id) });
  if (!ack.ok) throw new Error(`message:send refused: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** What a visitor's GET of an attachment returns (bearer token). */
export async function visitorDownload(server: TestServer, token: string, a: Pick<AttachmentDto, "url">): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(`${server.url}${a.url}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get("content-type"), bytes: Buffer.from(await res.arrayBuffer()) };
}

export interface AgentChat {
  server: TestServer;
  page: Page;
  errors: string[];
  visitor: Socket;
  session: VisitorSessionDto;
  id: string;
}

/** A signed-in, online agent (Ana) with a visitor's chat assigned and open in the console. */
export async function agentChatOpen(fx: { server?: TestServer; browser?: Browser }, opts: { role?: "agent" | "admin"; launch?: LaunchOptions } = {}): Promise<AgentChat> {
  const server = (fx.server = await startServer());
  await addAgent(server, { email: "ana@example.com", name: "Ana", role: opts.role ?? "agent" });
  fx.browser = await launchBrowser(opts.launch ?? {});
  const ctx = await fx.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const { page, errors } = await signIn(ctx, server, "ana@example.com");
  await goOnline(page);
  const { socket: visitor, session } = await connectVisitor(server);
  const opened = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(visitor, "conversation:open", { clientId: "o-1", message: { clientId: "m-1", body: "Hello" } }));
  const id = opened.conversation.id;
  await listItem(page, "mine", id).waitFor();
  await openChat(page, "mine", id);
  return { server, page, errors, visitor, session, id };
}

/** Waits until the console's upload tray holds `count` files, every one uploaded. */
export async function consoleTrayReady(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => {
    const items = [...document.querySelectorAll(".upload-tray li.upload")];
    return items.length === n && items.every((li) => li.getAttribute("data-upload") === "done");
  }, count);
}
