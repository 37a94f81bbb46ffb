// The working view: queue, my chats and recently closed on the left, the open chat in the
// middle, the visitor on the right. Alt+ArrowUp/Down moves between chats.
import { useEffect } from "preact/hooks";
import type { ConversationSummaryDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { useStore } from "../../lib/store.ts";
import { openConversation } from "../../state/actions.ts";
import { live, type LiveState } from "../../state/live-store.ts";
import { ChatView } from "../chat/chat-view.tsx";
import { VisitorPanel } from "../context/visitor-panel.tsx";
import { ConversationList } from "./conversation-list.tsx";

const CLOSED_SHOWN = 30;

function sections(s: LiveState) {
  const all = Object.values(s.conversations);
  const meId = s.me?.id;
  const queue = all.filter((c) => c.status === "queued").sort((a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.id.localeCompare(b.id));
  const mine = all.filter((c) => c.status === "assigned" && c.assignee?.id === meId).sort((a, b) => (a.assignedAt ?? "").localeCompare(b.assignedAt ?? ""));
  const closed = all
    .filter((c) => c.status === "closed" && c.assignee?.id === meId)
    .sort((a, b) => (b.closedAt ?? "").localeCompare(a.closedAt ?? ""))
    .slice(0, CLOSED_SHOWN);
  return { queue, mine, closed };
}

let cache: { conversations: LiveState["conversations"]; meId: string | undefined; value: ReturnType<typeof sections> } | null = null;
function memoSections(s: LiveState) {
  if (!cache || cache.conversations !== s.conversations || cache.meId !== s.me?.id) cache = { conversations: s.conversations, meId: s.me?.id, value: sections(s) };
  return cache.value;
}

export function InboxPage() {
  const { queue, mine, closed } = useStore(live, memoSections);
  const activeId = useStore(live, (s) => s.activeId);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || (e.key !== "ArrowDown" && e.key !== "ArrowUp")) return;
      const order: ConversationSummaryDto[] = [...mine, ...queue];
      if (order.length === 0) return;
      e.preventDefault();
      const i = order.findIndex((c) => c.id === activeId);
      const next = e.key === "ArrowDown" ? (i + 1) % order.length : (i - 1 + order.length) % order.length;
      void openConversation(order[next].id);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [mine, queue, activeId]);

  return (
    <div class="inbox">
      <div class="inbox-lists">
        <ConversationList id="mine" title={t("inbox.mine")} empty={t("inbox.mineEmpty")} items={mine} />
        <ConversationList id="queue" title={t("inbox.queue")} empty={t("inbox.queueEmpty")} items={queue} queue />
        <ConversationList id="closed" title={t("inbox.closed")} empty={t("inbox.closedEmpty")} items={closed} />
      </div>
      <section class="inbox-chat" aria-label={t("chat.region")}>
        {activeId ? <ChatView conversationId={activeId} /> : <p class="placeholder">{t("inbox.pick")}</p>}
      </section>
      <aside class="inbox-context" aria-label={t("context.region")}>
        {activeId && <VisitorPanel conversationId={activeId} />}
      </aside>
    </div>
  );
}
