// JSON stored as text columns (lists and maps work the same on SQLite and PostgreSQL that way).
export function parseJsonArray(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

export type Scalar = string | number | boolean | null;

export function parseJsonObject(text: string): Record<string, Scalar> {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) return {};
    const out: Record<string, Scalar> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null || typeof x === "string" || typeof x === "number" || typeof x === "boolean") out[k] = x;
    }
    return out;
  } catch {
    return {};
  }
}
