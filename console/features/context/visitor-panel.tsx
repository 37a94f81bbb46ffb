// Who the agent is talking to: identity, where they are on the site, their browser and local
// time, custom attributes and earlier conversations. Every value is rendered as text; only
// http(s) URLs become links.
import { useEffect, useState } from "preact/hooks";
import type { ConversationSummaryDto } from "../../../server/protocol.ts";
import { t, type MessageKey } from "../../i18n/t.ts";
import { dateTimeOf, localTimeIn, safeHttpUrl } from "../../lib/format.ts";
import { useNow } from "../../lib/use-now.ts";
import { useStore } from "../../lib/store.ts";
import { describeUserAgent } from "../../lib/user-agent.ts";
import { openConversation, pastConversationsOf } from "../../state/actions.ts";
import { live } from "../../state/live-store.ts";

/** Attributes the widget sends about the page and browser: shown in their own rows. */
const PAGE_KEYS = new Set(["pageUrl", "pageTitle", "referrer", "userAgent", "timezone", "language"]);

function Row({ label, children }: { label: MessageKey; children: preact.ComponentChildren }) {
  return (
    <>
      <dt>{t(label)}</dt>
      <dd>{children}</dd>
    </>
  );
}

function UrlValue({ value }: { value: unknown }) {
  if (value === undefined || value === null || value === "") return <span class="muted">{t("context.unknown")}</span>;
  const href = safeHttpUrl(value);
  const text = String(value);
  return href ? (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow" class="break">
      {text}
    </a>
  ) : (
    <span class="break">{text}</span>
  );
}

export function VisitorPanel({ conversationId }: { conversationId: string }) {
  const conv = useStore(live, (s) => s.conversations[conversationId]);
  const connected = useStore(live, (s) => s.connection === "connected");
  const [past, setPast] = useState<ConversationSummaryDto[] | null>(null);
  useNow(30_000);

  useEffect(() => {
    setPast(null);
    if (!connected) return;
    pastConversationsOf(conversationId).then(setPast, () => setPast([]));
  }, [conversationId, connected]);

  if (!conv) return null;
  const v = conv.visitor;
  const a = v.attributes;
  const { browser, os } = describeUserAgent(a.userAgent);
  const localTime = localTimeIn(a.timezone);
  const custom = Object.entries(a).filter(([k]) => !PAGE_KEYS.has(k));
  const text = (x: unknown) => (x === undefined || x === null || x === "" ? <span class="muted">{t("context.unknown")}</span> : String(x));

  return (
    <div class="visitor-panel">
      <h2>{t("context.title")}</h2>
      <dl>
        <Row label="context.name">{text(v.name)}</Row>
        <Row label="context.email">{text(v.email)}</Row>
        <Row label="context.identity">{v.identified ? t("context.identified") : t("context.anonymous")}</Row>
        <Row label="context.pageTitle">{text(a.pageTitle)}</Row>
        <Row label="context.pageUrl">
          <UrlValue value={a.pageUrl} />
        </Row>
        <Row label="context.referrer">
          <UrlValue value={a.referrer} />
        </Row>
        <Row label="context.browser">{browser && os ? t("context.browserOn", { browser, os }) : text(browser ?? os)}</Row>
        <Row label="context.localTime">{localTime ? t("context.localTimeIn", { time: localTime, zone: String(a.timezone) }) : text(null)}</Row>
        <Row label="context.language">{text(a.language)}</Row>
        <Row label="context.firstSeen">{dateTimeOf(v.createdAt)}</Row>
      </dl>
      {custom.length > 0 && (
        <>
          <h3>{t("context.attributes")}</h3>
          <dl class="attributes">
            {custom.map(([k, val]) => (
              <>
                <dt key={`k-${k}`}>{k}</dt>
                <dd key={`v-${k}`}>{String(val)}</dd>
              </>
            ))}
          </dl>
        </>
      )}
      <h3>{t("context.past")}</h3>
      {past === null ? (
        <p class="muted">{t("chat.loading")}</p>
      ) : past.length === 0 ? (
        <p class="muted">{t("context.noPast")}</p>
      ) : (
        <ul class="past">
          {past.map((c) => (
            <li key={c.id}>
              <button type="button" class="link" onClick={() => void openConversation(c.id)}>
                {dateTimeOf(c.createdAt)} · {t(`status.${c.status}`)}
              </button>
              <span class="muted block">{c.preview ?? t("inbox.noMessages")}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
