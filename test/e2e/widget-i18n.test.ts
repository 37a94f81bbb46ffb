// The widget in the visitor's language in real Chromium: the browser's locale picks French,
// Japanese or Arabic (launcher and chat), Arabic is mirrored while an English message keeps its
// own direction, Parley('setLocale') switches live, a site's fixed language and its own wording
// win, and only the catalogue in use is downloaded.
import { describe, expect, it } from "vitest";
import type { Ack, ConversationSummaryDto, MessageDto } from "../../server/protocol.ts";
import { watchErrors, type Page } from "../helpers/browser.ts";
import { ok, onlineAgent } from "../helpers/clients.ts";
import { addAgent } from "../helpers/server.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { launcher, openChat, say, useWidgetEnv } from "../helpers/widget-host.ts";

const env = useWidgetEnv();

const parley = (page: Page, ...args: unknown[]) => page.evaluate((a) => (window as unknown as { Parley: (...x: unknown[]) => void }).Parley(...a), args);

/** the catalogue files (by locale) the page fetches from Parley, as they are requested */
function catalogueRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (req) => {
    const m = /\/widget\/catalogue\.([A-Za-z-]+)\.[A-Z0-9]+\.js$/.exec(req.url());
    if (m) seen.push(m[1]);
  });
  return seen;
}

const box = async (page: Page) => {
  const b = await launcher(page).boundingBox();
  if (!b) throw new Error("launcher not visible");
  return { ...b, viewport: page.viewportSize()?.width ?? 0 };
};

describe("widget languages", () => {
  const cases = [
    { locale: "fr-FR", lang: "fr", open: "Ouvrir la discussion", offline: "Nous ne sommes pas disponibles pour le moment. Laissez-nous un message et nous vous répondrons par e-mail.", send: "Envoyer le message" },
    { locale: "ja-JP", lang: "ja", open: "チャットを開く", offline: "ただいま対応できません。メッセージを残していただければ、メールでご返信します。", send: "メッセージを送信" },
  ];
  for (const c of cases) {
    it(`follows a ${c.locale} browser: launcher and chat in ${c.lang}, only that catalogue downloaded`, async () => {
      const { host, page } = await env.setup({ context: { locale: c.locale } });
      const { errors } = watchErrors(page);
      const fetched = catalogueRequests(page);
      await page.goto(host.url());
      await expect.poll(() => launcher(page).getAttribute("aria-label")).toBe(c.open);
      const right = await box(page);
      expect(right.x).toBeGreaterThan(right.viewport / 2);
      // No agent online: the offline form, in the visitor's language.
      const frame = await openChat(page);
      await frame.getByText(c.offline).waitFor();
      expect(await frame.locator("html").getAttribute("lang")).toBe(c.lang);
      expect(await frame.locator("html").getAttribute("dir")).toBe("ltr");
      expect(await frame.getByRole("button", { name: c.send }).count()).toBe(1);
      expect(fetched).toEqual([c.lang]);
      expect(errors).toEqual([]);
    });
  }

  it("Arabic: mirrored launcher and panel, input aligned right, an English message stays left-to-right", async () => {
    const { server, host, page } = await env.setup({ context: { locale: "ar" } });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    await page.goto(host.url());
    await expect.poll(() => launcher(page).getAttribute("aria-label")).toBe("فتح المحادثة");
    const left = await box(page);
    expect(left.x + left.width).toBeLessThan(left.viewport / 2);

    const frame = await openChat(page);
    await frame.getByText("مرحبًا! كيف يمكننا مساعدتك اليوم؟").waitFor();
    expect(await frame.locator("html").getAttribute("dir")).toBe("rtl");
    const panel = await page.locator("parley-widget iframe").boundingBox();
    expect(panel!.x).toBeLessThan(left.viewport / 2);
    const input = frame.locator("textarea");
    expect(await input.evaluate((el) => getComputedStyle(el).direction)).toBe("rtl");
    // The send button sits at the start of the line in reading order: left of the box in RTL.
    const [field, send] = [await input.boundingBox(), await frame.locator("button.snd").boundingBox()];
    expect(send!.x + send!.width).toBeLessThanOrEqual(field!.x + 1);
    await input.fill("سلام");
    expect(["start", "right"]).toContain(await input.evaluate((el) => getComputedStyle(el).textAlign));

    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(frame, "مرحبا، لدي سؤال");
    const summary = await assigned;
    ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: summary.id, clientId: "a1", body: "Hello! Your order shipped today." }));
    const english = frame.locator(".bd", { hasText: "Hello! Your order shipped today." });
    await english.waitFor();
    expect(await english.getAttribute("dir")).toBe("auto");
    expect(await english.evaluate((el) => getComputedStyle(el).direction)).toBe("ltr");
    const arabic = frame.locator(".bd", { hasText: "مرحبا، لدي سؤال" });
    expect(await arabic.evaluate((el) => getComputedStyle(el).direction)).toBe("rtl");
    // The visitor's own bubble sits on the mirrored (left) side.
    const [mine, theirs] = [await arabic.boundingBox(), await english.boundingBox()];
    expect(mine!.x).toBeLessThan(theirs!.x);
  });

  it("Parley('setLocale') switches the chat and the launcher live, downloading only what it shows", async () => {
    const { host, page } = await env.setup({ context: { locale: "en-US" } });
    const fetched = catalogueRequests(page);
    await page.goto(host.url());
    const frame = await openChat(page);
    await frame.getByText("Hi! How can we help you today?").waitFor();
    expect(fetched).toEqual([]);

    await parley(page, "setLocale", "fr");
    await frame.getByText("Bonjour ! Comment pouvons-nous vous aider ?").waitFor();
    await expect.poll(() => launcher(page).getAttribute("aria-label")).toBe("Fermer la discussion");
    expect(await frame.locator("html").getAttribute("lang")).toBe("fr");

    await parley(page, "setLocale", "ar");
    await frame.getByText("مرحبًا! كيف يمكننا مساعدتك اليوم؟").waitFor();
    await expect.poll(() => launcher(page).getAttribute("aria-label")).toBe("إغلاق المحادثة");
    expect(await frame.locator("html").getAttribute("dir")).toBe("rtl");
    await expect.poll(async () => (await box(page)).x).toBeLessThan(100);

    await parley(page, "setLocale", "en");
    await frame.getByText("Hi! How can we help you today?").waitFor();
    await expect.poll(() => launcher(page).getAttribute("aria-label")).toBe("Close chat");
    expect(await frame.locator("html").getAttribute("dir")).toBe("ltr");
    expect(fetched).toEqual(["fr", "ar"]);
  });

  it("Parley('setLocale') queued before the widget loads: launcher and chat start in that language", async () => {
    const { host, page } = await env.setup({
      context: { locale: "fr-FR" },
      head: `<script>window.Parley = window.Parley || function () { (Parley.q = Parley.q || []).push(arguments); }; Parley("setLocale", "ja-JP");</script>`,
    });
    await page.goto(host.url());
    await expect.poll(() => launcher(page).getAttribute("aria-label")).toBe("チャットを開く");
    const frame = await openChat(page);
    await frame.getByText("ただいま対応できません。メッセージを残していただければ、メールでご返信します。").waitFor();
    expect(await frame.locator("html").getAttribute("lang")).toBe("ja");
  });

  it("a site's fixed language beats the browser's, and its own wording beats the catalogue", async () => {
    const { server, host, page } = await env.setup({
      context: { locale: "fr-FR" },
      settings: { language: "de", strings: { open: "Hilfe?", greeting: "Willkommen im Laden!", send: "Los", offlineIntro: "Gerade niemand da." } },
    });
    await page.goto(host.url());
    await expect.poll(() => launcher(page).getAttribute("aria-label")).toBe("Hilfe?");
    let frame = await openChat(page);
    await frame.getByText("Gerade niemand da.").waitFor();
    expect(await frame.locator("html").getAttribute("lang")).toBe("de");
    // Keys the site left alone come from the German catalogue.
    expect(await frame.getByRole("button", { name: "Nachricht senden" }).count()).toBe(1);
    expect(await frame.getByRole("button", { name: "Chat minimieren" }).count()).toBe(1);

    // With an agent online: the chat itself, with the site's greeting and button label.
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await onlineAgent(server, "ana@example.com");
    await page.reload();
    frame = await openChat(page);
    await frame.getByText("Willkommen im Laden!").waitFor();
    expect(await frame.locator("button.snd").getAttribute("aria-label")).toBe("Los");
    expect(await frame.locator("textarea").getAttribute("placeholder")).toBe("Nachricht schreiben…");
  });
});
