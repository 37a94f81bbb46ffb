// Visitors: anonymous by default, known by a token only they hold.
import type { Db } from "../db/client.ts";
import { timeOrderedId } from "../db/time-ordered-id.ts";
import type { SqlRunner } from "../db/sql.ts";
import { hashToken, newToken } from "../auth/tokens.ts";
import { parseJsonObject, type Scalar } from "../json-text.ts";
import type { VisitorDto } from "../protocol.ts";

export interface VisitorRow {
  id: string;
  siteId: string;
  name: string | null;
  email: string | null;
  externalId: string | null;
  attributes: string;
  createdAt: Date;
  lastSeenAt: Date;
}

export function toVisitorDto(v: VisitorRow): VisitorDto {
  return {
    id: v.id,
    siteId: v.siteId,
    name: v.name,
    email: v.email,
    identified: v.externalId !== null,
    attributes: parseJsonObject(v.attributes),
    createdAt: v.createdAt.toISOString(),
    lastSeenAt: v.lastSeenAt.toISOString(),
  };
}

/**
 * A new anonymous visitor and the token only it will hold. Raw SQL: every first visit to a page
 * with the widget runs this, and a compiled Prisma create cost a query-compiler run each time.
 */
export async function createVisitor(db: SqlRunner, siteId: string): Promise<{ token: string; visitor: VisitorRow }> {
  const token = newToken("v_");
  const now = new Date();
  const visitor: VisitorRow = { id: timeOrderedId(now.getTime()), siteId, name: null, email: null, externalId: null, attributes: "{}", createdAt: now, lastSeenAt: now };
  await db.$executeRaw`INSERT INTO "Visitor" ("id", "siteId", "tokenHash", "attributes", "createdAt", "lastSeenAt")
    VALUES (${visitor.id}, ${siteId}, ${hashToken(token)}, ${visitor.attributes}, ${now}, ${now})`;
  return { token, visitor };
}

/** The visitor a token belongs to, only if it belongs to this site. */
export async function visitorByToken(db: Db, siteId: string, token: string) {
  const visitor = await db.visitor.findUnique({ where: { tokenHash: hashToken(token) } });
  return visitor && visitor.siteId === siteId ? visitor : null;
}

export async function updateVisitor(
  db: Pick<Db, "visitor">,
  visitorId: string,
  input: { name?: string; email?: string; attributes?: Record<string, Scalar> },
) {
  const current = await db.visitor.findUniqueOrThrow({ where: { id: visitorId } });
  const attributes = input.attributes ? { ...parseJsonObject(current.attributes), ...input.attributes } : undefined;
  return db.visitor.update({
    where: { id: visitorId },
    data: {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.email !== undefined ? { email: input.email } : {}),
      ...(attributes ? { attributes: JSON.stringify(attributes) } : {}),
    },
  });
}
