// Shared by the widget attachment tests: real files (a PNG, a PDF, a WAV) made here, the agent's
// side over HTTP with its session cookie (upload, download), and a visitor chatting in the widget.
import { deflateSync, crc32 } from "node:zlib";
import type { Frame, Page } from "playwright-core";
import type { Ack, AttachmentDto, ConversationSummaryDto, MessageDto } from "../../server/protocol.ts";
import { ok, onlineAgent } from "../helpers/clients.ts";
import { addAgent, type TestServer } from "../helpers/server.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { openChat, say, type useWidgetEnv } from "../helpers/widget-host.ts";

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real w×h RGB PNG filled with one colour (so the browser decodes it: naturalWidth = w). */
export function png(w = 4, h = 3, rgb: [number, number, number] = [200, 30, 30]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

/** A small valid PDF, padded with a comment to `size` bytes when asked. */
export function pdf(size = 0): Buffer {
  const head = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n";
  const pad = Math.max(0, size - head.length - 6);
  return Buffer.from(head + "%" + "x".repeat(Math.max(0, pad - 2)) + "\n%%EOF\n");
}

/** A mono 16-bit PCM WAV of `ms` milliseconds of a 440 Hz tone. */
export function wav(ms = 600, rate = 8000): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const h = Buffer.alloc(44);
  h.write("RIFF", 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVEfmt ", 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** The agent uploads a file to a conversation (session cookie + the CSRF header, as the console does). */
export async function agentUpload(server: TestServer, cookie: string, conversationId: string, name: string, bytes: Buffer, durationMs?: number): Promise<AttachmentDto> {
  const q = `conversationId=${encodeURIComponent(conversationId)}&name=${encodeURIComponent(name)}` + (durationMs === undefined ? "" : `&durationMs=${durationMs}`);
  const res = await fetch(`${server.url}/api/v1/attachments?${q}`, { method: "POST", headers: { cookie, "x-parley-csrf": "1", "content-type": "application/octet-stream" }, body: new Uint8Array(bytes) });
  const json = (await res.json()) as { attachment?: AttachmentDto; error?: { code: string } };
  if (res.status !== 201 || !json.attachment) throw new Error(`agent upload refused: ${res.status} ${JSON.stringify(json)}`);
  return json.attachment;
}

/** What the agent downloads for an attachment URL, as bytes. */
export async function agentDownload(server: TestServer, cookie: string, url: string): Promise<Buffer> {
  const res = await fetch(server.url + url, { headers: { cookie } });
  if (!res.ok) throw new Error(`agent download refused: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/**
 * The visitor opened a chat from the widget (first message "Hello"), an agent has it, and the
 * composer offers attachments (they need a conversation to belong to).
 */
export async function chatting(env: ReturnType<typeof useWidgetEnv>, opts: { settings?: object } = {}) {
  const { server, host, context, page } = await env.setup(opts);
  await addAgent(server, { email: "ana@example.com", name: "Ana" });
  const agent = await onlineAgent(server, "ana@example.com");
  await page.goto(host.url("/"));
  const frame = await openChat(page);
  const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
  await say(frame, "Hello");
  const conv = await assigned;
  await frame.getByRole("button", { name: "Attach a file" }).waitFor();
  const agentSends = async (body: string, attachments: AttachmentDto[] = []) =>
    ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: conv.id, clientId: `a-${body}-${Date.now()}`, body, ...(attachments.length ? { attachmentIds: attachments.map((a) => a.id) } : {}) }));
  return { server, context, page, frame, agent, conv, agentSends };
}

/** Picks files through the attach button's file chooser, as a visitor does. */
export async function pick(page: Page, frame: Frame, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const chooser = page.waitForEvent("filechooser");
  await frame.getByRole("button", { name: "Attach a file" }).click();
  await (await chooser).setFiles(files);
}

/** The tray says the file is uploaded (its live region), then the visitor sends. */
export async function sendWhenUploaded(frame: Frame, name: string): Promise<void> {
  await frame.locator(".cmp [role=status]").getByText(`${name} is ready to send.`).waitFor();
  await frame.getByRole("button", { name: "Send" }).click();
}

/** The next visitor message with at least one attachment, as the agent receives it. */
export const visitorFiles = (socket: Parameters<typeof waitFor>[0]) => waitFor<MessageDto>(socket, "message:new", (m) => m.authorKind === "visitor" && m.attachments.length > 0);
