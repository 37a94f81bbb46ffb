// A visitor whose FIRST act is a file (issue 10): the widget opens the conversation itself
// (conversation:open without a message, with the pre-chat answers when the site asks them), then
// uploads, then sends. Real Chromium, the widget on a foreign-origin host page, a real Parley and
// a real agent (socket.io-client + HTTP with its session cookie).
import { describe, expect, it } from "vitest";
import type { ConversationSummaryDto, MessageDto } from "../../server/protocol.ts";
import { watchErrors, type Page } from "../helpers/browser.ts";
import { onlineAgent } from "../helpers/clients.ts";
import { addAgent } from "../helpers/server.ts";
import { collect, waitFor } from "../helpers/wait.ts";
import { openChat, say, useWidgetEnv } from "../helpers/widget-host.ts";
import { agentDownload, pdf, pick, png, sendWhenUploaded, visitorFiles } from "./widget-attachments-helpers.ts";

// Chromium's fake microphone, for the voice note that starts a chat (it changes nothing else).
const env = useWidgetEnv({ media: "allow" });

// What the host page's Parley("on", "message") handler gets, kept as JSON.
const RECORDER = `<script>
  window.__messages = [];
  window.Parley = window.Parley || function () { (Parley.q = Parley.q || []).push(arguments); };
  Parley("on", "message", function (m) { __messages.push(JSON.stringify(m)); });
</script>`;

const hostMessages = (page: Page) => page.evaluate(() => (window as unknown as { __messages: string[] }).__messages.slice());

/** Parley with one online agent, the host page loaded (chat not opened yet). */
async function fresh(settings?: object) {
  const { server, host, page } = await env.setup({ settings, head: RECORDER });
  await addAgent(server, { email: "ana@example.com", name: "Ana" });
  const agent = await onlineAgent(server, "ana@example.com");
  const errors = watchErrors(page);
  await page.goto(host.url("/"));
  return { server, page, agent, errors };
}

describe("widget: a file as the visitor's first message", () => {
  it("a fresh visitor attaches a PDF first: the conversation opens, the agent gets it and the PDF byte-identical; the host page hears of the file by name only", async () => {
    const { server, page, agent, errors } = await fresh();
    const frame = await openChat(page);
    expect(await server.app.database.prisma.conversation.count()).toBe(0);
    const bytes = pdf(5000);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    const received = visitorFiles(agent.socket);
    const seen = collect<MessageDto>(agent.socket, "message:new");
    await pick(page, frame, [{ name: "first.pdf", mimeType: "application/pdf", buffer: bytes }]);
    const conv = await assigned;
    await sendWhenUploaded(frame, "first.pdf");
    const m = await received;
    expect(m.conversationId).toBe(conv.id);
    expect(m.body).toBe("");
    expect(m.attachments).toEqual([expect.objectContaining({ name: "first.pdf", mime: "application/pdf", size: bytes.length, kind: "file" })]);
    expect((await agentDownload(server, agent.cookie, m.attachments[0].url)).equals(bytes)).toBe(true);
    // One conversation, one message: the open carried no message of its own.
    expect(seen.map((x) => x.id)).toEqual([m.id]);
    expect(await server.app.database.prisma.conversation.count()).toBe(1);
    expect(await server.app.database.prisma.message.count({ where: { conversationId: conv.id } })).toBe(1);
    await frame.locator(".me .fc").getByText("first.pdf", { exact: true }).waitFor();

    // The host page's handler: name and kind, never a URL or a token.
    await page.waitForFunction(() => (window as unknown as { __messages: string[] }).__messages.length > 0);
    const [raw] = await hostMessages(page);
    expect(JSON.parse(raw)).toMatchObject({ id: m.id, authorKind: "visitor", body: "", attachments: [{ name: "first.pdf", kind: "file" }] });
    expect(Object.keys((JSON.parse(raw) as { attachments: object[] }).attachments[0]).sort()).toEqual(["kind", "name"]);
    expect(raw).not.toContain("/api/v1/attachments");
    expect(raw).not.toMatch(/v_[A-Za-z0-9]/);

    // Later text goes to the same conversation.
    const later = waitFor<MessageDto>(agent.socket, "message:new", (x) => x.body === "and a question");
    await say(frame, "and a question");
    expect((await later).conversationId).toBe(conv.id);
    expect(errors.errors).toEqual([]);
  });

  it("a voice note as the first message opens the conversation and reaches the agent as audio", async () => {
    const { server, page, agent } = await fresh();
    const frame = await openChat(page);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    const received = visitorFiles(agent.socket);
    await frame.getByRole("button", { name: "Record a voice note" }).click();
    await frame.getByRole("timer").getByText("Recording 0:01").waitFor();
    await frame.getByRole("button", { name: "Stop recording" }).click();
    const conv = await assigned;
    await sendWhenUploaded(frame, "voice-note.webm");
    const m = await received;
    expect(m.conversationId).toBe(conv.id);
    expect(m.attachments[0]).toMatchObject({ kind: "audio", mime: "audio/webm" });
    expect(m.attachments[0].durationMs).toBeGreaterThanOrEqual(1000);
    expect(await server.app.database.prisma.message.count()).toBe(1);
  });

  it("two files pasted at once, before any message, open one conversation and go in one message", async () => {
    const { server, page, agent } = await fresh();
    const frame = await openChat(page);
    const received = visitorFiles(agent.socket);
    await frame.locator("textarea").focus();
    await frame.evaluate(
      ([img, doc]) => {
        const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes(img)], "shot.png", { type: "image/png" }));
        data.items.add(new File([bytes(doc)], "doc.pdf", { type: "application/pdf" }));
        document.querySelector("textarea")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
      },
      [png(20, 10).toString("base64"), pdf().toString("base64")],
    );
    await frame.locator(".cmp [role=status]").getByText("is ready to send.").waitFor();
    await frame.locator(".tr li").nth(1).waitFor();
    await frame.waitForFunction(() => !document.querySelector(".tr progress"));
    await frame.locator("textarea").fill("my screen");
    await frame.getByRole("button", { name: "Send" }).click();
    const m = await received;
    expect(m.body).toBe("my screen");
    expect(m.attachments.map((a) => a.name).sort()).toEqual(["doc.pdf", "shot.png"]);
    expect(await server.app.database.prisma.conversation.count()).toBe(1);
  });

  it("a failed open is explained on the file like a refused message; the retry opens with the same key, so one conversation and one message", async () => {
    const { server, host, context, page } = await env.setup();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    // Between the chat and Parley: the first conversation:open's answer is turned into a failure
    // (the server did open it), as when an answer is lost to a passing server problem; until the
    // retry, the conversation's updates are held back too (else the widget learns of it from them).
    const opens: { id: string; clientId: string }[] = [];
    let retried = false;
    await context.routeWebSocket(/\/socket\.io\//, (ws) => {
      const parley = ws.connectToServer();
      ws.onMessage((m) => {
        const open = typeof m === "string" ? /^42\/visitor,(\d+)\["conversation:open",(.*)\]$/.exec(m) : null;
        if (open) opens.push({ id: open[1], clientId: (JSON.parse(open[2]) as { clientId: string }).clientId });
        parley.send(m);
      });
      parley.onMessage((m) => {
        const ack = typeof m === "string" ? /^43\/visitor,(\d+)\[/.exec(m) : null;
        if (ack && opens.length === 1 && ack[1] === opens[0].id) return ws.send(`43/visitor,${ack[1]}[{"ok":false,"error":{"code":"unavailable","message":"try again"}}]`);
        if (!retried && typeof m === "string" && m.startsWith('42/visitor,["conversation:updated"')) return;
        ws.send(m);
      });
    });
    await page.goto(host.url("/"));
    const frame = await openChat(page);
    const received = visitorFiles(agent.socket);
    await pick(page, frame, [{ name: "retry.pdf", mimeType: "application/pdf", buffer: pdf() }]);
    // Explained like a refused first message would be, on the file, with a retry.
    await frame.locator(".tr [role=alert]").getByText("Not sent: something went wrong").waitFor();
    // No half message: Send waits for the file.
    await frame.getByRole("button", { name: "Send" }).click();
    await frame.locator(".cmp [role=status]").getByText("Wait until every file is uploaded").waitFor();
    retried = true;
    await frame.getByRole("button", { name: "Retry the upload of retry.pdf" }).click();
    await sendWhenUploaded(frame, "retry.pdf");
    const m = await received;
    expect(opens.length).toBe(2);
    expect(opens[1].clientId).toBe(opens[0].clientId);
    expect(await server.app.database.prisma.conversation.count()).toBe(1);
    expect(await server.app.database.prisma.message.count()).toBe(1);
    expect(m.attachments.map((a) => a.name)).toEqual(["retry.pdf"]);
  });

  it("with a pre-chat form, the form is asked first; its answers go with the conversation the file opens", async () => {
    const { server, page, agent, errors } = await fresh({ preChat: { enabled: true, fields: [{ key: "name", required: true }, { key: "order", label: "Order number" }] } });
    const frame = await openChat(page);
    await frame.getByRole("button", { name: "Start chat" }).waitFor();
    // No composer (so no attach button) until the form is answered.
    expect(await frame.getByRole("button", { name: "Attach a file" }).count()).toBe(0);
    await frame.getByRole("button", { name: "Start chat" }).click();
    await frame.getByRole("alert").getByText("Please fill in Name.").waitFor();
    await frame.getByLabel("Name").fill("Vera");
    await frame.getByLabel("Order number").fill("A-123");
    // The first message may be left empty when the site takes files: the visitor starts with one.
    await frame.getByRole("button", { name: "Start chat" }).click();
    await frame.getByRole("button", { name: "Attach a file" }).waitFor();
    expect(await server.app.database.prisma.conversation.count()).toBe(0);
    const bytes = pdf(2000);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    const received = visitorFiles(agent.socket);
    await pick(page, frame, [{ name: "order.pdf", mimeType: "application/pdf", buffer: bytes }]);
    const conv = await assigned;
    expect(conv.visitor.name).toBe("Vera");
    expect(conv.visitor.attributes.order).toBe("A-123");
    await sendWhenUploaded(frame, "order.pdf");
    const m = await received;
    expect(m.conversationId).toBe(conv.id);
    expect((await agentDownload(server, agent.cookie, m.attachments[0].url)).equals(bytes)).toBe(true);
    expect(errors.errors).toEqual([]);
  });
});
