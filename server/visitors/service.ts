// Visitors: anonymous by default, known by a token only they hold.
import type { Db } from "../db/client.ts";
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

export async function createVisitor(db: Db, siteId: string) {
  const token = newToken("v_");
  const visitor = await db.visitor.create({ data: { siteId, tokenHash: hashToken(token) } });
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
