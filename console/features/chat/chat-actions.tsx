// Accept, transfer (to an agent or back to the queue), close, reopen; errors shown in place.
import { useState } from "preact/hooks";
import type { ConversationSummaryDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { useStore } from "../../lib/store.ts";
import { acceptConversation, closeConversation, refreshAgents, reopenConversation, transferConversation } from "../../state/actions.ts";
import { live } from "../../state/live-store.ts";
import { BlockVisitor } from "./block-visitor.tsx";

const QUEUE = "__queue__";

export function ChatActions({ conv }: { conv: ConversationSummaryDto }) {
  const me = useStore(live, (s) => s.me);
  const agents = useStore(live, (s) => s.agents);
  const [target, setTarget] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    fn()
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };

  const others = agents.filter((a) => a.id !== me?.id);
  return (
    <div class="chat-actions">
      {conv.status === "queued" && (
        <button type="button" class="primary" disabled={busy} onClick={() => run(() => acceptConversation(conv.id))}>
          {t("inbox.accept")}
        </button>
      )}
      {conv.status === "assigned" && (
        <form
          class="transfer"
          onSubmit={(e) => {
            e.preventDefault();
            if (!target) return;
            run(async () => {
              await transferConversation(conv.id, target === QUEUE ? undefined : target);
              setTarget("");
            });
          }}
        >
          <label>
            <span class="visually-hidden">{t("chat.transferTo")}</span>
            <select name="transfer" value={target} onFocus={() => void refreshAgents().catch(() => undefined)} onChange={(e) => setTarget(e.currentTarget.value)}>
              <option value="">{t("chat.transferTo")}</option>
              <option value={QUEUE}>{t("chat.backToQueue")}</option>
              {others.map((a) => (
                <option key={a.id} value={a.id}>
                  {t("chat.agentOption", { name: a.name, status: t(`presence.${a.status}`) })}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy || !target}>
            {t("chat.transfer")}
          </button>
        </form>
      )}
      {conv.status !== "closed" && (
        <button type="button" disabled={busy} onClick={() => run(() => closeConversation(conv.id))}>
          {t("chat.close")}
        </button>
      )}
      {conv.status === "closed" && (
        <button type="button" disabled={busy} onClick={() => run(() => reopenConversation(conv.id))}>
          {t("chat.reopen")}
        </button>
      )}
      <BlockVisitor conversationId={conv.id} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
