// Accessibility: axe-core finds no serious or critical violation on the console's pages, at
// 1280×720 and at tablet width; the reply box works from the keyboard; password change and sign-out.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { Ack, ConversationDto } from "../../server/protocol.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { connectVisitor, ok } from "../helpers/clients.ts";
import { addAgent, startServer } from "../helpers/server.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { consoleFixture, goOnline, listItem, openChat, PASSWORD, signIn, waitLive } from "./console-helpers.ts";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const fx = consoleFixture();

interface AxeResult {
  violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
}

async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => (window as unknown as { axe: { run(): Promise<AxeResult> } }).axe.run());
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

it("no serious axe violations on inbox, history and admin pages; keyboard reply; password change, sign-out and sign-in", async () => {
  const server = (fx.server = await startServer());
  await addAgent(server, { email: "root@example.com", name: "Root", role: "admin" });
  const browser = (fx.browser = await launchBrowser());
  // axe is injected as an inline script, which the console's CSP rightly forbids.
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, bypassCSP: true });
  const { page } = await signIn(ctx, server, "root@example.com");
  await goOnline(page);
  const { socket: visitor } = await connectVisitor(server);
  const conv = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(visitor, "conversation:open", { clientId: "o", message: { clientId: "m", body: "Hi there" }, name: "Vera" })).conversation;
  await listItem(page, "mine", conv.id).waitFor();
  await openChat(page, "mine", conv.id);
  await page.locator(".visitor-panel").waitFor();

  expect(await seriousViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 820, height: 1180 });
  expect(await seriousViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 1280, height: 720 });

  // Keyboard only: the composer has focus after opening a chat; Enter sends.
  expect(await page.evaluate(() => document.activeElement?.id)).toBe("composer-input");
  const got = waitFor<{ body: string }>(visitor, "message:new", (m) => m.body === "Typed without a mouse");
  await page.keyboard.type("Typed without a mouse");
  await page.keyboard.press("Enter");
  await got;

  // No layout jump when messages and typing arrive: the composer and the chat header stay put.
  const before = await page.evaluate(() => [document.querySelector("#composer-input"), document.querySelector(".chat-header")].map((e) => e?.getBoundingClientRect().top));
  for (let i = 0; i < 12; i++) ok(await emitAck(visitor, "message:send", { conversationId: conv.id, clientId: `x${i}`, body: `Line ${i}\nwith a second line` }));
  visitor.emit("typing", { conversationId: conv.id, typing: true, preview: "still typing" });
  await page.locator(".typing-preview").waitFor();
  await page.locator(".msg-body", { hasText: "Line 11" }).waitFor();
  const after = await page.evaluate(() => [document.querySelector("#composer-input"), document.querySelector(".chat-header")].map((e) => e?.getBoundingClientRect().top));
  expect(after).toEqual(before);
  // ...and the view follows the newest message.
  expect(await page.locator(".msg-body", { hasText: "Line 11" }).isVisible()).toBe(true);
  expect(await page.evaluate(() => { const t = document.querySelector(".transcript")!; return t.scrollHeight - t.scrollTop - t.clientHeight; })).toBeLessThan(5);

  for (const link of ["History", "Canned responses", "Sites", "Agents", "API tokens", "Webhooks", "Account"]) {
    await page.getByRole("link", { name: link }).click();
    await page.locator("h1").first().waitFor();
    expect(await seriousViolations(page), link).toEqual([]);
  }
  // Password change from the Account page, then sign out and back in with the new password.
  await page.getByRole("link", { name: "Account" }).click();
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password (at least 8 characters)").fill("a brand new secret");
  await page.getByLabel("Repeat the new password").fill("a brand new secret");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByText("Your password was changed.").waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.getByLabel("Email").fill("root@example.com");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").getByText("Wrong email or password").waitFor();
  await page.getByLabel("Password").fill("a brand new secret");
  await page.getByRole("button", { name: "Sign in" }).click();
  await waitLive(page);

  await page.getByRole("link", { name: "Sites" }).click();
  await page.getByRole("button", { name: "Demo" }).click();
  await page.locator(".site-editor").waitFor();
  expect(await seriousViolations(page), "site editor").toEqual([]);
});
