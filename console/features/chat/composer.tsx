// Reply box: Enter sends, Shift+Enter adds a line, "/" opens canned responses, the note switch
// makes the message private. The draft lives in the store per conversation, so switching chats
// keeps it. Typing is announced to the visitor, throttled.
import { useEffect, useRef, useState } from "preact/hooks";
import type { CannedResponseDto, ConversationSummaryDto } from "../../../server/protocol.ts";
import { MAX_MESSAGE_LENGTH } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { useStore } from "../../lib/store.ts";
import { sendMessage, sendTyping } from "../../state/actions.ts";
import { live, setDraft } from "../../state/live-store.ts";
import { CannedPicker, useCannedSearch } from "./canned-picker.tsx";

const TYPING_IDLE_MS = 3000;

export function Composer({ conv }: { conv: ConversationSummaryDto }) {
  const draft = useStore(live, (s) => s.drafts[conv.id] ?? "");
  const [note, setNote] = useState(false);
  const [pick, setPick] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const typingTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const closed = conv.status === "closed";

  const cannedQuery = /^\/(\S*)$/.exec(draft)?.[1] ?? null;
  const canned = useCannedSearch(cannedQuery);

  useEffect(() => {
    area.current?.focus();
    setNote(false);
    return () => stopTyping();
  }, [conv.id]);
  useEffect(() => setPick(0), [cannedQuery]);

  function stopTyping() {
    if (typingTimer.current) {
      clearTimeout(typingTimer.current);
      typingTimer.current = null;
      sendTyping(conv.id, false);
    }
  }

  function onInput(text: string) {
    setDraft(conv.id, text);
    if (note) return; // notes are not announced to the visitor
    if (!typingTimer.current) sendTyping(conv.id, true);
    else clearTimeout(typingTimer.current);
    typingTimer.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function insert(c: CannedResponseDto) {
    setDraft(conv.id, c.body);
    area.current?.focus();
  }

  function send() {
    const body = draft.trim();
    if (!body || closed) return;
    sendMessage(conv.id, body, note);
    setDraft(conv.id, "");
    stopTyping();
  }

  const onKeyDown = (e: KeyboardEvent) => {
    if (canned.length > 0 && cannedQuery !== null) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setPick((i) => (i + (e.key === "ArrowDown" ? 1 : canned.length - 1)) % canned.length);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        insert(canned[Math.min(pick, canned.length - 1)]);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        setDraft(conv.id, "");
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  if (closed) return <p class="composer-closed muted">{t("chat.closedHint")}</p>;
  const label = note ? t("composer.noteLabel") : t("composer.label");
  return (
    <form
      class={`composer${note ? " composer-note" : ""}`}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {cannedQuery !== null && <CannedPicker items={canned} active={pick} onPick={insert} />}
      <label class="visually-hidden" for="composer-input">
        {label}
      </label>
      <textarea
        id="composer-input"
        ref={area}
        rows={3}
        maxLength={MAX_MESSAGE_LENGTH}
        placeholder={note ? t("composer.notePlaceholder") : t("composer.placeholder")}
        value={draft}
        onInput={(e) => onInput(e.currentTarget.value)}
        onKeyDown={onKeyDown}
        onBlur={stopTyping}
        aria-describedby="composer-help"
        aria-autocomplete="list"
        aria-controls={cannedQuery !== null ? "canned-list" : undefined}
      />
      <div class="composer-bar">
        <label class="note-toggle">
          <input
            type="checkbox"
            name="note"
            checked={note}
            onChange={(e) => {
              setNote(e.currentTarget.checked);
              stopTyping();
            }}
          />
          {t("composer.noteToggle")}
        </label>
        <span id="composer-help" class="muted">
          {t("composer.help")}
        </span>
        <button type="submit" class="primary" disabled={!draft.trim()}>
          {note ? t("composer.addNote") : t("composer.send")}
        </button>
      </div>
    </form>
  );
}
