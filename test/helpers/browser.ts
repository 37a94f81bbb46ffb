// Real Chromium (Debian's) through playwright-core. Playwright never downloads a browser here.
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/**
 * Chromium's fake capture device: a synthetic camera and a microphone playing a beep, so
 * MediaRecorder code runs for real without hardware.
 * - "allow": the fake device and the fake permission UI, so getUserMedia is granted without a prompt.
 * - "deny": the fake device but no fake UI, and prompts are denied, so getUserMedia rejects
 *   with NotAllowedError (the permission-refusal path).
 */
export type FakeMedia = "allow" | "deny";

export const FAKE_MEDIA_ARGS: Record<FakeMedia, string[]> = {
  allow: ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
  deny: ["--use-fake-device-for-media-stream", "--deny-permission-prompts"],
};

export interface LaunchOptions {
  args?: string[];
  media?: FakeMedia;
}

/** `launchBrowser()`, `launchBrowser(["--flag"])` or `launchBrowser({ media: "allow" })`. */
export async function launchBrowser(options: string[] | LaunchOptions = []): Promise<Browser> {
  const opts: LaunchOptions = Array.isArray(options) ? { args: options } : options;
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: [...CHROMIUM_ARGS, ...(opts.media ? FAKE_MEDIA_ARGS[opts.media] : []), ...(opts.args ?? [])],
  });
}

/** Records console errors and uncaught page errors, so a test can assert the page stayed clean. */
export function watchErrors(page: Page): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
    if (msg.type() === "warning") warnings.push(msg.text());
  });
  return { errors, warnings };
}

export type { Browser, BrowserContext, Page };
