// Issue 10's headline: the widget on a foreign-origin host page and the agent console in one
// Chromium (fake microphone). The visitor pastes an image and attaches a PDF; the agent sees the
// thumbnail and downloads the PDF byte-identical; the agent sends a file back and the visitor
// sees (and downloads) it; a voice note recorded in each UI plays in the other's.
import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import type { Download, Frame, Locator, Page } from "playwright-core";
import { watchErrors } from "../helpers/browser.ts";
import { addAgent } from "../helpers/server.ts";
import { openChat as openWidget, say, useWidgetEnv } from "../helpers/widget-host.ts";
import { goOnline, listItem, openChat, signIn, unexpected } from "./console-helpers.ts";
import { consoleTrayReady, pdf, png } from "./console-attachments-fixtures.ts";

// Fake capture devices (granted) and play() without a gesture, since the test plays through script.
const env = useWidgetEnv({ media: "allow", args: ["--autoplay-policy=no-user-gesture-required"] });

/** Plays an <audio> and resolves once its playback position has moved. */
function plays(audio: Locator): Promise<number> {
  return audio.evaluate(
    (el: HTMLAudioElement) =>
      new Promise<number>((resolve, reject) => {
        el.addEventListener("timeupdate", () => el.currentTime > 0 && resolve(el.currentTime));
        el.addEventListener("error", () => reject(new Error(`media error ${el.error?.code}`)));
        el.play().catch(reject);
      }),
  );
}

async function bytesOf(d: Download): Promise<Buffer> {
  const path = await d.path();
  if (!path) throw new Error("download has no file");
  return readFile(path);
}

/** Waits until the widget's upload tray holds `n` files, all uploaded. */
async function widgetTrayReady(frame: Frame, n: number): Promise<void> {
  await frame.waitForFunction((count) => {
    const items = [...document.querySelectorAll(".tr li")];
    return items.length === count && items.every((li) => !li.classList.contains("bad") && !li.querySelector("progress"));
  }, n);
}

it("files and voice notes both ways between the widget on a host page and the console", async () => {
  const { server, host, page, site } = await env.setup({ context: { acceptDownloads: true } });
  await addAgent(server, { email: "ana@example.com", name: "Ana" });
  const agentCtx = await env.context({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const ana = await signIn(agentCtx, server, "ana@example.com");
  await goOnline(ana.page);

  const widgetErrors = watchErrors(page).errors;
  await page.goto(host.url("/"));
  const frame = await openWidget(page);
  await say(frame, "Hi, two files for you");
  const conv = await server.app.database.prisma.conversation.findFirstOrThrow({ where: { siteId: site.id } });
  await listItem(ana.page, "mine", conv.id).waitFor();
  await openChat(ana.page, "mine", conv.id);

  // The visitor pastes a screenshot and attaches a PDF, then sends both (no text).
  const shot = png(640, 360, [30, 160, 90]);
  const doc = pdf(50_000);
  await frame.locator("form.cmp").evaluate((form, b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], "image.png", { type: "image/png" }));
    form.querySelector("textarea")?.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  }, shot.toString("base64"));
  const chooser = page.waitForEvent("filechooser");
  await frame.getByRole("button", { name: "Attach a file" }).click();
  await (await chooser).setFiles({ name: "order-4521.pdf", mimeType: "application/pdf", buffer: doc });
  await widgetTrayReady(frame, 2);
  await frame.getByRole("button", { name: "Send" }).click();

  // The agent sees the thumbnail (full size on click) and downloads the PDF byte-identical.
  const thumb = ana.page.locator(".transcript li.msg-visitor .attachment-image img");
  await thumb.waitFor();
  await ana.page.waitForFunction(() => (document.querySelector(".transcript li.msg-visitor .attachment-image img") as HTMLImageElement | null)?.naturalWidth === 640);
  await thumb.click();
  await ana.page.waitForFunction(() => (document.querySelector(".lightbox-img") as HTMLImageElement | null)?.naturalWidth === 640);
  await ana.page.keyboard.press("Escape");
  const card = ana.page.locator(".transcript li.msg-visitor .attachment-file", { hasText: "order-4521.pdf" });
  const agentDownload = ana.page.waitForEvent("download");
  await card.getByRole("link", { name: "Download" }).click();
  expect((await bytesOf(await agentDownload)).equals(doc)).toBe(true);

  // The agent sends a file back; the visitor sees its card and downloads it byte-identical.
  const answer = pdf(30_000);
  const agentChooser = ana.page.waitForEvent("filechooser");
  await ana.page.getByRole("button", { name: "Attach file" }).click();
  await (await agentChooser).setFiles({ name: "label-4521.pdf", mimeType: "application/pdf", buffer: answer });
  await consoleTrayReady(ana.page, 1);
  await ana.page.locator("#composer-input").fill("Your return label");
  await ana.page.locator("#composer-input").press("Enter");
  await frame.getByText("Your return label").waitFor();
  const visitorCard = frame.locator(".fc", { hasText: "label-4521.pdf" });
  await visitorCard.waitFor();
  const visitorDownload = page.waitForEvent("download");
  await frame.getByRole("button", { name: "Download label-4521.pdf" }).click();
  const vd = await visitorDownload;
  expect(vd.suggestedFilename()).toBe("label-4521.pdf");
  expect((await bytesOf(vd)).equals(answer)).toBe(true);

  // A voice note recorded in the widget plays in the console.
  await frame.getByRole("button", { name: "Record a voice note" }).click();
  await frame.getByRole("timer").filter({ hasText: /0:0[1-9]/ }).waitFor(); // a second or more
  await frame.getByRole("button", { name: "Stop recording" }).click();
  await widgetTrayReady(frame, 1);
  await frame.getByRole("button", { name: "Send" }).click();
  const heardByAgent = ana.page.locator(".transcript li.msg-visitor .attachment-audio");
  await heardByAgent.locator("audio").waitFor();
  expect(await heardByAgent.locator(".audio-duration").textContent()).toMatch(/^0:0[1-9]$/);
  expect(await plays(heardByAgent.locator("audio"))).toBeGreaterThan(0);

  // A voice note recorded in the console plays in the widget.
  await ana.page.getByRole("button", { name: "Record voice note" }).click();
  await ana.page.waitForFunction(() => /^0:0[1-9]$/.test(document.querySelector(".voice-time")?.textContent ?? "")); // a second or more
  await ana.page.getByRole("button", { name: "Stop and attach" }).click();
  await consoleTrayReady(ana.page, 1);
  await ana.page.locator(".composer button[type=submit]").click();
  const heardByVisitor = frame.locator(".au audio");
  await frame.waitForFunction(() => document.querySelectorAll(".au audio").length === 2);
  const last = heardByVisitor.last();
  expect(await last.getAttribute("aria-label")).toMatch(/^Voice note, 0:0[1-9]$/);
  expect(await plays(last)).toBeGreaterThan(0);

  expect(unexpected(ana.errors)).toEqual([]);
  expect(widgetErrors).toEqual([]);
});
