// Attachments in the agent console, in real Chromium against a real server: picker, paste and
// drop; progress and cancel; a failed upload retried; a visitor's image, PDF and limits.
import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import type { MessageDto } from "../../server/protocol.ts";
import { axeScan } from "../helpers/axe.ts";
import { collect, until } from "../helpers/wait.ts";
import type { Page } from "playwright-core";
import { consoleFixture, openChat, unexpected } from "./console-helpers.ts";
import { agentChatOpen, consoleTrayReady, pdf, png, visitorDownload, visitorSendFiles, visitorUpload } from "./console-attachments-fixtures.ts";

const fx = consoleFixture();

const chatOpen = (role: "agent" | "admin" = "agent") => agentChatOpen(fx, { role });

/** Puts files on the page's clipboard event or drop, as a browser does for a screenshot or a drag. */
async function fire(page: Page, how: "paste" | "drop", selector: string, file: { name: string; type: string; bytes: Buffer }): Promise<void> {
  await page.evaluate(
    ({ how, selector, name, type, b64 }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type }));
      const target = document.querySelector(selector);
      if (!target) throw new Error(`no ${selector}`);
      if (how === "paste") target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
      else {
        target.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
        target.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    },
    { how, selector, name: file.name, type: file.type, b64: file.bytes.toString("base64") },
  );
}

const tray = (page: Page) => page.locator(".upload-tray li.upload");
const sendButton = (page: Page) => page.locator(".composer button[type=submit]");

it("the agent attaches by picker, paste and drop; one message carries all three to the visitor", async () => {
  const { page, errors, visitor, session, id, server } = await chatOpen();
  const atVisitor = collect<MessageDto>(visitor, "message:new");
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const doc = pdf();
  const shot = png(320, 200);

  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach file" }).click();
  await (await chooser).setFiles({ name: "<img src=x onerror=alert(1)> invoice.pdf", mimeType: "application/pdf", buffer: doc });
  await fire(page, "paste", "#composer-input", { name: "image.png", type: "image/png", bytes: shot });
  await fire(page, "drop", ".transcript", { name: "notes.txt", type: "text/plain", bytes: Buffer.from("line one\nline two\n") });
  await consoleTrayReady(page, 3);
  // The pasted screenshot previews before it is sent (blob: URL, allowed by the console's CSP).
  await page.locator(".upload-preview").first().waitFor();
  expect(await page.locator(".upload-preview").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);

  await page.locator("#composer-input").fill("Here you go");
  await sendButton(page).click();
  await until(() => atVisitor.length === 1, visitor);
  const m = atVisitor[0];
  expect(m.body).toBe("Here you go");
  expect(m.attachments.map((a) => [a.name, a.kind, a.mime])).toEqual([
    ["<img src=x onerror=alert(1)> invoice.pdf", "file", "application/pdf"],
    ["image.png", "image", "image/png"],
    ["notes.txt", "file", expect.stringMatching(/^text\/plain/)],
  ]);
  expect((await visitorDownload(server, session.token, m.attachments[0])).bytes.equals(doc)).toBe(true);

  // In the console: the tray is empty, the message shows a card (the name as text), a thumbnail, a card.
  await expect.poll(() => tray(page).count()).toBe(0);
  const shown = page.locator(`.transcript li.msg[data-client-id="${m.clientId}"]:not(.msg-pending)`);
  await shown.locator(".attachment-image img").waitFor();
  expect(await shown.locator(".file-name").allTextContents()).toEqual(["<img src=x onerror=alert(1)> invoice.pdf", "notes.txt"]);
  expect(await shown.locator(".file-name img").count()).toBe(0);
  expect(dialogs).toEqual([]);
  expect(await server.app.database.prisma.message.count({ where: { conversationId: id, authorKind: "agent" } })).toBe(1);
  expect(unexpected(errors)).toEqual([]);

  // The console page's policy widens images to blob: (the previews) and media to 'self', no more.
  const csp = (await fetch(`${server.url}/console/`)).headers.get("content-security-policy") ?? "";
  const directives = new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(" ")]));
  expect(directives.get("img-src")).toBe("'self' data: blob:");
  expect(directives.get("media-src")).toBe("'self'");
  expect(directives.get("script-src")).toBe("'self'");
  expect(directives.get("default-src")).toBe("'self'");
});

it("upload progress shows, and a cancelled upload leaves no message and nothing attached", async () => {
  const { page, errors, visitor, id, server } = await chatOpen();
  const atVisitor = collect<MessageDto>(visitor, "message:new");
  // A slow uplink (DevTools network emulation), so the upload is still running when we look.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 256 * 1024 });

  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach file" }).click();
  await (await chooser).setFiles({ name: "big.pdf", mimeType: "application/pdf", buffer: pdf(6 * 1024 * 1024) });
  const bar = page.locator(".upload-tray progress");
  await bar.waitFor();
  await page.waitForFunction(() => Number((document.querySelector(".upload-tray progress") as HTMLProgressElement | null)?.value ?? 0) > 0);
  expect(await sendButton(page).isDisabled()).toBe(true);
  await page.getByRole("button", { name: "Cancel upload of big.pdf" }).click();
  await expect.poll(() => tray(page).count()).toBe(0);
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  // The next message goes without it.
  await page.locator("#composer-input").fill("never mind");
  await page.locator("#composer-input").press("Enter");
  await until(() => atVisitor.length === 1, visitor);
  expect(atVisitor[0].body).toBe("never mind");
  expect(atVisitor[0].attachments).toEqual([]);
  expect(await server.app.database.prisma.message.count({ where: { conversationId: id, authorKind: "agent" } })).toBe(1);
  expect(unexpected(errors).filter((e) => !e.includes("net::ERR"))).toEqual([]);
});

it("a failed upload is explained and retried; exactly one message goes out", async () => {
  const { page, errors, visitor, id, server } = await chatOpen();
  const atVisitor = collect<MessageDto>(visitor, "message:new");
  // The first upload dies on the wire (connection reset); later ones go through.
  let failures = 1;
  await page.route("**/api/v1/attachments?*", (route) => (failures-- > 0 ? route.abort("connectionreset") : route.continue()));

  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach file" }).click();
  await (await chooser).setFiles({ name: "photo.png", mimeType: "image/png", buffer: png(64, 64) });
  await page.locator(".upload-tray .upload-error", { hasText: "The upload was interrupted. Check your connection and retry." }).waitFor();
  await page.locator("#composer-input").fill("with a photo");
  await page.locator("#composer-input").press("Enter"); // refused while an upload has failed
  expect(await sendButton(page).isDisabled()).toBe(true);
  await page.getByRole("button", { name: "Retry upload" }).click();
  await consoleTrayReady(page, 1);
  await page.locator("#composer-input").press("Enter");
  await until(() => atVisitor.length === 1, visitor);
  expect(atVisitor[0].body).toBe("with a photo");
  expect(atVisitor[0].attachments.map((a) => a.kind)).toEqual(["image"]);
  await page.locator(".transcript li.msg:not(.msg-pending) .attachment-image img").waitFor();
  expect(await server.app.database.prisma.message.count({ where: { conversationId: id, authorKind: "agent" } })).toBe(1);
  expect(unexpected(errors).filter((e) => !e.includes("net::ERR"))).toEqual([]);
});

it("a visitor's image shows as a thumbnail that opens full size; their PDF downloads byte-identical", async () => {
  const { page, errors, visitor, session, id, server } = await chatOpen();
  const image = await visitorUpload(server, session.token, id, "screenshot.png", png(900, 600, [20, 120, 200]));
  const doc = pdf(20_000);
  const file = await visitorUpload(server, session.token, id, "Rechnung März.pdf", doc);
  const sent = await visitorSendFiles(visitor, id, "files-1", [image, file], "see attached");

  const shown = page.locator(`.transcript li.msg[data-seq="${sent.seq}"]`);
  const thumb = shown.locator(".attachment-image img");
  await thumb.waitFor();
  await page.waitForFunction((seq) => (document.querySelector(`li.msg[data-seq="${seq}"] .attachment-image img`) as HTMLImageElement | null)?.naturalWidth === 900, sent.seq);
  const box = await thumb.boundingBox();
  expect(box!.width).toBeLessThan(900);
  // Accessible with attachments shown and a file waiting in the tray.
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach file" }).click();
  await (await chooser).setFiles({ name: "reply.pdf", mimeType: "application/pdf", buffer: pdf(1000) });
  await consoleTrayReady(page, 1);
  expect(await axeScan(page)).toEqual([]);

  // From the keyboard: the thumbnail opens full size, Escape closes, focus returns to it.
  await thumb.locator("xpath=..").focus();
  await page.keyboard.press("Enter");
  const full = page.locator(".lightbox .lightbox-img");
  await full.waitFor();
  await page.waitForFunction(() => (document.querySelector(".lightbox .lightbox-img") as HTMLImageElement | null)?.naturalWidth === 900);
  expect((await full.boundingBox())!.width).toBeGreaterThan(box!.width);
  expect(await axeScan(page)).toEqual([]);
  for (const key of ["Tab", "Tab", "Shift+Tab", "Tab"]) {
    await page.keyboard.press(key);
    expect(await page.evaluate(() => !!document.activeElement?.closest(".lightbox"))).toBe(true);
  }
  await page.keyboard.press("Escape");
  await full.waitFor({ state: "detached" });
  expect(await page.evaluate(() => document.activeElement?.classList.contains("thumb"))).toBe(true);

  const card = shown.locator(".attachment-file");
  expect(await card.locator(".file-name").textContent()).toBe("Rechnung März.pdf");
  expect(await card.locator(".file-meta").textContent()).toContain("application/pdf");
  const download = page.waitForEvent("download");
  await card.getByRole("link", { name: "Download" }).click();
  const d = await download;
  expect(d.suggestedFilename()).toBe("Rechnung März.pdf");
  expect((await readFile((await d.path())!)).equals(doc)).toBe(true);
  expect(unexpected(errors)).toEqual([]);
});

it("the admin lowers the site's size limit; a larger upload is then refused with the explained message", async () => {
  const { page, errors, visitor, id } = await chatOpen("admin");
  const atVisitor = collect<MessageDto>(visitor, "message:new");

  await page.getByRole("link", { name: "Sites" }).click();
  await page.getByRole("button", { name: "Demo", exact: true }).click();
  await page.locator('input[name="attachmentsMaxMb"]').fill("1");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();

  await page.getByRole("link", { name: "Inbox" }).click();
  await openChat(page, "mine", id);
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach file" }).click();
  await (await chooser).setFiles({ name: "manual.pdf", mimeType: "application/pdf", buffer: pdf(1536 * 1024) });
  await page.locator(".upload-tray .upload-error", { hasText: "This file is larger than this site allows." }).waitFor();
  expect(await sendButton(page).isDisabled()).toBe(true);

  // A file under the new limit still goes.
  await page.getByRole("button", { name: "Remove manual.pdf" }).click();
  const chooser2 = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach file" }).click();
  await (await chooser2).setFiles({ name: "small.pdf", mimeType: "application/pdf", buffer: pdf(512 * 1024) });
  await consoleTrayReady(page, 1);
  await sendButton(page).click();
  await until(() => atVisitor.length === 1, visitor);
  expect(atVisitor[0].attachments.map((a) => a.name)).toEqual(["small.pdf"]);
  expect(unexpected(errors).filter((e) => !e.includes("status of 413"))).toEqual([]);
});

it("a private note can carry a file: agents see it, the visitor neither receives nor can fetch it", async () => {
  const { page, errors, visitor, session, id, server } = await chatOpen();
  const atVisitor = collect<MessageDto>(visitor, "message:new");
  await page.getByLabel("Private note", { exact: true }).check();
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach file" }).click();
  await (await chooser).setFiles({ name: "internal.png", mimeType: "image/png", buffer: png(48, 48) });
  await consoleTrayReady(page, 1);
  await page.locator("#composer-input").fill("for the team");
  await page.getByRole("button", { name: "Add note" }).click();

  const note = page.locator(".transcript li.msg-note:not(.msg-pending)", { hasText: "for the team" });
  await note.locator(".attachment-image img").waitFor();
  const stored = await server.app.database.prisma.message.findFirstOrThrow({ where: { conversationId: id, note: true } });
  // Its URL works for agents (the thumbnail loaded); with the visitor's token it does not exist.
  const src = await note.locator(".attachment-image img").getAttribute("src");
  expect((await visitorDownload(server, session.token, { url: src ?? "" })).status).toBe(404);
  expect(stored.body).toBe("for the team");
  // The visitor got nothing: a text message sent next is the first thing they receive.
  await page.getByLabel("Private note", { exact: true }).uncheck();
  await page.locator("#composer-input").fill("visible");
  await page.locator("#composer-input").press("Enter");
  await until(() => atVisitor.length === 1, visitor);
  expect(atVisitor[0].body).toBe("visible");
  expect(unexpected(errors)).toEqual([]);
});

it("a renamed executable is refused by its content, explained, and offers no retry; past ten files the rest are left out, said so", async () => {
  const { page, errors, id, server } = await chatOpen();
  const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4096, 0x90)]);
  const chooser = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach file" }).click();
  await (await chooser).setFiles({ name: "report.pdf", mimeType: "application/pdf", buffer: elf });
  await page.locator(".upload-tray .upload-error", { hasText: "This type of file is not allowed on this site" }).waitFor();
  expect(await page.getByRole("button", { name: "Retry upload" }).count()).toBe(0);
  expect(await sendButton(page).isDisabled()).toBe(true);
  await page.getByRole("button", { name: "Remove report.pdf" }).click();
  await expect.poll(() => tray(page).count()).toBe(0);

  // Eleven files at once: ten go to the tray (the per-message limit) and the tray says so.
  const many = page.waitForEvent("filechooser");
  await page.getByRole("button", { name: "Attach file" }).click();
  await (await many).setFiles(Array.from({ length: 11 }, (_, i) => ({ name: `n${i}.txt`, mimeType: "text/plain", buffer: Buffer.from(`note ${i}\n`) })));
  await page.getByRole("alert").filter({ hasText: "At most 10 files per message: 1 left out." }).waitFor();
  await consoleTrayReady(page, 10);
  expect(await server.app.database.prisma.message.count({ where: { conversationId: id, authorKind: "agent" } })).toBe(0);
  expect(unexpected(errors).filter((e) => !e.includes("status of 415"))).toEqual([]);
});
