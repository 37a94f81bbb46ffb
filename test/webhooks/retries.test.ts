// Retries: a receiver that fails the first attempts still ends up with each event exactly once
// in its de-duplicated log; one that never answers 2xx gets its endpoint marked failing (and a
// later success clears it); "redeliver" sends the same event id again.
import { describe, expect, it } from "vitest";
import type { Ack, ConversationDto, WebhookDeliveryDto, WebhookEndpointDto } from "../../server/protocol.ts";
import { retryDelayMs } from "../../server/webhooks/settings.ts";
import { api } from "../helpers/http.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { connectVisitor, ok } from "../helpers/clients.ts";
import { emitAck } from "../helpers/wait.ts";
import { apiToken, FAST, receiverFor, register, until, webhookFixture } from "./fixtures.ts";

const fx = webhookFixture();

async function openChats(s: TestServer, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { socket } = await connectVisitor(s);
    ids.push(ok(await emitAck<Ack<{ conversation: ConversationDto }>>(socket, "conversation:open", { clientId: `o${i}`, message: { clientId: "m", body: `hi ${i}` } })).conversation.id);
  }
  return ids;
}

describe("webhook retries", () => {
  it("backs off exponentially with jitter, capped", () => {
    const s = { retryBaseMs: 30_000, retryMaxMs: 3 * 3600_000 };
    expect(retryDelayMs(s, 1, () => 0)).toBe(15_000);
    expect(retryDelayMs(s, 1, () => 1)).toBe(30_000);
    expect(retryDelayMs(s, 4, () => 1)).toBe(240_000);
    expect(retryDelayMs(s, 30, () => 1)).toBe(3 * 3600_000);
    // The default schedule keeps trying for about a day: count the attempts it makes.
    let t = 0;
    let attempts = 1;
    while (t + retryDelayMs(s, attempts, () => 0.5) <= 24 * 3600_000) t += retryDelayMs(s, attempts++, () => 0.5);
    expect(attempts).toBeGreaterThanOrEqual(12);
    expect(t).toBeGreaterThan(20 * 3600_000);
  });

  it("a receiver that fails the first 3 times gets every event exactly once after retries", async () => {
    const server = (fx.server = await startServer({ config: { webhooks: FAST } }));
    const receiver = await receiverFor(fx);
    receiver.failWith = (_e, attempt) => (attempt <= 3 ? 503 : null);
    const token = await apiToken(server, ["webhooks:write", "webhooks:read"]);
    const endpoint = await register(server, token, receiver, { events: ["conversation.created", "message.created"] });
    await openChats(server, 3);

    await receiver.until(() => receiver.log.size === 6);
    // Each event: three refusals, then one success, nothing after it.
    const perEvent = new Map<string, number[]>();
    for (const r of receiver.requests) perEvent.set(r.envelope.id, [...(perEvent.get(r.envelope.id) ?? []), r.status]);
    expect(perEvent.size).toBe(6);
    for (const statuses of perEvent.values()) expect(statuses).toEqual([503, 503, 503, 204]);
    // The same bytes every time (only the timestamp header and signature change).
    for (const id of perEvent.keys()) expect(new Set(receiver.requests.filter((r) => r.envelope.id === id).map((r) => r.raw)).size).toBe(1);

    const log = await api<{ items: WebhookDeliveryDto[] }>(server, "GET", `/api/v1/webhooks/${endpoint.id}/deliveries`, { bearer: token });
    expect(log.status).toBe(200);
    await until(async () => (await deliveries(server, token, endpoint.id)).every((d) => d.state === "delivered"));
    for (const d of await deliveries(server, token, endpoint.id)) {
      expect(d).toMatchObject({ state: "delivered", attempts: 4, lastStatus: 204, lastError: null, nextAttemptAt: null });
      expect(d.recentAttempts.map((a) => a.statusCode)).toEqual([204, 503, 503, 503]);
      expect(d.recentAttempts.every((a) => a.durationMs >= 0)).toBe(true);
    }
  });

  it("marks the endpoint failing when retries run out, clears it on the next success, and redelivers the same event", async () => {
    const server = (fx.server = await startServer({ config: { webhooks: { ...FAST, giveUpAfterMs: 1500 } } }));
    const receiver = await receiverFor(fx);
    receiver.failWith = () => 500;
    const token = await apiToken(server, ["webhooks:write", "webhooks:read"]);
    const endpoint = await register(server, token, receiver, { events: ["conversation.created"] });
    await openChats(server, 1);

    await until(async () => (await deliveries(server, token, endpoint.id)).some((d) => d.state === "failed"));
    const [failed] = await deliveries(server, token, endpoint.id);
    expect(failed.state).toBe("failed");
    expect(failed.attempts).toBeGreaterThanOrEqual(2);
    expect(failed.lastStatus).toBe(500);
    expect(failed.lastError).toBe("HTTP 500");
    const shown = await api<WebhookEndpointDto>(server, "GET", `/api/v1/webhooks/${endpoint.id}`, { bearer: token });
    expect(shown.body.failingSince).not.toBeNull();
    expect(receiver.log.size).toBe(0);

    // The receiver is fixed; an admin presses "redeliver": the same event id arrives.
    receiver.failWith = () => null;
    const redo = await api(server, "POST", `/api/v1/webhooks/${endpoint.id}/deliveries/${failed.id}/redeliver`, { bearer: token });
    expect(redo.status).toBe(202);
    await receiver.until(() => receiver.log.has(failed.eventId));
    await until(async () => (await api<WebhookEndpointDto>(server, "GET", `/api/v1/webhooks/${endpoint.id}`, { bearer: token })).body.failingSince === null);
    const [after] = await deliveries(server, token, endpoint.id);
    expect(after).toMatchObject({ id: failed.id, eventId: failed.eventId, state: "delivered", attempts: 1, lastStatus: 204 });

    // Unknown delivery, other endpoint's delivery: not found, nothing changes.
    expect((await api(server, "POST", `/api/v1/webhooks/${endpoint.id}/deliveries/nope/redeliver`, { bearer: token })).status).toBe(404);
  });
});

async function deliveries(s: TestServer, token: string, endpointId: string): Promise<WebhookDeliveryDto[]> {
  const res = await api<{ items: WebhookDeliveryDto[] }>(s, "GET", `/api/v1/webhooks/${endpointId}/deliveries`, { bearer: token });
  if (res.status !== 200) throw new Error(`deliveries: ${res.status}`);
  return res.body.items;
}
