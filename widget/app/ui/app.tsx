// The chat panel: header (who answers, transcript, end, minimize), status line (connection,
// queue position), the conversation, and whichever form fits the moment.
import { useLayoutEffect, useState } from "preact/hooks";
import { OFFLINE_TAG_TEXT } from "./constants.ts";
import type { WidgetBootDto } from "../../../server/protocol.ts";
import type { ChatClient, ChatState } from "../client/chat-client.ts";
import { toViews } from "../client/messages.ts";
import { t } from "../i18n/t.ts";
import { Composer } from "./composer.tsx";
import { DetailsForm, MESSAGE_FIELD } from "./details-form.tsx";
import { EndedPanel } from "./ended-panel.tsx";
import { labelFor, type FieldSpec } from "./form-field.tsx";
import { Icon } from "./icons.tsx";
import { MessageList } from "./message-list.tsx";

function useChat(client: ChatClient): ChatState {
  const [, rerender] = useState(0);
  // A layout effect, not useEffect: Preact runs plain effects only after a frame, and a fast
  // connection (a reload onto a warm server) delivered the session and history in between, to no
  // listener, so the panel stayed at "Connecting…" with no messages until the next event. A layout
  // effect subscribes in the same task as the render, before any socket event can arrive.
  useLayoutEffect(() => client.subscribe(() => rerender((n) => n + 1)), [client]);
  return client.get();
}

function statusLine(s: ChatState): string | null {
  if (s.connection === "connecting") return t("connecting");
  if (s.connection === "offline") return t("offline");
  const conv = s.conversation;
  if (!conv || s.ended || conv.status !== "queued") return null;
  if (conv.tags.includes(OFFLINE_TAG_TEXT)) return t("offlineDone", { email: s.email ?? "" });
  const q = s.queue;
  if (!q) return null;
  const wait = q.estimatedWaitSeconds === null ? "" : " " + (q.estimatedWaitSeconds < 60 ? t("queueSoon") : t("queueWait", { minutes: Math.round(q.estimatedWaitSeconds / 60) }));
  return t("queue", { position: q.position }) + wait;
}

export function App({ client, boot, onMinimize }: { client: ChatClient; boot: WidgetBootDto; onMinimize: () => void }) {
  const s = useChat(client);
  const conv = s.conversation;
  const assignee = conv?.assignee ?? null;
  const status = statusLine(s);
  const prechat: FieldSpec[] = boot.settings.preChat.fields.map((f) => ({
    ...f,
    label: labelFor(f.key, f.label, f.key === "name" ? "name" : f.key === "email" ? "email" : null),
  }));

  const mode = s.connection === "refused" || s.connection === "blocked" ? "refused" : s.ended ? "ended" : !conv && !s.outbox.length && !s.online ? "offline" : !conv && !s.prechatDone ? "prechat" : "chat";
  let footer;
  if (mode === "refused") footer = <p class="note" role="alert">{t(s.connection === "blocked" ? "blocked" : "refused")}</p>;
  else if (mode === "ended") footer = <EndedPanel client={client} rating={s.rating} />;
  else if (mode === "offline")
    footer = (
      <DetailsForm
        intro={t("offlineIntro")}
        fields={[
          { key: "name", label: t("name"), type: "text", required: false },
          { key: "email", label: t("email"), type: "email", required: true },
          MESSAGE_FIELD(),
        ]}
        submitLabel={t("offlineSend")}
        onSubmit={async (v) => ((await client.leaveOffline({ email: v.email.trim(), name: v.name?.trim() || undefined, body: v.message })) ? null : t(s.connection === "online" ? "errOther" : "offline"))}
      />
    );
  else if (mode === "prechat")
    footer = (
      <DetailsForm
        intro={t("prechatIntro")}
        fields={[...prechat, MESSAGE_FIELD(!boot.settings.attachments.enabled)]}
        submitLabel={t("start")}
        onSubmit={(v) => {
          const fields: Record<string, string> = {};
          for (const f of prechat) if (f.key !== "name" && f.key !== "email" && v[f.key]?.trim()) fields[f.key] = v[f.key].trim();
          client.start({ name: v.name?.trim() || undefined, email: v.email?.trim() || undefined, ...(Object.keys(fields).length ? { fields } : {}) }, v.message ?? "");
          return null;
        }}
      />
    );
  else footer = <Composer client={client} attach={boot.settings.attachments} />;

  return (
    // A form takes the panel's height; the conversation gets it otherwise.
    <div class={mode === "offline" || mode === "prechat" ? "app fm" : "app"}>
      <header class="hd">
        <div class="ttl">
          <h1>{assignee ? t("chattingWith", { name: assignee.name }) : boot.siteName}</h1>
          {assignee ? null : <p>{t("teamReplies")}</p>}
        </div>
        {conv ? (
          <button type="button" class="ib" aria-label={t("download")} title={t("download")} onClick={() => void client.download()}>
            <Icon name="down" />
          </button>
        ) : null}
        {conv && !s.ended ? (
          <button type="button" class="ib" aria-label={t("end")} title={t("end")} onClick={() => void client.end()}>
            <Icon name="end" />
          </button>
        ) : null}
        <button type="button" class="ib" aria-label={t("minimize")} title={t("minimize")} onClick={onMinimize}>
          <Icon name="min" />
        </button>
      </header>
      <p class={status ? "bar" : "bar vh"} role="status">
        {status}
      </p>
      {s.notice ? (
        <p class="bar err" role="alert">
          {t(s.notice)}
        </p>
      ) : null}
      <MessageList load={client.fetchFile} views={toViews(s.messages, s.outbox, conv)} greeting={boot.settings.greeting || t("greeting")} typingName={s.agentTyping ? (assignee?.name ?? t("support")) : null} />
      <footer class="ft">{footer}</footer>
    </div>
  );
}
