// The console's message lookup: every user-facing string comes from a catalogue, with
// `{placeholder}` substitution. Other languages plug in as further catalogues of the same keys.
import { en, type MessageKey } from "./en.ts";

export type { MessageKey };
export type Params = Record<string, string | number>;

const catalogues: Record<string, Partial<Record<MessageKey, string>>> = { en };
let active: Partial<Record<MessageKey, string>> = en;

export function setLanguage(lang: string): void {
  active = catalogues[lang] ?? catalogues[lang.split("-")[0]] ?? en;
}

export function t(key: MessageKey, params?: Params): string {
  const text = active[key] ?? en[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
