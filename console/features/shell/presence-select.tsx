// The agent sets online / away / offline; what the server confirmed is what is shown.
import { useState } from "preact/hooks";
import type { AgentStatus } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { useStore } from "../../lib/store.ts";
import { setStatus } from "../../state/actions.ts";
import { live } from "../../state/live-store.ts";

const STATUSES: AgentStatus[] = ["online", "away", "offline"];

export function PresenceSelect() {
  const status = useStore(live, (s) => s.me?.status ?? "offline");
  const connected = useStore(live, (s) => s.connection === "connected");
  const [error, setError] = useState<string | null>(null);
  return (
    <label class={`presence presence-${status}`}>
      <span class="visually-hidden">{t("presence.label")}</span>
      <select
        name="presence"
        value={status}
        disabled={!connected}
        onChange={(e) => {
          const next = e.currentTarget.value as AgentStatus;
          setError(null);
          setStatus(next).catch((err: unknown) => setError(errorText(err)));
        }}
      >
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`presence.${s}`)}
          </option>
        ))}
      </select>
      {error && <span class="error" role="alert">{error}</span>}
    </label>
  );
}
