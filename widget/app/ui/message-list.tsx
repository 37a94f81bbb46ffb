// The conversation: a log that screen readers announce as messages arrive, the visitor's own
// messages with their delivery state, and links made clickable without any HTML parsing.
import { useEffect, useRef } from "preact/hooks";
import type { MessageView } from "../client/messages.ts";
import { t } from "../i18n/t.ts";
import { Files } from "./attach-loader.tsx";
import type { LoadFile } from "./attachment.tsx";
import { linkify } from "./linkify.ts";

function Body({ text }: { text: string }) {
  return (
    <p class="bd" dir="auto">
      {linkify(text).map((p, i) =>
        p.href ? (
          <a key={i} href={p.href} target="_blank" rel="noopener noreferrer nofollow ugc">
            {p.text}
          </a>
        ) : (
          p.text
        ),
      )}
    </p>
  );
}

function stateText(m: MessageView): string {
  if (m.state === "failed") return t("notSent", { reason: t(m.error === "errTooLong" || m.error === "errTooFast" || m.error === "errClosed" ? m.error : "errOther") });
  return m.state ? t(m.state) : "";
}

export function MessageList({ views, greeting, typingName, load }: { views: MessageView[]; greeting: string; typingName: string | null; load: LoadFile }) {
  const end = useRef<HTMLDivElement>(null);
  const lastMine = views.map((v) => v.mine && v.state !== "sending" && v.state !== "failed").lastIndexOf(true);
  useEffect(() => end.current?.scrollIntoView({ block: "end" }), [views.length, typingName]);
  return (
    <div class="sc">
      <p class="m them greet">{greeting}</p>
      <div role="log" aria-label={t("messages")} aria-relevant="additions">
      <ol class="log">
        {views.map((m, i) => (
          <li key={m.key} class={"m " + (m.mine ? "me" : "them") + (m.state === "failed" ? " bad" : "")}>
            <span class="vh">{(m.mine ? t("you") : m.authorName || t("support")) + ": "}</span>
            {!m.mine && m.authorName && views[i - 1]?.authorName !== m.authorName ? (
              <span class="who" aria-hidden="true">
                {m.authorName}
              </span>
            ) : null}
            {m.body ? <Body text={m.body} /> : null}
            {m.attachments.length ? <Files list={m.attachments} load={load} /> : null}
            {m.mine && (i === lastMine || m.state === "sending" || m.state === "failed") ? <span class="st">{stateText(m)}</span> : null}
          </li>
        ))}
      </ol>
      </div>
      {typingName !== null ? <p class="typ">{t("typing", { name: typingName })}</p> : null}
      <div ref={end} />
    </div>
  );
}
