// The languages Parley ships, for the widget and the console, and how a language is chosen from
// what the visitor's browser asks for (navigator.languages or Accept-Language).
export const LOCALES = ["en", "fr", "de", "es", "pt-BR", "zh-CN", "ja", "ar"] as const;
export type Locale = (typeof LOCALES)[number];

const RTL: readonly string[] = ["ar"];

export const isRtl = (locale: string) => RTL.includes(locale.split("-")[0]);

export function isLocale(s: unknown): s is Locale {
  return typeof s === "string" && (LOCALES as readonly string[]).includes(s);
}

/**
 * The first of `wanted` (in preference order) that Parley speaks: an exact match ("pt-BR"), else
 * the same language ("pt-PT" → "pt-BR", "zh" → "zh-CN", "fr-CA" → "fr"). English when none is.
 */
export function negotiate(wanted: readonly string[]): Locale {
  for (const w of wanted) {
    const tag = w.trim().toLowerCase();
    if (!tag) continue;
    const exact = LOCALES.find((l) => l.toLowerCase() === tag);
    if (exact) return exact;
    const lang = tag.split("-")[0];
    const same = LOCALES.find((l) => l.split("-")[0].toLowerCase() === lang);
    if (same) return same;
  }
  return "en";
}

/** "fr-FR,fr;q=0.9,en;q=0.8" → ["fr-FR", "fr", "en"], by quality */
export function acceptLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((part, i) => {
      const [tag, ...rest] = part.trim().split(";");
      const q = rest.map((r) => /^\s*q=([\d.]+)/.exec(r)).find(Boolean);
      return { tag: tag.trim(), q: q ? Number(q[1]) : 1, i };
    })
    .filter((x) => x.tag && x.tag !== "*" && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.tag);
}
