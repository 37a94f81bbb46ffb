// Blocking from the console's chat view: the agent confirms, the visitor's socket drops and a
// later handshake with the same token is refused with "blocked"; Unblock lets them back in.
import { expect, it } from "vitest";
import type { Ack, ConversationDto } from "../../server/protocol.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { connectVisitor, ok, visitorRefused } from "../helpers/clients.ts";
import { addAgent, startServer } from "../helpers/server.ts";
import { emitAck } from "../helpers/wait.ts";
import { consoleFixture, listItem, openChat, signIn, unexpected } from "./console-helpers.ts";

const fx = consoleFixture();

it("an agent blocks a visitor from the chat view and unblocks them again", async () => {
  const server = (fx.server = await startServer());
  await addAgent(server, { email: "ana@example.com", name: "Ana" });
  const browser = (fx.browser = await launchBrowser());
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const { page, errors } = await signIn(ctx, server, "ana@example.com");

  const { socket: visitor, session } = await connectVisitor(server);
  const opened = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(visitor, "conversation:open", { clientId: "o", message: { clientId: "m", body: "spam" } }));
  const id = opened.conversation.id;
  await listItem(page, "queue", id).waitFor();
  await openChat(page, "queue", id);

  const dropped = new Promise<void>((resolve) => visitor.once("disconnect", () => resolve()));
  await page.getByRole("button", { name: "Block visitor" }).click();
  await page.getByLabel("Also block their current IP address").check();
  await page.getByRole("button", { name: "Block", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Visitor blocked." }).waitFor();
  await dropped;
  expect((await visitorRefused(server, { token: session.token })).data?.code).toBe("blocked");
  expect(await server.app.database.prisma.visitorBlock.count({ where: { visitorId: session.visitor.id } })).toBe(1);

  await page.getByRole("button", { name: "Unblock" }).click();
  await page.getByRole("button", { name: "Block visitor" }).waitFor();
  const back = await connectVisitor(server, { token: session.token });
  expect(back.session.visitor.id).toBe(session.visitor.id);
  expect(unexpected(errors)).toEqual([]);
});
