// t(key, params): the active catalogue's string with its {placeholders} and plural forms filled.
// English is built in; another language is installed with useCatalogue() once its file has
// loaded (see load-catalogue.ts), so a page only ever downloads the one catalogue it shows. The
// site's own wording (settings.strings) wins over every catalogue.
import { formatMessage } from "../../shared/message-format.ts";
import type { Params } from "../../shared/format.ts";
import { en, type Catalogue, type MessageKey } from "./en.ts";

let locale = "en";
let active: Catalogue = en;
let overrides: Record<string, string> = {};

export function useCatalogue(catalogue: Partial<Catalogue>, lang = "en"): void {
  // Keys a translation lacks fall back to English rather than showing a raw key.
  active = { ...en, ...catalogue };
  locale = lang;
}

export function useOverrides(strings: Record<string, string>): void {
  overrides = strings;
}

export function currentLocale(): string {
  return locale;
}

export function t(key: MessageKey, params?: Params): string {
  return formatMessage(overrides[key] || active[key] || en[key], params, locale);
}
