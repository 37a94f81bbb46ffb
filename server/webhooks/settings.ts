// Webhook delivery settings: production defaults, each overridable (tests shrink the timings so
// a day of retries runs in seconds).
export interface WebhookSettings {
  /** hosts, IP addresses or CIDR ranges that may be private/loopback (PARLEY_WEBHOOK_ALLOW_HOSTS) */
  allowHosts: string[];
  /** how often each process looks for events to fan out and deliveries that are due */
  pollMs: number;
  /** one attempt, DNS to last response byte */
  timeoutMs: number;
  /** first retry delay; doubles each attempt up to retryMaxMs, with jitter */
  retryBaseMs: number;
  retryMaxMs: number;
  /** after this long without success a delivery fails and its endpoint is marked failing */
  giveUpAfterMs: number;
  /** deliveries attempted at once by one process */
  concurrency: number;
  /** finished deliveries (and their events) are kept this long for the delivery log */
  logRetentionMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowHosts: [],
  pollMs: 1000,
  timeoutMs: 10_000,
  retryBaseMs: 30_000,
  retryMaxMs: 3 * 3600_000,
  giveUpAfterMs: 24 * 3600_000,
  concurrency: 16,
  logRetentionMs: 7 * 24 * 3600_000,
};

export function webhookSettings(partial: Partial<WebhookSettings> | undefined): WebhookSettings {
  return { ...DEFAULT_WEBHOOK_SETTINGS, ...partial };
}

/** PARLEY_WEBHOOK_ALLOW_HOSTS: comma- or space-separated. */
export function parseAllowHosts(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[\s,]+/)
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * Delay before attempt `attempt + 1` (attempt >= 1 just failed): exponential, capped, and
 * jittered to between half and all of it, so endpoints that failed together do not retry in step.
 */
export function retryDelayMs(s: Pick<WebhookSettings, "retryBaseMs" | "retryMaxMs">, attempt: number, random = Math.random): number {
  const full = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(full / 2 + random() * (full / 2));
}
