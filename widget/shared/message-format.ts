// ICU-style messages, just the two forms the catalogues use: `{name}` and
// `{count, plural, one {# item} other {# items}}` (with `=0`-style exact cases and `#` for the
// number). Categories come from Intl.PluralRules, so each language gets its own plural rules
// without shipping an i18n library.
import type { Params } from "./format.ts";

const rules = new Map<string, Intl.PluralRules>();

function pluralCategory(locale: string, n: number): string {
  let r = rules.get(locale);
  if (!r) rules.set(locale, (r = new Intl.PluralRules(locale)));
  return r.select(n);
}

/** index just past the `}` that closes the `{` at `open` */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i + 1;
  }
  return text.length;
}

/** `one {…} other {…}` → { one: "…", other: "…" } */
function pluralCases(body: string): Record<string, string> {
  const cases: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const open = body.indexOf("{", i);
    if (open < 0) break;
    const end = closing(body, open);
    cases[body.slice(i, open).trim()] = body.slice(open + 1, end - 1);
    i = end;
  }
  return cases;
}

export function formatMessage(template: string, params: Params | undefined, locale: string): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    if (open < 0) break;
    out += template.slice(i, open);
    const end = closing(template, open);
    const inner = template.slice(open + 1, end - 1);
    const comma = inner.indexOf(",");
    const name = (comma < 0 ? inner : inner.slice(0, comma)).trim();
    const value = params?.[name];
    if (comma < 0) out += value === undefined ? template.slice(open, end) : String(value);
    else {
      const n = Number(value);
      const cases = pluralCases(inner.slice(inner.indexOf(",", comma + 1) + 1));
      const chosen = cases["=" + n] ?? cases[pluralCategory(locale, n)] ?? cases.other ?? "";
      out += formatMessage(chosen.replace(/#/g, new Intl.NumberFormat(locale).format(n)), params, locale);
    }
    i = end;
  }
  return out + template.slice(i);
}

/**
 * What a message expects: its plain placeholders and its plural arguments with their cases, e.g.
 * ["name", "count:plural:one,other"]. Translations must expect the same (modulo plural cases,
 * which differ by language but must include `other`).
 */
export function messageArguments(template: string): { plain: string[]; plural: string[] } {
  const plain = new Set<string>();
  const plural = new Set<string>();
  let i = 0;
  while ((i = template.indexOf("{", i)) >= 0) {
    const end = closing(template, i);
    const inner = template.slice(i + 1, end - 1);
    const parts = inner.split(",");
    if (parts.length === 1) plain.add(inner.trim());
    else {
      plural.add(parts[0].trim());
      for (const body of Object.values(pluralCases(inner.slice(inner.indexOf(",", inner.indexOf(",") + 1) + 1)))) {
        const inside = messageArguments(body);
        inside.plain.forEach((p) => plain.add(p));
      }
    }
    i = end;
  }
  return { plain: [...plain].sort(), plural: [...plural].sort() };
}
