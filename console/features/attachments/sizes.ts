// File sizes and voice-note durations for display, in the console's language.
import { currentLocale } from "../../i18n/t.ts";

const UNITS = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;

export function sizeText(bytes: number, locale: string = currentLocale()): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(locale, { style: "unit", unit: UNITS[unit], unitDisplay: "short", maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
}

/** "0:07", "12:34"; a running clock counts whole seconds passed (`elapsed`), a length rounds */
export function durationText(ms: number, elapsed = false): string {
  const total = Math.max(0, (elapsed ? Math.floor : Math.round)(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, "0")}`;
}

/** Bytes to the nearest MB, for the admin's "max size in MB" field. */
export const MB = 1024 * 1024;
