// Shared setup for the webhook tests: fast retry timings, an allowlisted loopback receiver, an
// API token, and a server restart on the same database.
import { createApp, type ParleyApp } from "../../server/app.ts";
import type { Config } from "../../server/config.ts";
import { createLogger } from "../../server/logger.ts";
import type { CreatedWebhookEndpointDto, WebhookEventType } from "../../server/protocol.ts";
import { createToken } from "../../server/tokens/service.ts";
import type { WebhookSettings } from "../../server/webhooks/settings.ts";
import { api } from "../helpers/http.ts";
import type { TestServer } from "../helpers/server.ts";
import type { Receiver } from "./receiver.ts";

export const FAST: Partial<WebhookSettings> = {
  allowHosts: ["127.0.0.1"],
  pollMs: 20,
  // Generous: a timed-out attempt is retried, and the exactly-once checks would see it twice.
  timeoutMs: 15_000,
  retryBaseMs: 40,
  retryMaxMs: 200,
  giveUpAfterMs: 60_000,
};

export const ALL_EVENTS: WebhookEventType[] = [
  "conversation.created",
  "conversation.assigned",
  "conversation.transferred",
  "conversation.closed",
  "conversation.rated",
  "message.created",
  "visitor.identified",
];

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

/** Another app on the same database (a restart, or a second process). */
export async function startAnother(config: Config, overrides: Partial<Config> = {}): Promise<{ app: ParleyApp; url: string }> {
  const app = await createApp({ ...config, seedDemo: false, ...overrides }, { logger: createLogger(config.logLevel) });
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
