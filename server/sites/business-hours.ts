// Whether a moment falls within a site's business hours, in the site's own time zone.
import type { BusinessHours, Weekday } from "../protocol.ts";

const DAY_BY_SHORT: Record<string, Weekday> = { Mon: "mon", Tue: "tue", Wed: "wed", Thu: "thu", Fri: "fri", Sat: "sat", Sun: "sun" };

/** The weekday and "HH:MM" wall-clock time of `at` in `timezone`. */
export function wallClock(at: Date, timezone: string): { day: Weekday; time: string } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: timezone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { day: DAY_BY_SHORT[get("weekday")] ?? "mon", time: `${get("hour")}:${get("minute")}` };
}

/** null hours mean always open. Intervals include `from` and exclude `to`. */
export function withinBusinessHours(hours: BusinessHours | null, at: Date): boolean {
  if (!hours) return true;
  const { day, time } = wallClock(at, hours.timezone);
  return (hours.days[day] ?? []).some((i) => time >= i.from && time < i.to);
}
