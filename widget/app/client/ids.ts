// Client ids (idempotency keys): random, and available outside secure contexts too, where
// crypto.randomUUID is missing.
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
