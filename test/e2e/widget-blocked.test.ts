// A blocked visitor, in real Chromium: once an agent blocks them, the widget says so in words
// of its own (not the generic "not available" or an endless "connecting"), offers no message box,
// and says the same after a reload; unblocked, the same visitor chats again.
import { expect, it } from "vitest";
import type { Ack, ConversationSummaryDto } from "../../server/protocol.ts";
import { en } from "../../widget/app/i18n/en.ts";
import de from "../../widget/app/i18n/de.ts";
import { watchErrors } from "../helpers/browser.ts";
import { onlineAgent } from "../helpers/clients.ts";
import { addAgent } from "../helpers/server.ts";
import { emitAck, waitFor } from "../helpers/wait.ts";
import { chatFrame, openChat, say, useWidgetEnv } from "../helpers/widget-host.ts";

const env = useWidgetEnv();

it("shows a blocked visitor a clear refusal, across reloads, until they are unblocked", async () => {
  const { server, host, page } = await env.setup();
  await addAgent(server, { email: "ana@example.com", name: "Ana" });
  const agent = await onlineAgent(server, "ana@example.com");
  const { warnings } = watchErrors(page);
  await page.goto(host.url("/"));
  let frame = await openChat(page);
  const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
  await say(frame, "spam spam spam");
  const conv = await assigned;

  expect(await emitAck<Ack<unknown>>(agent.socket, "visitor:block", { conversationId: conv.id })).toEqual({ ok: true, data: { blocked: true } });
  // the server drops the socket; the widget reconnects and is refused with "blocked"
  const alert = frame.getByRole("alert");
  await alert.filter({ hasText: en.blocked }).waitFor();
  expect(await frame.locator("textarea").count()).toBe(0);
  expect(await frame.getByText(en.refused).count()).toBe(0);
  expect(warnings.some((w) => w.includes("You cannot start a chat on this site"))).toBe(true);

  await page.reload();
  frame = await openChat(page);
  await frame.getByRole("alert").filter({ hasText: en.blocked }).waitFor();
  expect(await frame.locator("textarea").count()).toBe(0);

  expect(await emitAck<Ack<unknown>>(agent.socket, "visitor:unblock", { conversationId: conv.id })).toEqual({ ok: true, data: { blocked: false } });
  await page.reload();
  frame = await openChat(page);
  await frame.locator("textarea").waitFor();
  expect(await frame.getByText(en.blocked).count()).toBe(0);
});

it("says it in the visitor's language", async () => {
  const { server, host, page, context } = await env.setup({ context: { locale: "de-DE" } });
  await addAgent(server, { email: "ana@example.com", name: "Ana" });
  const agent = await onlineAgent(server, "ana@example.com");
  await page.goto(host.url("/"));
  const frame = await openChat(page);
  const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
  await say(frame, "Hallo");
  const conv = await assigned;
  expect(await emitAck<Ack<unknown>>(agent.socket, "visitor:block", { conversationId: conv.id })).toMatchObject({ ok: true });
  const again = await context.newPage();
  await again.goto(host.url("/"));
  await (await openChat(again)).getByRole("alert").filter({ hasText: de.blocked }).waitFor();
  await (await chatFrame(page)).getByRole("alert").filter({ hasText: de.blocked }).waitFor();
});
