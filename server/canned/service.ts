// Canned responses: one library every agent shares and edits; the console inserts them by
// typing "/" and a few letters of the shortcut or title.
import type { Db } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { DomainError } from "../errors.ts";
import type { CannedResponseDto } from "../protocol.ts";

interface CannedRow {
  id: string;
  shortcut: string;
  title: string;
  body: string;
  updatedAt: Date;
}

export const CANNED_LIMIT = 500;

export function toCannedDto(c: CannedRow): CannedResponseDto {
  return { id: c.id, shortcut: c.shortcut, title: c.title, body: c.body, updatedAt: c.updatedAt.toISOString() };
}

const taken = () => new DomainError("conflict", "Another canned response uses that shortcut");

/**
 * Shortcut or title containing `q` (case-insensitive), shortcut prefix matches first. The library
 * is small (capped), so it is filtered here rather than with provider-specific SQL.
 */
export async function searchCanned(db: Db, q: string): Promise<CannedRow[]> {
  const rows = await db.cannedResponse.findMany({ orderBy: { shortcut: "asc" }, take: CANNED_LIMIT });
  const needle = q.trim().toLowerCase();
  if (!needle) return rows;
  const rank = (r: CannedRow) => (r.shortcut.startsWith(needle) ? 0 : r.shortcut.includes(needle) ? 1 : 2);
  return rows
    .filter((r) => r.shortcut.includes(needle) || r.title.toLowerCase().includes(needle) || r.body.toLowerCase().includes(needle))
    .sort((a, b) => rank(a) - rank(b));
}

export async function createCanned(db: Db, agentId: string, input: { shortcut: string; title: string; body: string }) {
  if ((await db.cannedResponse.count()) >= CANNED_LIMIT) throw new DomainError("too_large", `At most ${CANNED_LIMIT} canned responses`);
  try {
    return await db.cannedResponse.create({ data: { ...input, createdById: agentId } });
  } catch (err) {
    if (isUniqueViolation(err)) throw taken();
    throw err;
  }
}

export async function updateCanned(db: Db, id: string, changes: { shortcut?: string; title?: string; body?: string }) {
  try {
    const updated = await db.cannedResponse.updateMany({ where: { id }, data: changes });
    if (updated.count === 0) throw new DomainError("not_found", "No such canned response");
  } catch (err) {
    if (isUniqueViolation(err)) throw taken();
    throw err;
  }
  return db.cannedResponse.findUniqueOrThrow({ where: { id } });
}

export async function deleteCanned(db: Db, id: string): Promise<void> {
  const deleted = await db.cannedResponse.deleteMany({ where: { id } });
  if (deleted.count === 0) throw new DomainError("not_found", "No such canned response");
}
