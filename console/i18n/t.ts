// The console's message lookup: every user-facing string comes from a catalogue, with ICU-style
// `{placeholder}` and `{count, plural, ...}` formatting. The agent's profile picks the language
// (null: the browser's); keys a translation lacks fall back to English, never to the raw key.
import { isRtl, negotiate, type Locale } from "../../widget/shared/locales.ts";
import { formatMessage } from "../../widget/shared/message-format.ts";
import { createStore } from "../lib/store.ts";
import { consoleCatalogues, type Catalogue } from "./catalogues.ts";
import { en, type MessageKey } from "./en.ts";

export type { MessageKey };
export type Params = Record<string, string | number>;

/** the language shown; components that read it re-render when it changes */
export const language = createStore<{ locale: Locale }>({ locale: "en" });
let active: Catalogue = en;

/** `preference`: the agent's profile language, or null for the browser's */
export function setLanguage(preference: string | null, browser: readonly string[] = navigator.languages): Locale {
  const locale = negotiate(preference ? [preference] : browser);
  active = consoleCatalogues[locale] ?? en;
  if (typeof document !== "undefined") {
    document.documentElement.lang = locale;
    document.documentElement.dir = isRtl(locale) ? "rtl" : "ltr";
  }
  language.set({ locale });
  return locale;
}

export function currentLocale(): Locale {
  return language.get().locale;
}

export function t(key: MessageKey, params?: Params): string {
  return formatMessage(active[key] ?? en[key], params, language.get().locale);
}
