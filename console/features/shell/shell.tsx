// The signed-in frame: navigation, presence, connection state, and the page for the route.
import { useEffect } from "preact/hooks";
import { t, type MessageKey } from "../../i18n/t.ts";
import { navigate, useRoute } from "../../lib/router.ts";
import { useStore } from "../../lib/store.ts";
import { live, totalUnread } from "../../state/live-store.ts";
import { signOut } from "../../state/session.ts";
import { AccountPage } from "../auth/account-page.tsx";
import { AgentsPage } from "../admin/agents-page.tsx";
import { SitesPage } from "../admin/sites-page.tsx";
import { TokensPage } from "../admin/tokens-page.tsx";
import { CannedPage } from "../canned/canned-page.tsx";
import { HistoryPage } from "../history/history-page.tsx";
import { InboxPage } from "../inbox/inbox-page.tsx";
import { WebhooksPage } from "../webhooks/webhooks-page.tsx";
import { ConnectionBanner } from "./connection-banner.tsx";
import { NotificationsToggle } from "./notifications-toggle.tsx";
import { PresenceSelect } from "./presence-select.tsx";

const PAGES: { path: string; label: MessageKey; admin?: boolean }[] = [
  { path: "/", label: "nav.inbox" },
  { path: "/history", label: "nav.history" },
  { path: "/canned", label: "nav.canned" },
  { path: "/admin/sites", label: "nav.sites", admin: true },
  { path: "/admin/agents", label: "nav.agents", admin: true },
  { path: "/admin/tokens", label: "nav.tokens", admin: true },
  { path: "/admin/webhooks", label: "nav.webhooks", admin: true },
  { path: "/account", label: "nav.account" },
];

export function Shell() {
  const { path } = useRoute();
  const me = useStore(live, (s) => s.me);
  const unread = useStore(live, totalUnread);
  const isAdmin = me?.role === "admin";

  useEffect(() => {
    document.title = unread > 0 ? t("app.titleUnread", { count: unread }) : t("app.title");
  }, [unread]);

  const page = (() => {
    if (path === "/history") return <HistoryPage />;
    if (path === "/canned") return <CannedPage />;
    if (path === "/account") return <AccountPage />;
    if (isAdmin && path === "/admin/sites") return <SitesPage />;
    if (isAdmin && path === "/admin/agents") return <AgentsPage />;
    if (isAdmin && path === "/admin/tokens") return <TokensPage />;
    if (isAdmin && path === "/admin/webhooks") return <WebhooksPage />;
    return <InboxPage />;
  })();

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header class="topbar">
        <span class="brand">{t("app.name")}</span>
        <nav aria-label={t("nav.label")}>
          <ul>
            {PAGES.filter((p) => !p.admin || isAdmin).map((p) => (
              <li key={p.path}>
                <a
                  href={`/console${p.path}`}
                  aria-current={path === p.path ? "page" : undefined}
                  onClick={(e) => {
                    if (e.ctrlKey || e.metaKey || e.shiftKey) return;
                    e.preventDefault();
                    navigate(p.path);
                  }}
                >
                  {t(p.label)}
                  {p.path === "/" && unread > 0 && (
                    <span class="badge" aria-label={t("inbox.unread", { count: unread })}>
                      {unread}
                    </span>
                  )}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="topbar-end">
          <ConnectionBanner />
          <NotificationsToggle />
          <PresenceSelect />
          <span class="me">{me?.name}</span>
          <button type="button" onClick={() => void signOut()}>
            {t("nav.signOut")}
          </button>
        </div>
      </header>
      <main id="main" class="page" tabIndex={-1}>
        {page}
      </main>
    </div>
  );
}
