// The console in the agent's language in real Chromium: the browser's language before sign-in,
// then the language saved in the agent's profile (kept across reloads); Arabic lays the console
// out mirrored while a visitor's English message keeps left-to-right; a site's widget language
// and wording are edited on the site page.
import { expect, it } from "vitest";
import type { Ack, ConversationDto, SiteDto } from "../../server/protocol.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { connectVisitor, login, ok } from "../helpers/clients.ts";
import { api } from "../helpers/http.ts";
import { addAgent, addSite, startServer } from "../helpers/server.ts";
import { emitAck } from "../helpers/wait.ts";
import { consoleFixture, listItem, openChat, openConsole, PASSWORD, unexpected, waitLive } from "./console-helpers.ts";

const fx = consoleFixture();

it("follows the browser's language, then the profile's; Arabic is mirrored and an English message stays LTR", async () => {
  const server = (fx.server = await startServer());
  await addAgent(server, { email: "root@example.com", name: "Root", role: "admin" });
  const site = await addSite(server, "Shop", ["https://shop.example"]);
  const browser = (fx.browser = await launchBrowser());
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: "ja-JP" });

  // Before sign-in: the browser's language.
  const { page, errors } = await openConsole(ctx, server);
  await page.getByRole("heading", { name: "Parley にログイン" }).waitFor();
  expect(await page.locator("html").getAttribute("lang")).toBe("ja");
  await page.getByLabel("メールアドレス").fill("root@example.com");
  await page.getByLabel("パスワード").fill(PASSWORD);
  await page.getByRole("button", { name: "ログイン" }).click();
  await waitLive(page);
  await page.getByRole("link", { name: "受信箱" }).waitFor();

  // The profile's language, chosen on the account page, applies at once and after a reload.
  await page.getByRole("link", { name: "アカウント" }).click();
  await page.getByLabel("コンソールの言語").selectOption("ar");
  await page.getByRole("heading", { name: "الحساب" }).waitFor();
  expect(await page.locator("html").getAttribute("dir")).toBe("rtl");
  await page.reload();
  await waitLive(page);
  await page.getByRole("link", { name: "صندوق الوارد" }).click();
  expect(await page.locator("html").getAttribute("lang")).toBe("ar");
  expect(await page.locator("html").getAttribute("dir")).toBe("rtl");

  // Mirrored: the conversation lists are on the right, the visitor panel on the left.
  const [lists, context] = [await page.locator(".inbox-lists").boundingBox(), await page.locator(".inbox-context").boundingBox()];
  expect(lists!.x).toBeGreaterThan(640);
  expect(context!.x).toBeLessThan(640);

  // A visitor writes in English: the message keeps its own direction inside the Arabic console.
  const { socket: visitor } = await connectVisitor(server, { siteKey: site.key, origin: "https://shop.example" });
  const opened = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(visitor, "conversation:open", { clientId: "o", message: { clientId: "m0", body: "Hello, where is my order?" } }));
  const id = opened.conversation.id;
  await listItem(page, "queue", id).waitFor();
  // "3 minutes ago" comes from Intl.RelativeTimeFormat in Arabic.
  expect(await listItem(page, "queue", id).locator(".waiting").textContent()).toMatch(/^وصل /);
  await openChat(page, "queue", id);
  const body = page.locator(".msg-body", { hasText: "Hello, where is my order?" });
  await body.waitFor();
  expect(await body.evaluate((el) => getComputedStyle(el).direction)).toBe("ltr");
  expect(await page.locator("textarea").first().evaluate((el) => getComputedStyle(el).direction)).toBe("rtl");

  // Back to the browser's language.
  await page.getByRole("link", { name: "الحساب" }).click();
  await page.getByLabel("لغة وحدة التحكم").selectOption("");
  await page.getByRole("heading", { name: "アカウント" }).waitFor();
  expect(await page.locator("html").getAttribute("dir")).toBe("ltr");
  expect(unexpected(errors)).toEqual([]);
});

it("the site page edits the widget's language and its own wording", async () => {
  const server = (fx.server = await startServer());
  await addAgent(server, { email: "root@example.com", name: "Root", role: "admin" });
  const site = await addSite(server, "Shop", ["https://shop.example"]);
  const browser = (fx.browser = await launchBrowser());
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  const { page, errors } = await openConsole(ctx, server, `/console/`);
  await page.getByLabel("Email").fill("root@example.com");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await waitLive(page);
  await page.getByRole("link", { name: "Sites" }).click();
  await page.getByRole("button", { name: "Shop", exact: true }).click();
  await page.getByLabel("Widget language").selectOption("fr");
  await page.getByText("Widget wording").click();
  await page.locator('input[name="strings.greeting"]').fill("Bienvenue chez Shop !");
  await page.locator('input[name="strings.offlineIntro"]').fill("Revenez plus tard.");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved.").waitFor();

  const admin = (await login(server, "root@example.com")).cookie;
  const saved = await api<SiteDto>(server, "GET", `/api/v1/admin/sites/${site.id}`, { cookie: admin });
  expect(saved.body.settings.language).toBe("fr");
  expect(saved.body.settings.strings).toEqual({ greeting: "Bienvenue chez Shop !", offlineIntro: "Revenez plus tard." });

  // Clearing a field removes the override.
  await page.locator('input[name="strings.offlineIntro"]').fill("");
  await page.getByRole("button", { name: "Save" }).click();
  await expect.poll(async () => (await api<SiteDto>(server, "GET", `/api/v1/admin/sites/${site.id}`, { cookie: admin })).body.settings.strings).toEqual({ greeting: "Bienvenue chez Shop !" });
  expect(unexpected(errors)).toEqual([]);
});
