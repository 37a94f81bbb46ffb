// Closed conversations: filters, full-text search, paging, any transcript opened beside the list
// with its export links.
import { useEffect, useState } from "preact/hooks";
import type { ConversationSummaryDto, HistoryPageDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { dateTimeOf } from "../../lib/format.ts";
import { get, query } from "../../lib/http.ts";
import { useStore } from "../../lib/store.ts";
import { openConversation, refreshAgents } from "../../state/actions.ts";
import { live } from "../../state/live-store.ts";
import { ChatView } from "../chat/chat-view.tsx";
import { visitorName } from "../context/visitor-name.ts";
import { ExportLinks } from "./export-links.tsx";

interface Filters {
  q: string;
  site: string;
  agent: string;
  from: string;
  to: string;
  tag: string;
  rating: string;
}

const EMPTY: Filters = { q: "", site: "", agent: "", from: "", to: "", tag: "", rating: "" };

export function HistoryPage() {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [items, setItems] = useState<ConversationSummaryDto[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sites, setSites] = useState<{ id: string; name: string }[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const agents = useStore(live, (s) => s.agents);
  const connected = useStore(live, (s) => s.connection === "connected");

  const load = async (f: Filters, after: string | null) => {
    setBusy(true);
    setError(null);
    try {
      const page = await get<HistoryPageDto>(`/history${query({ ...f, cursor: after })}`);
      setItems((prev) => (after ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void load(EMPTY, null);
    get<{ id: string; name: string }[]>("/sites").then(setSites, () => setSites([]));
  }, []);
  useEffect(() => {
    if (connected) void refreshAgents().catch(() => undefined);
  }, [connected]);

  const field = (key: keyof Filters) => (e: Event) => setFilters({ ...filters, [key]: (e.currentTarget as HTMLInputElement).value });
  const open = (id: string) => {
    setSelected(id);
    void openConversation(id).catch(() => undefined);
  };

  return (
    <div class="history">
      <div class="history-list">
        <h1>{t("history.title")}</h1>
        <form
          class="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            void load(filters, null);
          }}
        >
          <label class="wide">
            {t("history.search")}
            <input type="search" name="q" value={filters.q} maxLength={200} onInput={field("q")} />
          </label>
          <label>
            {t("history.site")}
            <select name="site" value={filters.site} onChange={field("site")}>
              <option value="">{t("history.any")}</option>
              {sites.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("history.agent")}
            <select name="agent" value={filters.agent} onChange={field("agent")}>
              <option value="">{t("history.any")}</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("history.from")}
            <input type="date" name="from" value={filters.from} onInput={field("from")} />
          </label>
          <label>
            {t("history.to")}
            <input type="date" name="to" value={filters.to} onInput={field("to")} />
          </label>
          <label>
            {t("history.tag")}
            <input name="tag" value={filters.tag} maxLength={40} onInput={field("tag")} />
          </label>
          <label>
            {t("history.rating")}
            <select name="rating" value={filters.rating} onChange={field("rating")}>
              <option value="">{t("history.any")}</option>
              {[5, 4, 3, 2, 1].map((r) => (
                <option key={r} value={String(r)}>
                  {t("history.stars", { count: r })}
                </option>
              ))}
            </select>
          </label>
          <div class="filter-buttons">
            <button type="submit" class="primary" disabled={busy}>
              {t("history.apply")}
            </button>
            <button
              type="button"
              onClick={() => {
                setFilters(EMPTY);
                void load(EMPTY, null);
              }}
            >
              {t("history.reset")}
            </button>
          </div>
        </form>
        {error && <p class="error" role="alert">{error}</p>}
        <p class="muted" role="status">
          {busy ? t("chat.loading") : t("history.count", { count: items.length })}
        </p>
        <ul class="history-results">
          {items.map((c) => (
            <li key={c.id} class={c.id === selected ? "active" : undefined} data-conversation={c.id}>
              <button type="button" class="conv-item" onClick={() => open(c.id)}>
                <span class="conv-top">
                  <span class="conv-name">{visitorName(c.visitor)}</span>
                  <span class="muted">{dateTimeOf(c.createdAt)}</span>
                </span>
                <span class="conv-meta">
                  <span>{c.siteName}</span>
                  {c.assignee && <span>{c.assignee.name}</span>}
                  {c.rating !== null && <span>{t("history.stars", { count: c.rating })}</span>}
                  {c.tags.length > 0 && <span>{c.tags.join(", ")}</span>}
                </span>
                <span class="conv-preview">{c.preview ?? t("inbox.noMessages")}</span>
              </button>
            </li>
          ))}
        </ul>
        {cursor && (
          <button type="button" disabled={busy} onClick={() => void load(filters, cursor)}>
            {t("history.more")}
          </button>
        )}
      </div>
      <section class="history-transcript" aria-label={t("chat.region")}>
        {selected ? (
          <>
            <ExportLinks conversationId={selected} />
            <ChatView conversationId={selected} />
          </>
        ) : (
          <p class="placeholder">{t("history.pick")}</p>
        )}
      </section>
    </div>
  );
}
