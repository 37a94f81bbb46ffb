// Each shipped language by its own name ("Français", "日本語", "العربية"), from Intl, so a reader
// finds their language whatever the console currently shows.
import { LOCALES, type Locale } from "../../widget/shared/locales.ts";

export function nativeName(locale: Locale): string {
  try {
    const name = new Intl.DisplayNames([locale], { type: "language" }).of(locale) ?? locale;
    return name.charAt(0).toLocaleUpperCase(locale) + name.slice(1);
  } catch {
    return locale;
  }
}

export const LANGUAGE_OPTIONS: readonly { locale: Locale; name: string }[] = LOCALES.map((locale) => ({ locale, name: nativeName(locale) }));
