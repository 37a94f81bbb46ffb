// Honest connection state: live, reconnecting (automatic) or offline, with what it means for
// messages being sent.
import { t } from "../../i18n/t.ts";
import { useStore } from "../../lib/store.ts";
import { live } from "../../state/live-store.ts";

export function ConnectionBanner() {
  const connection = useStore(live, (s) => s.connection);
  const pending = useStore(live, (s) => Object.values(s.outbox).reduce((n, l) => n + l.filter((p) => p.status === "sending").length, 0));
  return (
    <span class={`connection connection-${connection}`} role="status" data-connection={connection}>
      <span class="dot" aria-hidden="true" />
      {t(`connection.${connection}`)}
      {connection !== "connected" && pending > 0 && <span class="pending-count">{t("connection.pending", { count: pending })}</span>}
    </span>
  );
}
