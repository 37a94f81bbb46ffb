// Top level: who is signed in decides between the setup, sign-in and console pages.
import { useEffect } from "preact/hooks";
import type { ProfileDto } from "../server/http/profile-routes.ts";
import { language, setLanguage, t } from "./i18n/t.ts";
import { get } from "./lib/http.ts";
import { useRoute } from "./lib/router.ts";
import { useStore } from "./lib/store.ts";
import { live } from "./state/live-store.ts";
import { startLive, stopLive } from "./state/live-socket.ts";
import { loadMe, session } from "./state/session.ts";
import { LoginPage } from "./features/auth/login-page.tsx";
import { SetupPage } from "./features/auth/setup-page.tsx";
import { Shell } from "./features/shell/shell.tsx";

export function App() {
  const { path } = useRoute();
  const me = useStore(session, (s) => s.me);
  const checked = useStore(session, (s) => s.checked);
  // Read so that a language change re-renders the whole console.
  useStore(language, (s) => s.locale);

  useEffect(() => {
    loadMe().catch(() => session.set({ checked: true }));
  }, []);

  useEffect(() => {
    if (!me) return;
    live.set({ me });
    startLive();
    get<ProfileDto>("/profile").then(
      (p) => setLanguage(p.language),
      () => undefined, // the browser's language stays; the console works the same
    );
    return () => stopLive();
  }, [me?.id]);

  if (path === "/setup") return <SetupPage />;
  if (!checked) return <p class="splash">{t("app.loading")}</p>;
  if (!me) return <LoginPage />;
  return <Shell />;
}
