// Attachments in the widget, in real Chromium on a foreign-origin host page, against a real
// Parley and a real agent (socket.io-client + HTTP with its session cookie): picker, paste and
// drop; progress and cancel; a failed upload retried; the limits explained; a file from the agent.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { MessageDto } from "../../server/protocol.ts";
import { axeScan } from "../helpers/axe.ts";
import { watchErrors } from "../helpers/browser.ts";
import { onlineAgent } from "../helpers/clients.ts";
import { addAgent } from "../helpers/server.ts";
import { collect, waitFor } from "../helpers/wait.ts";
import { openChat, say, useWidgetEnv } from "../helpers/widget-host.ts";
import { agentDownload, agentUpload, chatting, pdf, pick, png, sendWhenUploaded, visitorFiles, wav } from "./widget-attachments-helpers.ts";

const env = useWidgetEnv();

/** A marker message after an action: once the agent has it, anything sent before has arrived too. */
async function marker(frame: Parameters<typeof say>[0], socket: Parameters<typeof waitFor>[0], text: string): Promise<MessageDto> {
  const got = waitFor<MessageDto>(socket, "message:new", (m) => m.body === text);
  await say(frame, text);
  return got;
}

describe("widget attachments", () => {
  it("a PDF picked from the attach button reaches the agent byte-identical, and shows as a file card", async () => {
    const { server, page, frame, agent } = await chatting(env);
    const errors = watchErrors(page);
    // The attachment code is its own file, downloaded only once a file is picked.
    const chunks: string[] = [];
    page.on("request", (r) => /\/widget\/attach\.[A-Z0-9]+\.js$/.test(r.url()) && chunks.push(r.url()));
    expect(await frame.evaluate(() => [...document.scripts].some((el) => el.src.includes("/widget/attach.")))).toBe(false);
    const bytes = pdf(3000);
    const received = visitorFiles(agent.socket);
    await pick(page, frame, [{ name: "invoice <2026>.pdf", mimeType: "application/pdf", buffer: bytes }]);
    await frame.locator("textarea").fill("Here is the invoice");
    await sendWhenUploaded(frame, "invoice <2026>.pdf");
    const m = await received;
    expect(m.body).toBe("Here is the invoice");
    expect(m.attachments).toEqual([expect.objectContaining({ name: "invoice <2026>.pdf", mime: "application/pdf", size: bytes.length, kind: "file", durationMs: null })]);
    expect((await agentDownload(server, agent.cookie, m.attachments[0].url)).equals(bytes)).toBe(true);
    // The visitor's own message: a card with name (as text), size and type, and a download button.
    const card = frame.locator(".me .fc");
    await card.getByText("invoice <2026>.pdf", { exact: true }).waitFor();
    expect(await card.locator(".fs").first().textContent()).toBe("3 kB · application/pdf");
    await card.getByRole("button", { name: "Download invoice <2026>.pdf" }).waitFor();
    expect(chunks.length).toBe(1);
    expect(errors.errors).toEqual([]);
  });

  it("a pasted screenshot shows as a thumbnail that opens full size; Escape closes the viewer, not the chat", async () => {
    const { frame, agent } = await chatting(env);
    const image = png(40, 30);
    const received = visitorFiles(agent.socket);
    await frame.locator("textarea").focus();
    await frame.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], "image.png", { type: "image/png" }));
      document.querySelector("textarea")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }, image.toString("base64"));
    await sendWhenUploaded(frame, "image.png");
    const m = await received;
    expect(m.body).toBe("");
    expect(m.attachments[0]).toMatchObject({ kind: "image", mime: "image/png", size: image.length });

    const thumb = frame.locator(".me .th img");
    await thumb.waitFor();
    await frame.waitForFunction(() => (document.querySelector(".me .th img") as HTMLImageElement | null)?.naturalWidth === 40);
    expect(await thumb.getAttribute("src")).toMatch(/^blob:/);
    await frame.getByRole("button", { name: "Open image.png full size" }).click();
    const viewer = frame.getByRole("dialog", { name: "image.png" });
    await viewer.waitFor();
    await frame.page().keyboard.press("Escape");
    await viewer.waitFor({ state: "detached" });
    await frame.locator("textarea").waitFor(); // the chat is still open
  });

  it("a file dropped on the panel is attached and sent", async () => {
    const { frame, agent } = await chatting(env);
    const received = visitorFiles(agent.socket);
    await frame.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(["plain notes\n"], "notes.txt", { type: "text/plain" }));
      const target = document.querySelector(".sc")!;
      target.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await sendWhenUploaded(frame, "notes.txt");
    const m = await received;
    expect(m.attachments[0]).toMatchObject({ name: "notes.txt", mime: "text/plain", kind: "file" });
  });

  it("a slow upload shows its progress and can be cancelled: nothing is sent", async () => {
    const { server, context, frame, agent } = await chatting(env);
    const seen = collect<MessageDto>(agent.socket, "message:new");
    // The chat iframe is on another site than the host page (its own process): throttle its uploads.
    const cdp = await context.newCDPSession(frame);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 64 * 1024 });
    await frame.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(2 * 1024 * 1024).fill(65)], "big.txt", { type: "text/plain" }));
      document.querySelector("textarea")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    });
    const progress = frame.locator(".tr progress");
    await frame.waitForFunction(() => Number((document.querySelector(".tr progress") as HTMLProgressElement | null)?.value) > 0);
    expect(await progress.getAttribute("aria-label")).toMatch(/^Uploading big\.txt: \d+%$/);
    // Sending now would be a message without its file: the widget says to wait instead.
    await frame.getByRole("button", { name: "Send" }).click();
    await frame.locator(".cmp [role=status]").getByText("Wait until every file is uploaded").waitFor();
    await frame.getByRole("button", { name: "Cancel the upload of big.txt" }).click();
    await frame.locator(".tr").waitFor({ state: "detached" });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await marker(frame, agent.socket, "after cancel");
    expect(seen.filter((m) => m.attachments.length)).toEqual([]);
    // Chromium may have sent every byte before the abort (its upload throttling delays the
    // answer more than the body): such an upload stays unreferenced, invisible, swept after 24 h.
    expect(await server.app.database.prisma.attachment.count({ where: { messageId: { not: null } } })).toBe(0);
  });

  it("a failed upload is retried and then sent exactly once", async () => {
    const { context, frame, agent } = await chatting(env);
    const seen = collect<MessageDto>(agent.socket, "message:new");
    let failures = 1;
    await context.route("**/api/v1/attachments?*", (route) => (route.request().method() === "POST" && failures-- > 0 ? route.abort("connectionreset") : route.continue()));
    await pick(frame.page(), frame, [{ name: "report.pdf", mimeType: "application/pdf", buffer: pdf() }]);
    await frame.getByText("report.pdf could not be uploaded: the connection failed.").waitFor();
    await frame.getByRole("button", { name: "Send" }).click();
    await frame.locator(".cmp [role=status]").getByText("Wait until every file is uploaded").waitFor();
    await frame.getByRole("button", { name: "Retry the upload of report.pdf" }).click();
    await sendWhenUploaded(frame, "report.pdf");
    await marker(frame, agent.socket, "after retry");
    const withFiles = seen.filter((m) => m.attachments.length);
    expect(withFiles.length).toBe(1);
    expect(withFiles[0].attachments.map((a) => a.name)).toEqual(["report.pdf"]);
  });

  it("an oversize file, a disallowed type and a renamed program are explained and nothing is sent", async () => {
    const { frame, agent } = await chatting(env, { settings: { attachments: { enabled: true, maxBytes: 5000, types: ["image", "pdf", "text", "office", "audio"] } } });
    const seen = collect<MessageDto>(agent.socket, "message:new");
    const exe = Buffer.concat([Buffer.from("MZ\x90\x00\x03\x00\x00\x00", "latin1"), Buffer.alloc(200)]);
    // too large (checked in the widget against the site's limit), a program (by its type), and
    // a program named .pdf (the server sniffs the bytes: 415)
    await pick(frame.page(), frame, [
      { name: "huge.pdf", mimeType: "application/pdf", buffer: pdf(6000) },
      { name: "setup.exe", mimeType: "application/x-msdownload", buffer: exe },
      { name: "fake.pdf", mimeType: "application/pdf", buffer: exe },
    ]);
    await frame.getByText("huge.pdf is too large: files can be up to 5 kB.").waitFor();
    await frame.getByText("setup.exe can't be sent: this type of file isn't accepted.").waitFor();
    await frame.getByText("fake.pdf can't be sent: this type of file isn't accepted.").waitFor();
    // No retry for a file that will never be accepted; the visitor removes them.
    expect(await frame.getByRole("button", { name: /^Retry/ }).count()).toBe(0);
    await frame.getByRole("button", { name: "Send" }).click();
    await frame.locator(".cmp [role=status]").getByText("Wait until every file is uploaded").waitFor();
    for (const name of ["huge.pdf", "setup.exe", "fake.pdf"]) await frame.getByRole("button", { name: `Remove ${name}` }).click();
    await marker(frame, agent.socket, "after refusals");
    expect(seen.filter((m) => m.attachments.length)).toEqual([]);
  });

  it("the site's settings hide the buttons: no attach button when attachments are off, no microphone without audio", async () => {
    const { server, host, page } = await env.setup({ settings: { attachments: { enabled: false, maxBytes: 1000, types: ["image"] } } });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    await page.goto(host.url("/"));
    const frame = await openChat(page);
    const assigned = waitFor(agent.socket, "conversation:assigned");
    await say(frame, "Hello");
    await assigned;
    await frame.locator(".me .st").getByText("Delivered").waitFor();
    expect(await frame.getByRole("button", { name: "Attach a file" }).count()).toBe(0);
    expect(await frame.getByRole("button", { name: "Record a voice note" }).count()).toBe(0);

    const other = await chatting(env, { settings: { attachments: { enabled: true, maxBytes: 1000, types: ["image", "pdf"] } } });
    expect(await other.frame.getByRole("button", { name: "Record a voice note" }).count()).toBe(0);
  });

  it("speaks the widget's language: the attachment code uses the app's catalogue (fr)", async () => {
    const { frame } = await chatting(env, { locale: "fr-FR", attachLabel: "Joindre un fichier", settings: { attachments: { enabled: true, maxBytes: 5000, types: ["image", "pdf", "text", "office", "audio"] } } });
    const chooser = frame.page().waitForEvent("filechooser");
    await frame.getByRole("button", { name: "Joindre un fichier" }).click();
    await (await chooser).setFiles([{ name: "gros.pdf", mimeType: "application/pdf", buffer: pdf(6000) }]);
    await frame.getByText("gros.pdf est trop volumineux : les fichiers peuvent faire jusqu’à 5 ko.").waitFor();
    await frame.getByRole("button", { name: "Retirer gros.pdf" }).waitFor();
  });

  it("a file the agent sends shows in the widget and downloads byte-identical", async () => {
    const { server, page, frame, agent, conv, agentSends } = await chatting(env);
    const bytes = pdf(5000);
    const file = await agentUpload(server, agent.cookie, conv.id, "terms & conditions.pdf", bytes);
    const image = await agentUpload(server, agent.cookie, conv.id, "map.png", png(8, 8));
    await agentSends("Please read these", [file, image]);
    await frame.getByText("Please read these").waitFor();
    await frame.waitForFunction(() => (document.querySelector(".them .th img") as HTMLImageElement | null)?.naturalWidth === 8);
    const download = page.waitForEvent("download");
    await frame.getByRole("button", { name: "Download terms & conditions.pdf" }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe("terms & conditions.pdf");
    expect(readFileSync((await saved.path())!).equals(bytes)).toBe(true);
  });

  it("is accessible: no serious axe violation with cards, thumbnails, a voice note and a tray; the viewer works from the keyboard", async () => {
    const { server, page, frame, agent, conv, agentSends } = await chatting(env, { settings: { attachments: { enabled: true, maxBytes: 30000, types: ["image", "pdf", "text", "office", "audio"] } } });
    const files = [
      await agentUpload(server, agent.cookie, conv.id, "guide.pdf", pdf()),
      await agentUpload(server, agent.cookie, conv.id, "photo.png", png(20, 20)),
      await agentUpload(server, agent.cookie, conv.id, "note.wav", wav(1200), 1200),
    ];
    await agentSends("Everything you need", files);
    await frame.getByText("Voice note, 0:01").waitFor();
    await frame.waitForFunction(() => (document.querySelector(".them .th img") as HTMLImageElement | null)?.naturalWidth === 20);
    await pick(page, frame, [
      { name: "ok.txt", mimeType: "text/plain", buffer: Buffer.from("fine\n") },
      { name: "huge.pdf", mimeType: "application/pdf", buffer: pdf(40000) },
    ]);
    await frame.locator(".cmp [role=status]").getByText("ok.txt is ready to send.").waitFor();
    await frame.getByText("huge.pdf is too large").waitFor();
    expect(await axeScan(frame)).toEqual([]);

    // The thumbnail is a button: Enter opens the viewer with focus on its close button; Escape
    // closes it and focus goes back to the thumbnail.
    const thumb = frame.getByRole("button", { name: "Open photo.png full size" });
    await thumb.focus();
    await page.keyboard.press("Enter");
    await frame.getByRole("dialog", { name: "photo.png" }).waitFor();
    expect(await frame.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Close the image");
    expect(await axeScan(frame)).toEqual([]);
    await page.keyboard.press("Escape");
    await frame.getByRole("dialog").waitFor({ state: "detached" });
    expect(await frame.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Open photo.png full size");
  });
});
