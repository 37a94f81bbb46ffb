// Dates and durations for display, in the agent's locale.
export function timeOf(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function dateTimeOf(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "45s", "3m", "2h 5m": compact waiting times for the queue */
export function durationSince(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** The visitor's local time, or null when the time zone is missing or unknown. */
export function localTimeIn(timeZone: unknown, now = new Date()): string | null {
  if (typeof timeZone !== "string" || !timeZone) return null;
  try {
    return now.toLocaleTimeString(undefined, { timeZone, hour: "2-digit", minute: "2-digit" });
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
