// Agent sessions: a random cookie value, stored hashed with an expiry; revocable by deleting
// the row.
import type { Db } from "../db/client.ts";
import { hashToken, newToken } from "./tokens.ts";

export const SESSION_COOKIE = "parley_session";
export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

export async function createSession(db: Db, agentId: string): Promise<string> {
  const token = newToken();
  await db.agentSession.create({ data: { id: hashToken(token), agentId, expiresAt: new Date(Date.now() + SESSION_TTL_MS) } });
  return token;
}

export async function agentForSession(db: Db, token: string | undefined) {
  if (!token) return null;
  const session = await db.agentSession.findUnique({ where: { id: hashToken(token) }, include: { agent: true } });
  if (!session || session.expiresAt.getTime() < Date.now() || !session.agent.active) return null;
  return session.agent;
}

export async function destroySession(db: Db, token: string): Promise<void> {
  await db.agentSession.deleteMany({ where: { id: hashToken(token) } });
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
