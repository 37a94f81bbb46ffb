// Strings from clients must be well-formed UTF-16 without NUL: a lone surrogate ("\ud800")
// survives JSON and zod but not the database driver, and PostgreSQL's text refuses "\u0000"; both
// are refused at the edge as bad input. (Caught later, a NUL failed every open or message of the
// batch it came in with, since they share a transaction.)
const MAX_DEPTH = 64;
// a high surrogate not followed by a low one, a low one not preceded by a high one, or NUL
const UNSTORABLE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/;
const wellFormed = (s: string) => !UNSTORABLE.test(s);

/** The path of the first string that is not well-formed, or null when all are (keys included). */
export function illFormedPath(value: unknown, path: string[] = [], depth = 0): string | null {
  if (typeof value === "string") return wellFormed(value) ? null : path.join(".") || "payload";
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (!wellFormed(key)) return [...path, "(key)"].join(".");
    const found = illFormedPath(inner, [...path, key], depth + 1);
    if (found !== null) return found;
  }
  return null;
}
