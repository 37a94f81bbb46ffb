// An attachment opened directly in Chromium by a signed-in agent can never run script on Parley's
// origin: a text file with <script> inside downloads instead of rendering, an image renders as an
// image, and even a stored HTML document (as if sniffing had been fooled) is a sandboxed download.
// A script that ran would change the title or call a loopback URL this test listens on.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { afterEach, expect, it } from "vitest";
import type { Ack, ConversationDto } from "../../server/protocol.ts";
import { launchBrowser, type Browser } from "../helpers/browser.ts";
import { closeAllClients, connectVisitor, login, ok } from "../helpers/clients.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { emitAck } from "../helpers/wait.ts";
import { FILES, TEXT_WITH_SCRIPT } from "./fixtures.ts";
import { upload } from "./helpers.ts";

let server: TestServer | undefined;
let browser: Browser | undefined;
let watcher: http.Server | undefined;
afterEach(async () => {
  closeAllClients();
  await browser?.close();
  await server?.close();
  await new Promise((r) => (watcher ? watcher.close(r) : r(undefined)));
  server = browser = watcher = undefined;
});

it("text with <script> downloads, images render, nothing runs", async () => {
  const hits: string[] = [];
  watcher = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    res.end();
  });
  await new Promise<void>((r) => watcher!.listen(0, "127.0.0.1", r));
  const beacon = `http://127.0.0.1:${(watcher.address() as AddressInfo).port}/ran`;

  server = await startServer();
  await addAgent(server, { email: "ana@example.com" });
  const { cookie } = await login(server, "ana@example.com");
  const { socket, session } = await connectVisitor(server);
  const conv = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(socket, "conversation:open", { clientId: "o" })).conversation;
  const text = Buffer.concat([TEXT_WITH_SCRIPT, Buffer.from(`<img src=x onerror="fetch('${beacon}')"><script>fetch('${beacon}')</script>\n`)]);
  const notes = (await upload(server.url, { bearer: session.token }, conv.id, "notes.txt", text)).attachment!;
  const image = (await upload(server.url, { bearer: session.token }, conv.id, "shot.png", FILES.png)).attachment!;
  expect([notes.mime, image.mime]).toEqual(["text/plain", "image/png"]);
  ok(await emitAck(socket, "message:send", { conversationId: conv.id, clientId: "m", body: "", attachmentIds: [notes.id, image.id] }));
  // Defence in depth: a document stored as HTML (which sniffing refuses) is still served inert.
  const db = server.app.database.prisma;
  const html = Buffer.from(`<html><head><title>ok</title></head><body><script>document.title='pwned';fetch('${beacon}')</script></body></html>`);
  const planted = await db.attachment.create({
    data: { id: "att_planted_html_document_x", siteId: conv.siteId, conversationId: conv.id, uploaderKind: "visitor", uploaderId: session.visitor.id, messageId: (await db.message.findFirstOrThrow({ where: { conversationId: conv.id } })).id, name: "page.html", mime: "text/html", size: html.length, sha256: "-", blob: { create: { data: html } } },
  });

  browser = await launchBrowser();
  const ctx = await browser.newContext({ acceptDownloads: true });
  const [name, value] = cookie.split("=");
  await ctx.addCookies([{ name, value, url: server.url }]);
  const page = await ctx.newPage();

  for (const [id, filename, bytes] of [[notes.id, "notes.txt", text], [planted.id, "page.html", html]] as const) {
    const downloading = page.waitForEvent("download");
    await page.goto(`${server.url}/api/v1/attachments/${id}`).catch(() => undefined); // navigation becomes a download
    const file = await downloading;
    expect(file.suggestedFilename()).toBe(filename);
    expect((await readFile((await file.path()) as string)).equals(bytes)).toBe(true);
  }

  const shown = await page.goto(`${server.url}${image.url}`);
  expect(shown?.headers()["content-type"]).toBe("image/png");
  expect(await page.evaluate(() => document.images.length)).toBe(1);
  expect(await page.title()).not.toBe("pwned");
  // A beacon request would already have arrived (same machine); a last round trip to the watcher
  // proves it is listening and orders any earlier hit before this check.
  await fetch(`${beacon.replace("/ran", "/probe")}`);
  expect(hits).toEqual(["/probe"]);
}, 60_000);
