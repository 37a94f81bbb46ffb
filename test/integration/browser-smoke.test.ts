// The browser tooling itself works: Chromium starts and talks to a real Parley server.
import { afterEach, expect, it } from "vitest";
import { launchBrowser, type Browser } from "../helpers/browser.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  await server?.close();
  browser = server = undefined;
});

it("Chromium loads Parley's health endpoint", async () => {
  server = await startServer();
  browser = await launchBrowser();
  const page = await browser.newPage();
  const res = await page.goto(`${server.url}/healthz`);
  expect(res?.status()).toBe(200);
  expect(await page.textContent("body")).toContain('"ok"');
});
