// Voice notes in the widget with Chromium's fake microphone: recorded, uploaded with its duration
// and received by the agent as audio; the agent's audio note plays in the widget; a refused
// microphone is explained.
import { describe, expect, it } from "vitest";
import { launchBrowser } from "../helpers/browser.ts";
import { onlineAgent } from "../helpers/clients.ts";
import { addAgent } from "../helpers/server.ts";
import { hostHtml, hostSite, openChat, say, useWidgetEnv } from "../helpers/widget-host.ts";
import type { Ack } from "../../server/protocol.ts";
import { emitAck } from "../helpers/wait.ts";
import { agentDownload, agentUpload, chatting, sendWhenUploaded, visitorFiles, wav } from "./widget-attachments-helpers.ts";

const env = useWidgetEnv({ media: "allow" });

describe("widget voice notes", () => {
  it("a voice note recorded in the widget reaches the agent as audio with its duration", async () => {
    const { server, frame, agent } = await chatting(env);
    const received = visitorFiles(agent.socket);
    await frame.getByRole("button", { name: "Record a voice note" }).click();
    await frame.getByRole("timer").getByText("Recording 0:01").waitFor();
    await frame.getByRole("button", { name: "Stop recording" }).click();
    await sendWhenUploaded(frame, "voice-note.webm");
    const m = await received;
    const note = m.attachments[0];
    expect(note).toMatchObject({ kind: "audio", mime: "audio/webm", name: "voice-note.webm" });
    expect(note.durationMs).toBeGreaterThanOrEqual(1000);
    const bytes = await agentDownload(server, agent.cookie, note.url);
    expect(bytes.subarray(0, 4).toString("hex")).toBe("1a45dfa3"); // EBML: a WebM file
    // The visitor's own note plays too, labelled with its duration.
    await frame.locator(".me .au audio").waitFor();
    await frame.getByText(/^Voice note, 0:0\d$/).waitFor();
  });

  it("an audio note from the agent plays in the widget with its duration shown", async () => {
    const { server, frame, agent, conv, agentSends } = await chatting(env);
    const note = await agentUpload(server, agent.cookie, conv.id, "reply.wav", wav(1500), 1500);
    await agentSends("", [note]);
    await frame.getByText("Voice note, 0:01").waitFor();
    await frame.waitForFunction(() => {
      const audio = document.querySelector(".them .au audio") as HTMLAudioElement | null;
      return !!audio && audio.readyState >= 1 && audio.duration > 1.4 && audio.duration < 1.6;
    });
    expect(await frame.locator(".them .au audio").getAttribute("src")).toMatch(/^blob:/);
    await frame.locator(".them .au audio").evaluate((a: HTMLAudioElement) => a.play());
    await frame.waitForFunction(() => ((document.querySelector(".them .au audio") as HTMLAudioElement | null)?.currentTime ?? 0) > 0);
  });

  it("a microphone granted only after the chat ended is released at once, not left recording", async () => {
    const { frame, agent, conv } = await chatting(env);
    // Hold the browser's answer as a permission prompt would, and keep the stream to inspect it.
    await frame.evaluate(() => {
      const w = window as unknown as { answer: () => void; granted?: MediaStream };
      const media = navigator.mediaDevices;
      const real = media.getUserMedia.bind(media);
      const answered = new Promise<void>((resolve) => (w.answer = resolve));
      media.getUserMedia = async (c) => {
        await answered;
        return (w.granted = await real(c));
      };
    });
    await frame.getByRole("button", { name: "Record a voice note" }).click();
    const closed = await emitAck<Ack<unknown>>(agent.socket, "conversation:close", { conversationId: conv.id });
    expect(closed.ok).toBe(true);
    await frame.getByText("This chat has ended.").waitFor();
    await frame.evaluate(() => (window as unknown as { answer: () => void }).answer());
    await frame.waitForFunction(() => {
      const stream = (window as unknown as { granted?: MediaStream }).granted;
      return !!stream && stream.getTracks().length > 0 && stream.getTracks().every((t) => t.readyState === "ended");
    });
    expect(await frame.getByRole("timer").count()).toBe(0);
  });

  it("a refused microphone gets a clear message, and the chat goes on", async () => {
    // Its own browser: the fake device without the fake permission UI, so the prompt is denied.
    const server = await env.server();
    const host = await env.hostPages();
    const site = await hostSite(server, host);
    host.set("/", hostHtml(server.url, site.key));
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await onlineAgent(server, "ana@example.com");
    // Tracked last, so it closes first (before the server it is connected to).
    const browser = await launchBrowser({ media: "deny" });
    env.track(browser, () => browser.close());
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(host.url("/"));
    const frame = await openChat(page);
    await say(frame, "Hello");
    await frame.getByRole("button", { name: "Record a voice note" }).click();
    await frame.getByRole("alert").getByText("Microphone access was refused. Allow it in your browser's site settings to record a voice note.").waitFor();
    await frame.getByRole("button", { name: "Record a voice note" }).waitFor();
    await frame.locator("textarea").waitFor();
  });
});
