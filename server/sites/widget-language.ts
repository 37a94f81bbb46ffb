// Which language the launcher speaks on a page and its strings in it: the site's fixed language,
// or the best match for the browser's Accept-Language (the same negotiation the chat app does
// with navigator.languages); the site's own wording wins over the catalogue.
import type { LoaderTextDto, SiteSettings } from "../protocol.ts";
import { en } from "../../widget/loader/i18n/en.ts";
import { widgetCatalogues } from "../../widget/app/i18n/catalogues.ts";
import { acceptLanguages, isRtl, negotiate } from "../../widget/shared/locales.ts";

export interface LauncherLanguage {
  locale: string;
  rtl: boolean;
  text: LoaderTextDto;
}

export function launcherLanguage(settings: SiteSettings, acceptLanguage: string | undefined): LauncherLanguage {
  const locale = settings.language === "auto" ? negotiate(acceptLanguages(acceptLanguage)) : settings.language;
  const text: LoaderTextDto = { ...en, ...widgetCatalogues[locale]?.loader };
  for (const key of Object.keys(en) as (keyof LoaderTextDto)[]) {
    const own = settings.strings[key];
    if (own) text[key] = own;
  }
  return { locale, rtl: isRtl(locale), text };
}
