// The console's Webhooks page in Chromium: an admin adds an endpoint (the secret is shown once
// and verifies real deliveries), sees it failing when the receiver keeps refusing, reads the
// delivery log (status codes, response times) and presses "Redeliver" to get the event again.
import { expect, it } from "vitest";
import type { Ack, ConversationDto } from "../../server/protocol.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { connectVisitor, ok } from "../helpers/clients.ts";
import { addAgent, startServer } from "../helpers/server.ts";
import { emitAck } from "../helpers/wait.ts";
import { FAST, until } from "../webhooks/fixtures.ts";
import { Receiver } from "../webhooks/receiver.ts";
import { consoleFixture, signIn, unexpected } from "./console-helpers.ts";

const fx = consoleFixture();
const HOSTILE = `<img src=x onerror="window.__pwned=1">`;

it("adds an endpoint, shows it failing, lists deliveries with status codes and redelivers", async () => {
  const server = (fx.server = await startServer({ config: { webhooks: { ...FAST, giveUpAfterMs: 1000 } } }));
  const receiver = await new Receiver().start();
  try {
    receiver.failWith = () => 500;
    await addAgent(server, { email: "root@example.com", name: "Root", role: "admin" });
    const browser = (fx.browser = await launchBrowser());
    const { page, errors } = await signIn(await browser.newContext(), server, "root@example.com");
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByText("No webhook endpoints yet.").waitFor();

    await page.getByLabel("URL").fill(receiver.url);
    await page.getByLabel("Description").fill(HOSTILE);
    for (const type of ["conversation.assigned", "conversation.transferred", "conversation.closed", "conversation.rated", "visitor.identified"]) {
      await page.getByRole("checkbox", { name: type }).uncheck();
    }
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = (await page.locator('[data-secret="webhook"]').textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    receiver.secret = secret;
    const row = page.locator(`tr[data-endpoint="${receiver.url}"]`);
    await row.waitFor();
    // The description is text, never markup.
    expect(await row.getByText(HOSTILE).count()).toBe(1);
    expect(await row.locator("img").count()).toBe(0);
    expect(await row.textContent()).toContain(`Secret ends in ${secret.slice(-4)}`);

    const { socket } = await connectVisitor(server);
    const conv = ok(await emitAck<Ack<{ conversation: ConversationDto }>>(socket, "conversation:open", { clientId: "o", message: { clientId: "m", body: "Hello" } })).conversation;
    const prisma = server.app.database.prisma;
    await until(async () => (await prisma.webhookDelivery.count({ where: { state: "failed" } })) === 2);

    // Failing is visible to the admin.
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByRole("link", { name: "Webhooks" }).click();
    await row.locator('[data-failing="true"]').waitFor();
    expect(await row.locator('[data-failing="true"]').textContent()).toContain("Failing since");

    await row.getByRole("button", { name: "Delivery log" }).click();
    const log = page.locator("table.delivery-log");
    await log.waitFor();
    const created = log.locator('tr[data-state="failed"]', { hasText: "conversation.created" });
    await created.waitFor();
    expect(await log.locator("tbody tr").count()).toBe(2);
    const attempts = await created.locator(".attempts li").allTextContents();
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    for (const a of attempts) expect(a).toMatch(/^500 in \d+ ms, \S/);

    // The receiver is fixed: "Redeliver" sends the same event again.
    receiver.failWith = () => null;
    const failedRow = await prisma.webhookDelivery.findFirstOrThrow({ where: { event: { type: "conversation.created" } } });
    await created.getByRole("button", { name: "Redeliver" }).click();
    await page.getByText(`Event ${failedRow.eventId} will be sent again.`).waitFor();
    await receiver.until(() => receiver.log.has(failedRow.eventId));
    const got = receiver.log.get(failedRow.eventId) as { payload: { conversation: { id: string } } };
    expect(got.payload.conversation.id).toBe(conv.id);
    expect(receiver.requests.filter((r) => r.envelope.id === failedRow.eventId).every((r) => r.verified)).toBe(true);

    await until(async () => (await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: failedRow.id } })).state === "delivered");
    await page.getByRole("button", { name: "Refresh" }).click();
    await log.locator('tr[data-state="delivered"]', { hasText: "conversation.created" }).waitFor();
    expect(await log.locator('tr[data-state="delivered"] .attempts li').first().textContent()).toMatch(/^204 in \d+ ms/);
    // A success clears "failing".
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByRole("link", { name: "Webhooks" }).click();
    await row.getByText("Delivering").waitFor();
    expect(await page.evaluate(() => "__pwned" in window)).toBe(false);
    expect(unexpected(errors)).toEqual([]);
  } finally {
    await receiver.close();
  }
});
