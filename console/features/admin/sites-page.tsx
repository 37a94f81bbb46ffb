// Sites: list, create, and the selected site's editor.
import { useEffect, useState } from "preact/hooks";
import type { SiteDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { get, post } from "../../lib/http.ts";
import { SiteEditor } from "./site-editor.tsx";

export function SitesPage() {
  const [sites, setSites] = useState<SiteDto[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [origins, setOrigins] = useState("");
  const [error, setError] = useState<string | null>(null);

  const reload = () => get<SiteDto[]>("/admin/sites").then(setSites, (err: unknown) => setError(errorText(err)));
  useEffect(() => void reload(), []);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const site = await post<SiteDto>("/admin/sites", { name, allowedOrigins: splitLines(origins) });
      setName("");
      setOrigins("");
      await reload();
      setSelected(site.id);
    } catch (err) {
      setError(errorText(err));
    }
  };

  const current = sites.find((s) => s.id === selected);
  return (
    <div class="admin-page">
      <h1>{t("sites.title")}</h1>
      <div class="admin-columns">
        <div>
          <ul class="plain-list" aria-label={t("sites.title")}>
            {sites.map((s) => (
              <li key={s.id}>
                <button type="button" class="link" aria-current={s.id === selected ? "true" : undefined} onClick={() => setSelected(s.id)}>
                  {s.name}
                </button>{" "}
                <span class="muted">{s.allowedOrigins.join(", ")}</span>
              </li>
            ))}
          </ul>
          <form class="card form-narrow" onSubmit={create}>
            <h2>{t("sites.new")}</h2>
            <label>
              {t("sites.name")}
              <input name="siteName" required maxLength={120} value={name} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <label>
              {t("sites.origins")}
              <textarea name="origins" required rows={3} placeholder="https://example.com" value={origins} onInput={(e) => setOrigins(e.currentTarget.value)} />
              <span class="muted">{t("sites.originsHelp")}</span>
            </label>
            {error && <p class="error" role="alert">{error}</p>}
            <button type="submit" class="primary">
              {t("sites.create")}
            </button>
          </form>
        </div>
        {current && <SiteEditor key={current.id} site={current} onSaved={(s) => setSites(sites.map((x) => (x.id === s.id ? s : x)))} />}
      </div>
    </div>
  );
}

export function splitLines(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}
