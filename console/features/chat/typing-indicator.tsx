// What the visitor is typing right now. The line always takes its space, so the transcript
// does not jump when it appears.
import { t } from "../../i18n/t.ts";
import { useStore } from "../../lib/store.ts";
import { live } from "../../state/live-store.ts";

export function TypingIndicator({ conversationId }: { conversationId: string }) {
  const typing = useStore(live, (s) => s.typing[conversationId]);
  return (
    <div class="typing" aria-live="off" data-typing={typing ? "yes" : "no"}>
      {typing && (
        <>
          <span class="typing-label">{t("chat.visitorTyping")}</span>
          {typing.preview && <span class="typing-preview">{typing.preview}</span>}
        </>
      )}
    </div>
  );
}
