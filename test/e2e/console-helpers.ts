// Driving the agent console in Chromium: sign in, open a chat, read what an agent sees.
import { afterEach } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { TestServer } from "../helpers/server.ts";
import { watchErrors, type Browser } from "../helpers/browser.ts";
import { closeAllClients } from "../helpers/clients.ts";

export const PASSWORD = "correct horse battery";
export const UI_TIMEOUT = 10_000;

export interface ConsolePage {
  page: Page;
  errors: string[];
}

/** What a console test starts; closed after each test, failed or not. */
export function consoleFixture(): { server?: TestServer; browser?: Browser } {
  const fx: { server?: TestServer; browser?: Browser } = {};
  afterEach(async () => {
    closeAllClients();
    await fx.browser?.close();
    await fx.server?.close();
    fx.browser = fx.server = undefined;
  });
  return fx;
}

/** Page errors, minus the 401 the console's "who am I" check gets before anyone signed in. */
export function unexpected(errors: string[]): string[] {
  return errors.filter((e) => !e.includes("status of 401"));
}

export async function openConsole(context: BrowserContext, server: TestServer, path = "/console/"): Promise<ConsolePage> {
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  const { errors } = watchErrors(page);
  await page.goto(`${server.url}${path}`);
  return { page, errors };
}

export async function signIn(context: BrowserContext, server: TestServer, email: string, password = PASSWORD): Promise<ConsolePage> {
  const c = await openConsole(context, server);
  await c.page.getByLabel("Email").fill(email);
  await c.page.getByLabel("Password").fill(password);
  await c.page.getByRole("button", { name: "Sign in" }).click();
  await waitLive(c.page);
  return c;
}

/** Waits until the console says it is connected (the banner's data-connection). */
export async function waitLive(page: Page): Promise<void> {
  await page.locator('[data-connection="connected"]').waitFor();
}

export async function goOnline(page: Page): Promise<void> {
  await page.locator('select[name="presence"]').selectOption("online");
  await page.waitForFunction(() => (document.querySelector('select[name="presence"]') as HTMLSelectElement | null)?.value === "online");
}

export function listItem(page: Page, list: "mine" | "queue" | "closed", conversationId: string) {
  return page.locator(`[data-list="${list}"] li[data-conversation="${conversationId}"]`);
}

export async function openChat(page: Page, list: "mine" | "queue" | "closed", conversationId: string): Promise<void> {
  await listItem(page, list, conversationId).locator(".conv-item").click();
  await page.locator(`.chat[data-conversation="${conversationId}"]`).waitFor();
}

/** The transcript's messages as [author, body, note] rows. */
export async function transcriptRows(page: Page): Promise<{ body: string; note: boolean; pending: boolean }[]> {
  return page.locator(".transcript li.msg").evaluateAll((els) =>
    els.map((el) => ({
      body: el.querySelector(".msg-body")?.textContent ?? "",
      note: el.classList.contains("msg-note"),
      pending: el.classList.contains("msg-pending"),
    })),
  );
}

export async function messageShown(page: Page, body: string): Promise<void> {
  await page.locator(".transcript li.msg:not(.msg-pending) .msg-body", { hasText: body }).first().waitFor();
}
