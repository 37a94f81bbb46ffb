// The message box: Enter sends, Shift+Enter starts a new line. Sending never waits for the
// network: the message goes to the outbox and shows at once.
import { useRef, useState } from "preact/hooks";
import type { ChatClient } from "../client/chat-client.ts";
import { t } from "../i18n/t.ts";
import { Icon } from "./icons.tsx";

export function Composer({ client }: { client: ChatClient }) {
  const [draft, setDraft] = useState("");
  const box = useRef<HTMLTextAreaElement>(null);
  const submit = (e?: Event) => {
    e?.preventDefault();
    if (!draft.trim()) return;
    client.send(draft);
    setDraft("");
    box.current?.focus();
  };
  return (
    <form class="cmp" onSubmit={submit}>
      <textarea
        ref={box}
        data-autofocus
        rows={1}
        maxLength={5000}
        aria-label={t("messageLabel")}
        placeholder={t("placeholder")}
        value={draft}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setDraft(v);
          client.typing(v);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
        }}
      />
      <button type="submit" class="ib snd" aria-label={t("send")} title={t("send")}>
        <Icon name="send" />
      </button>
    </form>
  );
}
