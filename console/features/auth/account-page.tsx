// The agent's own account: console language and password change.
import { useEffect, useState } from "preact/hooks";
import type { ProfileDto } from "../../../server/http/profile-routes.ts";
import { setLanguage, t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { get, patch, post } from "../../lib/http.ts";
import { LanguageSelect } from "../shared/language-select.tsx";

function LanguageForm() {
  const [choice, setChoice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    get<ProfileDto>("/profile").then(
      (p) => setChoice(p.language ?? ""),
      (err) => setError(errorText(err)),
    );
  }, []);
  const change = async (value: string) => {
    setError(null);
    try {
      const saved = await patch<ProfileDto>("/profile", { language: value || null });
      setChoice(saved.language ?? "");
      setLanguage(saved.language);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="card form-narrow" onSubmit={(e) => e.preventDefault()}>
      <LanguageSelect label={t("account.language")} autoLabel={t("account.languageAuto")} autoValue="" value={choice ?? ""} disabled={choice === null} onChange={(v) => void change(v)} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function AccountPage() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (next !== repeat) return setMessage({ ok: false, text: t("account.mismatch") });
    try {
      await post("/auth/password", { current, next });
      setCurrent("");
      setNext("");
      setRepeat("");
      setMessage({ ok: true, text: t("account.changed") });
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  return (
    <div class="admin-page">
      <h1>{t("account.title")}</h1>
      <LanguageForm />
      <form class="card form-narrow" onSubmit={submit}>
        <h2>{t("account.password")}</h2>
        <label>
          {t("account.current")}
          <input type="password" name="current" autoComplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
        </label>
        <label>
          {t("account.new")}
          <input type="password" name="next" autoComplete="new-password" required minLength={8} value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        </label>
        <label>
          {t("account.repeat")}
          <input type="password" name="repeat" autoComplete="new-password" required minLength={8} value={repeat} onInput={(e) => setRepeat(e.currentTarget.value)} />
        </label>
        {message && (
          <p class={message.ok ? "success" : "error"} role={message.ok ? "status" : "alert"}>
            {message.text}
          </p>
        )}
        <button type="submit" class="primary">
          {t("account.submit")}
        </button>
      </form>
    </div>
  );
}
