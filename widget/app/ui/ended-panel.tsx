// After the chat: the optional 1–5 rating, stored with the conversation, and a fresh start.
import type { ChatClient } from "../client/chat-client.ts";
import { t } from "../i18n/t.ts";
import { Icon } from "./icons.tsx";

export function EndedPanel({ client, rating }: { client: ChatClient; rating: number | null }) {
  return (
    <div class="end">
      <p>{t("ended")}</p>
      {rating === null ? (
        <div role="group" aria-labelledby="rate-q" class="rate">
          <p id="rate-q">{t("rate")}</p>
          {[1, 2, 3, 4, 5].map((n) => (
            <button key={n} type="button" class="ib star" aria-label={t("stars", { n })} title={t("stars", { n })} onClick={() => void client.rate(n)}>
              <Icon name="star" />
            </button>
          ))}
        </div>
      ) : (
        <p role="status">{t("rated")}</p>
      )}
      <button type="button" class="btn" data-autofocus onClick={() => client.newChat()}>
        {t("newChat")}
      </button>
    </div>
  );
}
