// Shared setup for the webhook tests: fast retry timings, an allowlisted loopback receiver, an
// API token, and a server restart on the same database.
import { afterEach } from "vitest";
import { createApp, type ParleyApp } from "../../server/app.ts";
import type { Config } from "../../server/config.ts";
import { createLogger } from "../../server/logger.ts";
import type { CreatedWebhookEndpointDto, WebhookEventType } from "../../server/protocol.ts";
import { createToken } from "../../server/tokens/service.ts";
import { WEBHOOK_EVENT_TYPES } from "../../server/webhooks/event-types.ts";
import type { WebhookSettings } from "../../server/webhooks/settings.ts";
import { closeAllClients } from "../helpers/clients.ts";
import { api } from "../helpers/http.ts";
import type { TestServer } from "../helpers/server.ts";
import { Receiver } from "./receiver.ts";

export const FAST: Partial<WebhookSettings> = {
  allowHosts: ["127.0.0.1"],
  pollMs: 20,
  // Generous: a timed-out attempt is retried, and the exactly-once checks would see it twice.
  timeoutMs: 15_000,
  retryBaseMs: 40,
  retryMaxMs: 200,
  giveUpAfterMs: 60_000,
};

export const ALL_EVENTS: WebhookEventType[] = [...WEBHOOK_EVENT_TYPES];

export async function apiToken(server: TestServer, scopes: string[]): Promise<string> {
  return (await createToken(server.app.database.prisma, { name: "test", scopes })).token;
}

/** Registers `receiver` through the REST API and gives it the endpoint's secret. */
export async function register(
  server: TestServer,
  token: string,
  receiver: Receiver,
  body: { events?: WebhookEventType[]; includeNotes?: boolean } = {},
): Promise<CreatedWebhookEndpointDto> {
  const res = await api<CreatedWebhookEndpointDto>(server, "POST", "/api/v1/webhooks", { bearer: token, body: { url: receiver.url, events: body.events ?? ALL_EVENTS, includeNotes: body.includeNotes ?? false } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  receiver.secret = res.body.secret;
  return res.body;
}

/** What a webhook test starts: all of it is closed after each test, failed or not. */
export interface WebhookFixture {
  server?: TestServer;
  /** run after the test, last added first, before the server closes */
  cleanups: (() => Promise<void>)[];
}

export function webhookFixture(): WebhookFixture {
  const fx: WebhookFixture = { cleanups: [] };
  afterEach(async () => {
    closeAllClients();
    for (const cleanup of fx.cleanups.splice(0).reverse()) await cleanup();
    await fx.server?.close();
    fx.server = undefined;
  });
  return fx;
}

/** A started receiver on 127.0.0.1, closed after the test. */
export async function receiverFor(fx: WebhookFixture, path?: string): Promise<Receiver> {
  const receiver = await new Receiver().start(path);
  fx.cleanups.push(() => receiver.close());
  return receiver;
}

/** Another app on the same database (a restart, or a second instance), closed after the test. */
export async function startAnother(fx: WebhookFixture, config: Config, overrides: Partial<Config> = {}): Promise<{ app: ParleyApp; url: string }> {
  const app = await createApp({ ...config, seedDemo: false, ...overrides }, { logger: createLogger(config.logLevel) });
  fx.cleanups.push(() => app.close());
  const { port } = await app.listen(0, "127.0.0.1");
  return { app, url: `http://127.0.0.1:${port}` };
}

/**
 * Polls a database-backed condition: the dispatcher records outcomes in the database after the
 * receiver answered, and tells no socket, so there is no event to await. Bounded, and re-checked
 * every 25 ms.
 */
export async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
