// One conversation: header with actions, transcript, the visitor's live typing, the composer.
import { useEffect, useState } from "preact/hooks";
import { t } from "../../i18n/t.ts";
import { useStore } from "../../lib/store.ts";
import { markRead } from "../../state/actions.ts";
import { live } from "../../state/live-store.ts";
import { visitorName } from "../context/visitor-name.ts";
import { ChatActions } from "./chat-actions.tsx";
import { attachFiles, Composer } from "./composer.tsx";
import { TagEditor } from "./tag-editor.tsx";
import { Transcript } from "./transcript.tsx";
import { TypingIndicator } from "./typing-indicator.tsx";

export function ChatView({ conversationId }: { conversationId: string }) {
  const conv = useStore(live, (s) => s.conversations[conversationId]);
  const messages = useStore(live, (s) => s.messages[conversationId]);
  const pending = useStore(live, (s) => s.outbox[conversationId]);
  const loaded = useStore(live, (s) => s.loaded[conversationId] === true);
  const [dragging, setDragging] = useState(false);

  // Reading the chat while it is open counts as read.
  const lastSeq = messages?.length ? messages[messages.length - 1].seq : 0;
  useEffect(() => {
    if (!document.hidden) markRead(conversationId);
  }, [conversationId, lastSeq]);

  if (!conv) return <p class="placeholder">{t("chat.loading")}</p>;
  // Files dropped anywhere on the conversation go to the composer's upload tray.
  const open = conv.status !== "closed";
  const carriesFiles = (e: DragEvent) => open && (e.dataTransfer?.types ?? []).includes("Files");
  return (
    <div
      class={`chat${dragging ? " chat-drop" : ""}`}
      data-conversation={conversationId}
      data-status={conv.status}
      onDragOver={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        setDragging(false);
        if (!carriesFiles(e)) return;
        e.preventDefault();
        attachFiles(conversationId, [...(e.dataTransfer?.files ?? [])]);
      }}
    >
      <header class="chat-header">
        <div>
          <h2>{visitorName(conv.visitor)}</h2>
          <p class="muted">
            {t(`status.${conv.status}`)}
            {conv.assignee && ` · ${t("chat.assignee", { name: conv.assignee.name })}`} · {conv.siteName}
          </p>
        </div>
        <ChatActions conv={conv} />
      </header>
      <TagEditor conv={conv} />
      <Transcript conv={conv} messages={messages ?? []} pending={pending ?? []} loading={!loaded} />
      <TypingIndicator conversationId={conversationId} />
      <Composer conv={conv} />
    </div>
  );
}
