// Accessibility of the widget in real Chromium: an axe-core scan (WCAG 2.1 A/AA and best
// practices) of the launcher and of the open chat in each of its states, with no serious or
// critical violation; full keyboard use with visible focus; new messages in a live log; and no
// animation when the visitor asks for reduced motion.
import { describe, expect, it } from "vitest";
import type { Ack, ConversationSummaryDto, MessageDto } from "../../server/protocol.ts";
import { axeScan } from "../helpers/axe.ts";
import { ok, onlineAgent } from "../helpers/clients.ts";
import { addAgent } from "../helpers/server.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { chatFrame, launcher, openChat, useWidgetEnv } from "../helpers/widget-host.ts";

const env = useWidgetEnv();

const setup = (settings?: object) => env.setup({ settings, body: `<p><a href="#top">A link on the host page</a></p>` });

describe("widget accessibility", () => {
  it("has no serious axe violations: launcher, conversation, ended chat, offline and pre-chat forms", async () => {
    const { server, host, page } = await setup({ preChat: { enabled: true, fields: [{ key: "name", required: true }, { key: "email", type: "email" }] } });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await page.goto(host.url("/"));
    await launcher(page).waitFor();
    expect(await axeScan(page)).toEqual([]);

    // Offline form (no agent online yet).
    let frame = await openChat(page);
    await frame.getByRole("button", { name: "Send message" }).click();
    await frame.getByRole("alert").waitFor();
    expect(await axeScan(frame)).toEqual([]);

    // Pre-chat form, then the conversation with both sides, a link, typing and the queue line.
    const agent = await onlineAgent(server, "ana@example.com");
    await page.reload();
    frame = await openChat(page);
    await frame.getByRole("button", { name: "Start chat" }).waitFor();
    expect(await axeScan(frame)).toEqual([]);
    await frame.getByLabel("Name").fill("Vera");
    await frame.getByLabel("How can we help?").fill("Hello");
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await frame.getByRole("button", { name: "Start chat" }).click();
    const { id } = await assigned;
    ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: id, clientId: "a1", body: "Hi Vera, see https://help.example/faq" }));
    agent.socket.emit("typing", { conversationId: id, typing: true });
    await frame.getByText("Ana is typing…").waitFor();
    // The reply went into the live log that screen readers announce.
    await frame.getByRole("log", { name: "Messages" }).getByText("Hi Vera, see").waitFor();
    expect(await axeScan(frame)).toEqual([]);

    // Ended, with the rating.
    await frame.getByRole("button", { name: "End chat" }).click();
    await frame.getByRole("button", { name: "5 out of 5" }).waitFor();
    expect(await axeScan(frame)).toEqual([]);
  });

  it("works from the keyboard alone, with visible focus, and hands focus back on close", async () => {
    const { server, host, page } = await setup();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    await page.goto(host.url("/"));
    await launcher(page).waitFor();

    await page.keyboard.press("Tab"); // the host's link
    await page.keyboard.press("Tab"); // the launcher
    expect(await launcher(page).evaluate((el) => el.matches(":focus-visible") && getComputedStyle(el).outlineStyle)).toBe("solid");
    await page.keyboard.press("Enter");
    const frame = await chatFrame(page);
    await frame.locator("textarea:focus").waitFor();
    expect(await frame.locator("textarea").evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("solid");

    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await page.keyboard.type("Typed without a mouse");
    await page.keyboard.press("Enter");
    expect((await assigned).preview).toBe("Typed without a mouse");
    // Shift+Tab leaves the message box for the header's buttons, all reachable.
    await page.keyboard.press("Shift+Tab");
    expect(await frame.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Minimize chat");

    await page.keyboard.press("Escape");
    await page.locator("parley-widget iframe.o").waitFor({ state: "detached" });
    expect(await launcher(page).evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true);
    expect(await launcher(page).getAttribute("aria-expanded")).toBe("false");
  });

  it("respects prefers-reduced-motion", async () => {
    const { host, page } = await env.setup({ context: { reducedMotion: "reduce" } });
    await page.goto(host.url("/"));
    await openChat(page);
    expect(await page.locator("parley-widget iframe").evaluate((el) => getComputedStyle(el).transitionDuration)).toBe("0s");
    const other = await (await env.context({ reducedMotion: "no-preference" })).newPage();
    await other.goto(host.url("/"));
    await openChat(other);
    expect(await other.locator("parley-widget iframe").evaluate((el) => getComputedStyle(el).transitionDuration)).toBe("0.2s");
  });
});
