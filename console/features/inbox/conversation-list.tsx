// One inbox section: visitor, site, preview, waiting time, unread badge; the queue can accept.
import { useState } from "preact/hooks";
import type { ConversationSummaryDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { timeAgo } from "../../lib/format.ts";
import { useNow } from "../../lib/use-now.ts";
import { useStore } from "../../lib/store.ts";
import { acceptConversation, openConversation } from "../../state/actions.ts";
import { live } from "../../state/live-store.ts";
import { visitorName } from "../context/visitor-name.ts";

export function ConversationList(props: { id: string; title: string; empty: string; items: ConversationSummaryDto[]; queue?: boolean }) {
  const now = useNow(5000);
  const activeId = useStore(live, (s) => s.activeId);
  const unread = useStore(live, (s) => s.unread);
  const [error, setError] = useState<string | null>(null);
  const headingId = `list-${props.id}`;
  return (
    <section class="conv-list" aria-labelledby={headingId} data-list={props.id}>
      <h2 id={headingId}>
        {props.title} <span class="count">{props.items.length}</span>
      </h2>
      {error && <p class="error" role="alert">{error}</p>}
      {props.items.length === 0 ? (
        <p class="muted">{props.empty}</p>
      ) : (
        <ul>
          {props.items.map((c) => {
            const n = unread[c.id] ?? 0;
            return (
              <li key={c.id} class={c.id === activeId ? "active" : undefined} data-conversation={c.id}>
                <button type="button" class="conv-item" aria-current={c.id === activeId ? "true" : undefined} onClick={() => void openConversation(c.id)}>
                  <span class="conv-top">
                    <span class="conv-name">{visitorName(c.visitor)}</span>
                    {n > 0 && (
                      <span class="badge unread-badge" aria-label={t("inbox.unread", { count: n })}>
                        {n}
                      </span>
                    )}
                  </span>
                  <span class="conv-meta">
                    <span>{c.siteName}</span>
                    {props.queue && <span class="waiting">{t("inbox.waiting", { time: timeAgo(c.queuedAt, now) })}</span>}
                  </span>
                  <span class="conv-preview">{c.preview ?? t("inbox.noMessages")}</span>
                </button>
                {props.queue && (
                  <button
                    type="button"
                    class="accept"
                    onClick={() => {
                      setError(null);
                      acceptConversation(c.id)
                        .then(() => openConversation(c.id))
                        .catch((err: unknown) => setError(errorText(err)));
                    }}
                  >
                    {t("inbox.accept")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
