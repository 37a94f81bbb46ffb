// The `parley` command as an operator uses it, in a child process with its own database.
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, expect, it } from "vitest";
import { io } from "socket.io-client";
import { waitFor } from "../helpers/wait.ts";

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, "../../bin/parley.js");
let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "parley-cli-"));
  env = { ...process.env, DATABASE_URL: `file:${path.join(dir, "parley.db")}`, PARLEY_PUBLIC_URL: "https://chat.example.com", LOG_LEVEL: "warn" };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const parley = (...args: string[]) => run(process.execPath, [bin, ...args], { env });

it("migrates, adds a site with its snippet, an agent with a one-time password, and a token", async () => {
  expect((await parley("migrate")).stdout).toMatch(/Applied: 0001_init\.sql|up to date/);
  expect((await parley("migrate")).stdout).toContain("up to date");
  const site = await parley("site", "add", "--name", "Shop", "--origin", "https://shop.example.com", "--origin", "https://www.shop.example.com/");
  const key = /key: (site_[\w-]+)/.exec(site.stdout)?.[1];
  expect(key).toBeDefined();
  expect(site.stdout).toContain(`<script async src="https://chat.example.com/widget.js" data-parley-site="${key}"></script>`);
  const agent = await parley("agent", "add", "--email", "Ana@Example.com", "--name", "Ana", "--role", "admin");
  const password = /password \(shown once\): (\S+)/.exec(agent.stdout)?.[1];
  expect(password?.length).toBeGreaterThanOrEqual(12);
  const token = await parley("token", "add", "--name", "exports");
  expect(token.stdout).toMatch(/pk_[\w-]{40,}/);
});

it("explains bad arguments and exits non-zero", async () => {
  await expect(parley("site", "add", "--name", "NoOrigin")).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("--origin") });
  await expect(parley("site", "add", "--name", "Bad", "--origin", "ftp://x")).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("Not an http(s) origin") });
  await expect(parley("agent", "add", "--email", "a@b.co", "--name", "A", "--role", "boss")).rejects.toMatchObject({ code: 1 });
  await expect(parley("frobnicate")).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("Usage") });
});

it("serves, prints the setup link, and shuts down cleanly on SIGTERM telling clients", async () => {
  const site = await parley("site", "add", "--name", "Shop", "--origin", "https://shop.example.com");
  const siteKey = /key: (site_[\w-]+)/.exec(site.stdout)?.[1];
  const child = spawn(process.execPath, [bin, "serve"], { env: { ...env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
        if (m && out.includes("one-time link")) resolve(m[1]);
      });
      child.once("exit", (code) => reject(new Error(`exited early (${code}): ${out}`)));
    });
    expect(out).toMatch(/console\/setup\?token=[0-9a-f]{64}/);
    expect(out).not.toMatch(/secret/i);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const socket = io(`${url}/visitor`, { auth: { siteKey }, extraHeaders: { origin: "https://shop.example.com" }, transports: ["websocket"], reconnection: false });
    const refusedOrConnected = await new Promise<string>((resolve) => {
      socket.once("connect", () => resolve("connected"));
      socket.once("connect_error", () => resolve("refused"));
    });
    expect(refusedOrConnected).toBe("connected");
    const shutdown = waitFor(socket, "server:shutdown");
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    await shutdown;
    expect(await exited).toBe(0);
    socket.disconnect();
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
