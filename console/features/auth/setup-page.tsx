// The first-admin page the server's one-time setup link opens.
import { useEffect, useState } from "preact/hooks";
import type { AgentDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { get, post } from "../../lib/http.ts";
import { navigate } from "../../lib/router.ts";
import { session } from "../../state/session.ts";

export function SetupPage() {
  const token = new URLSearchParams(location.search).get("token") ?? "";
  const [needed, setNeeded] = useState<boolean | null>(null);
  const [form, setForm] = useState({ name: "", email: "", password: "" });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get<{ needed: boolean }>("/setup").then(
      (r) => setNeeded(r.needed),
      () => setNeeded(true),
    );
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await post<AgentDto>("/setup", { token, ...form });
      session.set({ me, checked: true });
      navigate("/", { replace: true });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const field = (key: keyof typeof form) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value });

  if (needed === false) {
    return (
      <main class="auth-page">
        <div class="auth-card">
          <h1>{t("setup.title")}</h1>
          <p>{t("setup.done")}</p>
          <a href="/console/">{t("setup.toLogin")}</a>
        </div>
      </main>
    );
  }
  return (
    <main class="auth-page">
      <form class="auth-card" onSubmit={submit} aria-labelledby="setup-title">
        <h1 id="setup-title">{t("setup.title")}</h1>
        <p>{t("setup.intro")}</p>
        {!token && <p class="error" role="alert">{t("setup.noToken")}</p>}
        <label>
          {t("setup.name")}
          <input name="name" required maxLength={120} value={form.name} onInput={field("name")} autoFocus />
        </label>
        <label>
          {t("login.email")}
          <input type="email" name="email" autoComplete="username" required value={form.email} onInput={field("email")} />
        </label>
        <label>
          {t("setup.password")}
          <input type="password" name="password" autoComplete="new-password" required minLength={8} value={form.password} onInput={field("password")} />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy || !token}>
          {t("setup.submit")}
        </button>
      </form>
    </main>
  );
}
