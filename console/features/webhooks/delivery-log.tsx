// One endpoint's delivery log: each event sent to it, its state, the last attempts with their
// status codes and response times, and "Redeliver" (the same event id, a new round of retries).
import { useEffect, useState } from "preact/hooks";
import type { WebhookDeliveryDto, WebhookEndpointDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { dateTimeOf } from "../../lib/format.ts";
import { get, post, query } from "../../lib/http.ts";
import { TableHead } from "../shared/table-head.tsx";

interface Page {
  items: WebhookDeliveryDto[];
  nextCursor: string | null;
}

export function DeliveryLog({ endpoint }: { endpoint: WebhookEndpointDto }) {
  const [items, setItems] = useState<WebhookDeliveryDto[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = async (cursor?: string) => {
    setError(null);
    try {
      const page = await get<Page>(`/webhooks/${endpoint.id}/deliveries${query({ cursor, limit: 25 })}`);
      setItems((list) => (cursor ? [...list, ...page.items] : page.items));
      setNext(page.nextCursor);
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => void load(), [endpoint.id]);

  const redeliver = async (d: WebhookDeliveryDto) => {
    setError(null);
    try {
      await post(`/webhooks/${endpoint.id}/deliveries/${d.id}/redeliver`);
      setNotice(t("webhooks.redelivering", { id: d.eventId }));
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section class="card" aria-labelledby="delivery-log-title">
      <h2 id="delivery-log-title">{t("webhooks.logTitle", { url: endpoint.url })}</h2>
      <p class="buttons">
        <button type="button" onClick={() => void load()}>
          {t("webhooks.refresh")}
        </button>
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {items.length === 0 ? (
        <p class="muted">{t("webhooks.logEmpty")}</p>
      ) : (
        <table class="delivery-log">
          <TableHead caption={t("webhooks.logTitle", { url: endpoint.url })} columns={[t("webhooks.event"), t("webhooks.state"), t("webhooks.attempts"), t("common.actions")]} />
          <tbody>
            {items.map((d) => (
              <tr key={d.id} data-delivery={d.id} data-state={d.state}>
                <td>
                  <code>{d.eventType}</code>
                  <span class="block muted mono">{d.eventId}</span>
                  <span class="block muted">{dateTimeOf(d.createdAt)}</span>
                </td>
                <td>
                  <span class={d.state === "failed" ? "error" : d.state === "delivered" ? "success" : undefined}>{t(`webhooks.state.${d.state}`)}</span>
                  {d.nextAttemptAt && <span class="block muted">{t("webhooks.nextAttempt", { date: dateTimeOf(d.nextAttemptAt) })}</span>}
                </td>
                <td>
                  <ol class="plain-list attempts" reversed>
                    {d.recentAttempts.map((a, i) => (
                      <li key={i}>
                        {t("webhooks.attempt", {
                          status: a.statusCode ?? t("webhooks.noResponse"),
                          ms: a.durationMs,
                          date: dateTimeOf(a.startedAt),
                        })}
                        {a.error && a.error !== `HTTP ${a.statusCode}` && <span class="block muted break">{a.error}</span>}
                      </li>
                    ))}
                  </ol>
                </td>
                <td>
                  <button type="button" onClick={() => void redeliver(d)}>
                    {t("webhooks.redeliver")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" onClick={() => void load(next)}>
          {t("webhooks.more")}
        </button>
      )}
    </section>
  );
}
