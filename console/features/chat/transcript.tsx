// Messages with author, time and delivery state; notes stand out; unsent messages show as
// sending or failed. Sticks to the bottom only while the agent is at the bottom, so reading
// older messages is never interrupted.
import { useLayoutEffect, useRef } from "preact/hooks";
import type { ConversationSummaryDto, MessageDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { timeOf } from "../../lib/format.ts";
import { discardPending, retryPending } from "../../state/actions.ts";
import type { PendingMessage } from "../../state/live-store.ts";
import { AttachmentList } from "../attachments/attachment-list.tsx";
import { visitorName } from "../context/visitor-name.ts";

const NEAR_BOTTOM_PX = 80;

function author(m: MessageDto, conv: ConversationSummaryDto): string {
  if (m.authorKind === "visitor") return m.authorName ?? visitorName(conv.visitor);
  if (m.authorKind === "system") return t("chat.system");
  return m.authorName ?? t("chat.agent");
}

export function Transcript(props: { conv: ConversationSummaryDto; messages: MessageDto[]; pending: PendingMessage[]; loading: boolean }) {
  const { conv, messages, pending } = props;
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const count = messages.length + pending.length;

  useLayoutEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [count, conv.id]);
  useLayoutEffect(() => {
    stick.current = true;
  }, [conv.id]);

  return (
    <div
      class="transcript"
      ref={box}
      role="log"
      aria-live="polite"
      aria-label={t("chat.transcript")}
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
      }}
    >
      <ol class="msg-list">
      {props.loading && messages.length === 0 && <li class="muted">{t("chat.loading")}</li>}
      {messages.map((m) => (
        <li key={m.id} class={`msg msg-${m.authorKind}${m.note ? " msg-note" : ""}`} data-seq={m.seq} data-client-id={m.clientId}>
          <div class="msg-head">
            <span class="msg-author">{author(m, conv)}</span>
            {m.note && <span class="note-label">{t("chat.noteLabel")}</span>}
            <time dateTime={m.createdAt}>{timeOf(m.createdAt)}</time>
            {m.authorKind === "agent" && !m.note && (
              <span class="delivery" data-state={conv.visitorReadSeq >= m.seq ? "read" : "sent"}>
                {conv.visitorReadSeq >= m.seq ? t("delivery.read") : t("delivery.sent")}
              </span>
            )}
          </div>
          {m.body && <p class="msg-body" dir="auto">{m.body}</p>}
          <AttachmentList items={m.attachments ?? []} />
        </li>
      ))}
      {pending.map((p) => (
        <li key={p.clientId} class={`msg msg-agent msg-pending${p.note ? " msg-note" : ""}`} data-client-id={p.clientId} data-pending={p.status}>
          <div class="msg-head">
            <span class="msg-author">{t("chat.you")}</span>
            {p.note && <span class="note-label">{t("chat.noteLabel")}</span>}
            <span class="delivery" data-state={p.status}>
              {p.status === "sending" ? t("delivery.sending") : t("delivery.failed")}
            </span>
          </div>
          {p.body && <p class="msg-body" dir="auto">{p.body}</p>}
          <AttachmentList items={p.attachments ?? []} />
          {p.status === "failed" && (
            <div class="msg-actions">
              <button type="button" onClick={() => retryPending(p)}>
                {t("delivery.retry")}
              </button>
              <button type="button" onClick={() => discardPending(p)}>
                {t("delivery.discard")}
              </button>
            </div>
          )}
        </li>
      ))}
      </ol>
    </div>
  );
}
