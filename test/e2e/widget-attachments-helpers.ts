// Shared by the widget attachment tests: the agent's side over HTTP with its session cookie
// (upload, download), and a visitor chatting in the widget. The files themselves (PNG, PDF, WAV)
// come from the console tests' fixtures.
import type { Frame, Page } from "playwright-core";
import type { Ack, AttachmentDto, ConversationSummaryDto, MessageDto } from "../../server/protocol.ts";
import { ok, onlineAgent } from "../helpers/clients.ts";
import { addAgent, type TestServer } from "../helpers/server.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { openChat, say, type useWidgetEnv } from "../helpers/widget-host.ts";

export { pdf, png, wav } from "./console-attachments-fixtures.ts";

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
export async function chatting(env: ReturnType<typeof useWidgetEnv>, opts: { settings?: object; locale?: string; attachLabel?: string } = {}) {
  const { server, host, context, page } = await env.setup({ settings: opts.settings, ...(opts.locale ? { context: { locale: opts.locale } } : {}) });
  await addAgent(server, { email: "ana@example.com", name: "Ana" });
  const agent = await onlineAgent(server, "ana@example.com");
  await page.goto(host.url("/"));
  const frame = await openChat(page);
  const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
  await say(frame, "Hello");
  const conv = await assigned;
  await frame.getByRole("button", { name: opts.attachLabel ?? "Attach a file" }).waitFor();
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
