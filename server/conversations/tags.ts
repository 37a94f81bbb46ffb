// Tags on a conversation: a small set of lower-case labels, stored as JSON text, so history can
// filter on them the same way on SQLite and PostgreSQL (a quoted-string match).
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import { MAX_TAGS } from "../protocol.ts";

export function normalizeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const tag = t.trim().toLowerCase().replace(/\s+/g, "-");
    if (tag && !out.includes(tag)) out.push(tag);
  }
  if (out.length > MAX_TAGS) throw new DomainError("bad_request", `At most ${MAX_TAGS} tags`);
  return out;
}

/** The JSON-text fragment a tag is stored as, for `contains` filters. */
export function tagNeedle(tag: string): string {
  return JSON.stringify(normalizeTags([tag])[0] ?? "");
}

export async function setTags(db: Db, conversationId: string, tags: readonly string[]) {
  const updated = await db.conversation.updateMany({ where: { id: conversationId }, data: { tags: JSON.stringify(normalizeTags(tags)) } });
  if (updated.count === 0) throw new DomainError("not_found", "No such conversation");
}
