// Block the conversation's visitor on its site (optionally their current address too), after an
// inline confirmation; a blocked visitor can be let back in from the same place.
import { useState } from "preact/hooks";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { blockVisitor, unblockVisitor } from "../../state/actions.ts";

export function BlockVisitor({ conversationId }: { conversationId: string }) {
  const [stage, setStage] = useState<"idle" | "confirm" | "blocked">("idle");
  const [byIp, setByIp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = (fn: () => Promise<void>, next: "idle" | "blocked") => {
    setBusy(true);
    setError(null);
    fn()
      .then(() => setStage(next))
      .catch((err: unknown) => setError(errorText(err)))
      .finally(() => setBusy(false));
  };

  return (
    <div class="block-visitor">
      {stage === "idle" && (
        <button type="button" onClick={() => setStage("confirm")}>
          {t("chat.block")}
        </button>
      )}
      {stage === "confirm" && (
        <div role="group" aria-label={t("chat.block")}>
          <p>{t("chat.blockConfirm")}</p>
          <label>
            <input type="checkbox" name="block-ip" checked={byIp} onChange={(e) => setByIp(e.currentTarget.checked)} /> {t("chat.blockIp")}
          </label>
          <button type="button" disabled={busy} onClick={() => run(() => blockVisitor(conversationId, byIp), "blocked")}>
            {t("chat.blockDo")}
          </button>
          <button type="button" disabled={busy} onClick={() => setStage("idle")}>
            {t("chat.blockCancel")}
          </button>
        </div>
      )}
      {stage === "blocked" && (
        <p role="status">
          {t("chat.blocked")}{" "}
          <button type="button" disabled={busy} onClick={() => run(() => unblockVisitor(conversationId), "idle")}>
            {t("chat.unblock")}
          </button>
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
