// Registering a webhook endpoint: URL, events, notes opt-in, and an optional own secret (one is
// generated otherwise). The secret is shown once, by the page, after creation.
import { useState } from "preact/hooks";
import type { CreatedWebhookEndpointDto, WebhookEventType } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { post } from "../../lib/http.ts";
import { EVENT_TYPES } from "./event-types.ts";

export function EndpointForm({ onCreated }: { onCreated: (created: CreatedWebhookEndpointDto) => void }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<WebhookEventType[]>([...EVENT_TYPES]);
  const [includeNotes, setIncludeNotes] = useState(false);
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<string | null>(null);

  const toggle = (type: WebhookEventType, on: boolean) => setEvents((list) => (on ? [...list, type] : list.filter((x) => x !== type)));

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const created = await post<CreatedWebhookEndpointDto>("/webhooks", { url, description, events, includeNotes, ...(secret ? { secret } : {}) });
      setUrl("");
      setDescription("");
      setSecret("");
      onCreated(created);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <form class="card form-narrow" onSubmit={submit}>
      <h2>{t("webhooks.new")}</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <label>
        {t("webhooks.url")}
        <input name="webhookUrl" type="url" required maxLength={2000} placeholder="https://example.com/parley" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
        <span class="muted">{t("webhooks.urlHelp")}</span>
      </label>
      <label>
        {t("webhooks.description")}
        <input name="webhookDescription" maxLength={200} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>{t("webhooks.events")}</legend>
        {EVENT_TYPES.map((type) => (
          <label class="check" key={type}>
            <input type="checkbox" name="webhookEvent" value={type} checked={events.includes(type)} onChange={(e) => toggle(type, e.currentTarget.checked)} />
            <code>{type}</code>
          </label>
        ))}
      </fieldset>
      <label class="check">
        <input type="checkbox" name="webhookNotes" checked={includeNotes} onChange={(e) => setIncludeNotes(e.currentTarget.checked)} />
        {t("webhooks.includeNotes")}
      </label>
      <label>
        {t("webhooks.secret")}
        <input name="webhookSecret" minLength={16} maxLength={200} autoComplete="off" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
        <span class="muted">{t("webhooks.secretHelp")}</span>
      </label>
      <button type="submit" class="primary" disabled={events.length === 0}>
        {t("webhooks.create")}
      </button>
    </form>
  );
}
