// Reply box: Enter sends, Shift+Enter adds a line, "/" opens canned responses, the note switch
// makes the message private. Files (picker, paste, or dropped on the chat) and voice notes upload
// at once into a tray; the message goes out only once every one of them is uploaded. The draft lives in the store per conversation, so switching chats
// keeps it. Typing is announced to the visitor, throttled.
import { useEffect, useRef, useState } from "preact/hooks";
import type { CannedResponseDto, ConversationSummaryDto } from "../../../server/protocol.ts";
import { MAX_MESSAGE_LENGTH } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { useStore } from "../../lib/store.ts";
import { sendMessage, sendTyping } from "../../state/actions.ts";
import { live, setDraft } from "../../state/live-store.ts";
import { UploadTray } from "../attachments/upload-tray.tsx";
import { addFiles, clearUploads, readyAttachments, uploads } from "../attachments/uploads.ts";
import { VoiceRecorder } from "../attachments/voice-recorder.tsx";
import { CannedPicker, useCannedSearch } from "./canned-picker.tsx";

const TYPING_IDLE_MS = 3000;

/** Files from the picker, the clipboard or a drop, into the conversation's upload tray. */
export function attachFiles(conversationId: string, list: readonly File[]): void {
  addFiles(
    conversationId,
    list.map((file) => ({ file, name: file.name || pastedName(file.type) })),
  );
}

/** A screenshot pasted from the clipboard has no useful name ("image.png"): give it one. */
function pastedName(type: string): string {
  const ext = type.split("/")[1]?.replace("jpeg", "jpg") ?? "bin";
  return `pasted-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-")}.${ext}`;
}

export function Composer({ conv }: { conv: ConversationSummaryDto }) {
  const draft = useStore(live, (s) => s.drafts[conv.id] ?? "");
  const [note, setNote] = useState(false);
  const [pick, setPick] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const tray = useStore(uploads, (s) => s.byConversation[conv.id]);
  const uploading = (tray ?? []).some((u) => u.status !== "done");
  const hasFiles = (tray?.length ?? 0) > 0;
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
    const attachments = readyAttachments(conv.id);
    // Never half a message: nothing goes while an upload is running or failed.
    if (closed || !attachments || (!body && attachments.length === 0)) return;
    sendMessage(conv.id, body, note, attachments);
    setDraft(conv.id, "");
    clearUploads(conv.id);
    stopTyping();
  }

  function onPaste(e: ClipboardEvent) {
    const pasted = [...(e.clipboardData?.files ?? [])];
    if (pasted.length === 0) return; // plain text pastes as usual
    e.preventDefault();
    attach(pasted);
  }

  function attach(list: File[]) {
    if (list.length > 0) attachFiles(conv.id, list);
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
      <UploadTray conversationId={conv.id} />
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
        onPaste={onPaste}
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
        <button type="button" class="attach-button" onClick={() => picker.current?.click()}>
          {t("attach.button")}
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          name="attachments"
          aria-label={t("attach.button")}
          onChange={(e) => {
            attach([...(e.currentTarget.files ?? [])]);
            e.currentTarget.value = "";
          }}
        />
        <VoiceRecorder conversationId={conv.id} />
        <span id="composer-help" class="muted">
          {uploading ? t("attach.waiting") : t("composer.help")}
        </span>
        <button type="submit" class="primary" disabled={uploading || (!draft.trim() && !hasFiles)}>
          {note ? t("composer.addNote") : t("composer.send")}
        </button>
      </div>
    </form>
  );
}
