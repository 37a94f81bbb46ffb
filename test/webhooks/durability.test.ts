// Deliveries live in the database: a restart between attempts loses nothing, and two server
// instances on one database deliver each event once (each attempt is claimed by one of them).
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Config } from "../../server/config.ts";
import type { Ack, ConversationDto } from "../../server/protocol.ts";
import { dbKinds } from "../helpers/databases.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { connectVisitor, ok } from "../helpers/clients.ts";
import { claimDelivery, finishAttempt } from "../../server/webhooks/claims.ts";
import { fanOut } from "../../server/webhooks/fan-out.ts";
import { webhookSettings } from "../../server/webhooks/settings.ts";
import { emitAck } from "../helpers/wait.ts";
import { apiToken, FAST, receiverFor, register, startAnother, until, webhookFixture, type WebhookFixture } from "./fixtures.ts";

const fx = webhookFixture();

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
  c.send("close");
  const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function open(s: TestServer, url: string, i: number): Promise<string> {
  const { socket } = await connectVisitor({ ...s, url });
  const acked = await emitAck<Ack<{ conversation: ConversationDto }>>(socket, "conversation:open", { clientId: `o${i}`, message: { clientId: "m", body: `hello ${i}` } });
  socket.disconnect();
  return ok(acked).conversation.id;
}

describe("webhook durability", () => {
  it("a server restart between attempts loses no event", async () => {
    // Retries far enough apart that the restart falls between the first and second attempt.
    const webhooks = { ...FAST, retryBaseMs: 600, retryMaxMs: 600 };
    const server = (fx.server = await startServer({ config: { webhooks } }));
    const receiver = await receiverFor(fx);
    receiver.failWith = (_e, attempt) => (attempt === 1 ? 500 : null);
    await register(server, await apiToken(server, ["webhooks:write"]), receiver, { events: ["conversation.created", "message.created"] });
    await open(server, server.url, 0);
    await receiver.until(() => receiver.requests.length === 2);
    expect(receiver.log.size).toBe(0);

    await server.app.close();
    const restarted = await startAnother(fx, server.app.config);
    const pending = await restarted.app.database.prisma.webhookDelivery.findMany();
    expect(pending).toHaveLength(2);
    expect(pending.every((d) => d.state !== "failed")).toBe(true);

    await receiver.until(() => receiver.log.size === 2);
    const statuses = new Map<string, number[]>();
    for (const r of receiver.requests) statuses.set(r.envelope.id, [...(statuses.get(r.envelope.id) ?? []), r.status]);
    for (const s of statuses.values()) expect(s).toEqual([500, 204]);
  });

  it("events stored by a process that stopped before delivering them are delivered by the next one", async () => {
    // This process records events but never dispatches (its poll interval outlives the test).
    const server = (fx.server = await startServer({ config: { webhooks: { ...FAST, pollMs: 3_600_000 } } }));
    const receiver = await receiverFor(fx);
    await register(server, await apiToken(server, ["webhooks:write"]), receiver, { events: ["conversation.created"] });
    // The dispatcher's first pass runs at start, before these events exist.
    const ids = [await open(server, server.url, 1), await open(server, server.url, 2)];
    await server.app.close();
    expect(receiver.requests).toHaveLength(0);

    await startAnother(fx, server.app.config, { webhooks: FAST });
    await receiver.until(() => receiver.log.size === 2);
    expect([...receiver.log.values()].map((e) => (e as { payload: { conversation: { id: string } } }).payload.conversation.id).sort()).toEqual(ids.sort());
    expect(receiver.requests).toHaveLength(2);
  });

  it("an attempt whose process died is picked up again once its lease runs out", async () => {
    const server = (fx.server = await startServer({ config: { webhooks: { ...FAST, pollMs: 3_600_000 } } }));
    const receiver = await receiverFor(fx);
    await register(server, await apiToken(server, ["webhooks:write"]), receiver, { events: ["conversation.created"] });
    await open(server, server.url, 1);
    const db = server.app.database.prisma;
    // A process fans the event out and claims the attempt with a short lease, then "dies".
    // Only conversation.created is subscribed, so the first message was not even stored as an event.
    expect(await db.webhookEvent.findMany({ select: { type: true } })).toEqual([{ type: "conversation.created" }]);
    expect(await fanOut(db, webhookSettings(FAST))).toBe(1);
    const [delivery] = await db.webhookDelivery.findMany();
    const claimed = await claimDelivery(db, delivery.id, new Date(), 300);
    expect(claimed).not.toBeNull();
    // Nobody else can take it while the lease runs.
    expect(await claimDelivery(db, delivery.id, new Date(), 300)).toBeNull();
    await server.app.close();

    const next = (await startAnother(fx, server.app.config, { webhooks: FAST })).app.database.prisma;
    await receiver.until(() => receiver.log.size === 1);
    expect(receiver.requests).toHaveLength(1);
    await until(async () => (await next.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).state === "delivered");
    // The dead process's late answer no longer moves the delivery.
    expect(await finishAttempt(next, claimed!, { startedAt: new Date(), durationMs: 1, statusCode: 500, error: "HTTP 500" }, webhookSettings(FAST))).toBe("lost");
    expect(await next.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({ state: "delivered", attempts: 2, lastStatus: 204 });
  });
});

describe.each(dbKinds())("two server processes on one %s database", (db) => {
  it("deliver each event exactly once", async () => {
    const webhooks = { ...FAST, pollMs: 5 };
    const server = (fx.server = await startServer({ db, config: { webhooks } }));
    const second = await forkServer(fx, { ...server.app.config, seedDemo: false });
    const receiver = await receiverFor(fx);
    await register(server, await apiToken(server, ["webhooks:write"]), receiver, { events: ["conversation.created", "message.created"] });

    const n = 16;
    await Promise.all(Array.from({ length: n }, (_, i) => open(server, i % 2 === 0 ? server.url : second.url, i)));
    await receiver.until(() => receiver.log.size === 2 * n);
    // Not just de-duplicated: each event was sent once, by one process.
    expect(receiver.requests).toHaveLength(2 * n);
    const prisma = server.app.database.prisma;
    await until(async () => (await prisma.webhookDelivery.count({ where: { state: "delivered" } })) === 2 * n);
    const rows = await prisma.webhookDelivery.findMany();
    expect(rows).toHaveLength(2 * n);
    for (const d of rows) expect(d).toMatchObject({ state: "delivered", attempts: 1 });
    expect(await prisma.webhookAttempt.count()).toBe(2 * n);
  });
});

/** A second server in its own process, stopped after the test. */
async function forkServer(fx: WebhookFixture, config: Config): Promise<{ url: string }> {
  const c = fork(path.join(import.meta.dirname, "server-child.ts"), [JSON.stringify(config)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  fx.cleanups.push(() => stopChild(c));
  const port = await new Promise<number>((resolve, reject) => {
    c.once("message", (m) => resolve((m as { port: number }).port));
    c.once("exit", (code) => reject(new Error(`second server exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}` };
}
