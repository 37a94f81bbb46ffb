// Webhooks (admins): the endpoints Parley POSTs events to, whether they are failing, their
// delivery logs, and the form to add one.
import { useEffect, useState } from "preact/hooks";
import type { CreatedWebhookEndpointDto, WebhookEndpointDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { dateTimeOf } from "../../lib/format.ts";
import { del, get, patch, post } from "../../lib/http.ts";
import { TableHead } from "../shared/table-head.tsx";
import { DeliveryLog } from "./delivery-log.tsx";
import { EndpointForm } from "./endpoint-form.tsx";

export function WebhooksPage() {
  const [endpoints, setEndpoints] = useState<WebhookEndpointDto[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [secret, setSecret] = useState<CreatedWebhookEndpointDto | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = () => get<WebhookEndpointDto[]>("/webhooks").then(setEndpoints, (err: unknown) => setError(errorText(err)));
  useEffect(() => void reload(), []);

  const act = (run: () => Promise<unknown>) => {
    setError(null);
    run().then(reload, (err: unknown) => setError(errorText(err)));
  };
  const current = endpoints.find((e) => e.id === selected) ?? null;

  return (
    <div class="admin-page">
      <h1>{t("webhooks.title")}</h1>
      <p class="muted">{t("webhooks.intro")}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <div class="card once" role="status">
          <p>{t("webhooks.secretOnce", { url: secret.url })}</p>
          <code class="secret" data-secret="webhook">
            {secret.secret}
          </code>
          <p>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(secret.secret)}>
              {t("sites.copy")}
            </button>{" "}
            <button type="button" onClick={() => setSecret(null)}>
              {t("common.dismiss")}
            </button>
          </p>
        </div>
      )}
      {endpoints.length === 0 ? (
        <p class="muted">{t("webhooks.none")}</p>
      ) : (
        <table>
          <TableHead caption={t("webhooks.title")} columns={[t("webhooks.url"), t("webhooks.events"), t("webhooks.health"), t("common.actions")]} />
          <tbody>
            {endpoints.map((e) => (
              <tr key={e.id} class={e.enabled ? undefined : "inactive"} data-endpoint={e.url}>
                <td>
                  <span class="break">{e.url}</span>
                  {e.description && <span class="block muted">{e.description}</span>}
                  <span class="block muted">{t("webhooks.secretEnds", { hint: e.secretHint })}</span>
                </td>
                <td>
                  {e.events.map((type) => (
                    <code class="block" key={type}>
                      {type}
                    </code>
                  ))}
                  {e.includeNotes && <span class="block muted">{t("webhooks.withNotes")}</span>}
                </td>
                <td>
                  {!e.enabled ? (
                    t("webhooks.disabled")
                  ) : e.failingSince ? (
                    <strong class="error" data-failing="true">
                      {t("webhooks.failingSince", { date: dateTimeOf(e.failingSince) })}
                    </strong>
                  ) : (
                    <span class="success">{t("webhooks.healthy")}</span>
                  )}
                </td>
                <td>
                  <div class="buttons">
                    <button type="button" aria-pressed={selected === e.id} onClick={() => setSelected(selected === e.id ? null : e.id)}>
                      {t("webhooks.showLog")}
                    </button>
                    <button type="button" onClick={() => act(() => patch(`/webhooks/${e.id}`, { enabled: !e.enabled }))}>
                      {e.enabled ? t("webhooks.disable") : t("webhooks.enable")}
                    </button>
                    <button
                      type="button"
                      onClick={() => confirm(t("webhooks.rotateConfirm", { url: e.url })) && act(() => post<CreatedWebhookEndpointDto>(`/webhooks/${e.id}/secret`).then(setSecret))}
                    >
                      {t("webhooks.rotate")}
                    </button>
                    <button type="button" onClick={() => confirm(t("webhooks.deleteConfirm", { url: e.url })) && act(() => del(`/webhooks/${e.id}`))}>
                      {t("common.delete")}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {current && <DeliveryLog endpoint={current} />}
      <EndpointForm
        onCreated={(created) => {
          setSecret(created);
          void reload();
        }}
      />
    </div>
  );
}
