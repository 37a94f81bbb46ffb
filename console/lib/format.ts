// Dates, times and "3 minutes ago" for display, through Intl in the console's language.
import { currentLocale } from "../i18n/t.ts";

export function timeOf(iso: string): string {
  return new Date(iso).toLocaleTimeString(currentLocale(), { hour: "2-digit", minute: "2-digit" });
}

export function dateTimeOf(iso: string): string {
  return new Date(iso).toLocaleString(currentLocale(), { dateStyle: "medium", timeStyle: "short" });
}

/** "45 seconds ago", "3 minutes ago", "2 hours ago", in the console's language */
export function timeAgo(iso: string, now = Date.now(), locale: string = currentLocale()): string {
  const s = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 1000));
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  if (s < 60) return rtf.format(-s, "second");
  if (s < 3600) return rtf.format(-Math.floor(s / 60), "minute");
  if (s < 86400) return rtf.format(-Math.floor(s / 3600), "hour");
  return rtf.format(-Math.floor(s / 86400), "day");
}

/** The visitor's local time, or null when the time zone is missing or unknown. */
export function localTimeIn(timeZone: unknown, now = new Date()): string | null {
  if (typeof timeZone !== "string" || !timeZone) return null;
  try {
    return now.toLocaleTimeString(currentLocale(), { timeZone, hour: "2-digit", minute: "2-digit" });
  } catch {
    return null;
  }
}

/** Only http(s) URLs become links; anything else (javascript:, data:) is shown as text. */
export function safeHttpUrl(value: unknown): string | null {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

export function newClientId(): string {
  return crypto.randomUUID();
}
