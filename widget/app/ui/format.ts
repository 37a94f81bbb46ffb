// Sizes and durations as the widget shows them (the recorder's clock, voice notes, file cards).
import { currentLocale } from "../i18n/t.ts";

/** "2.4 MB", in the widget's language */
export function fileSize(bytes: number): string {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) {
    bytes /= 1024;
    i++;
  }
  return new Intl.NumberFormat(currentLocale(), { style: "unit", unit: units[i], unitDisplay: i ? "short" : "long", maximumFractionDigits: i > 1 ? 1 : 0 }).format(bytes);
}

/** "1:07" (whole seconds elapsed, like a recorder's clock) */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
