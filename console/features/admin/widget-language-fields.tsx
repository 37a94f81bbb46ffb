// The site editor's language part: which language the widget speaks (fixed, or the visitor's
// browser) and the site's own wording for any widget string, which wins over every translation.
import type { SiteSettings } from "../../../server/protocol.ts";
import { en as appStrings } from "../../../widget/app/i18n/en.ts";
import { en as loaderStrings } from "../../../widget/loader/i18n/en.ts";
import { isLocale } from "../../../widget/shared/locales.ts";
import { t } from "../../i18n/t.ts";
import { LanguageSelect } from "../shared/language-select.tsx";

const WIDGET_STRINGS: readonly [string, string][] = [...Object.entries(loaderStrings), ...Object.entries(appStrings)];

export function WidgetLanguageFields({ settings, set }: { settings: SiteSettings; set: <K extends keyof SiteSettings>(key: K, value: SiteSettings[K]) => void }) {
  const setString = (key: string, value: string) => {
    const next = { ...settings.strings };
    if (value.trim()) next[key] = value;
    else delete next[key];
    set("strings", next);
  };
  return (
    <>
      <LanguageSelect
        label={t("sites.language")}
        autoLabel={t("sites.languageAuto")}
        autoValue="auto"
        value={settings.language}
        onChange={(v) => set("language", isLocale(v) ? v : "auto")}
      />
      <details class="widget-strings">
        <summary>{t("sites.strings")}</summary>
        <p class="muted">{t("sites.stringsHelp")}</p>
        {WIDGET_STRINGS.map(([key, english]) => (
          <label key={key}>
            <code>{key}</code>
            <input name={`strings.${key}`} maxLength={300} lang="en" placeholder={english} value={settings.strings[key] ?? ""} onInput={(e) => setString(key, e.currentTarget.value)} />
          </label>
        ))}
      </details>
    </>
  );
}
