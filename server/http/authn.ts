// Who is calling an HTTP route: an agent (session cookie) or a script (API token).
import type { Request } from "express";
import type { Db } from "../db/client.ts";
import { agentForSession, readCookie, SESSION_COOKIE } from "../auth/sessions.ts";
import { hashToken } from "../auth/tokens.ts";
import type { Role } from "../auth/policy.ts";
import { DomainError } from "../errors.ts";
import { parseJsonArray } from "../json-text.ts";

export type Caller =
  | { kind: "agent"; agentId: string; role: "admin" | "agent" }
  | { kind: "token"; tokenId: string; scopes: string[] };

// One lookup per request: the policy gate and the route's own checks share it.
const callers = new WeakMap<Request, Promise<Caller | null>>();

export function callerOf(db: Db, req: Request): Promise<Caller | null> {
  let found = callers.get(req);
  if (!found) callers.set(req, (found = lookUpCaller(db, req)));
  return found;
}

/** The widget's visitor token, sent as `Authorization: Bearer v_...`. */
export const VISITOR_BEARER = /^Bearer\s+(v_\S+)\s*$/;

/** The visitor token of the request, or null when it sends none. */
export function visitorTokenOf(req: Request): string | null {
  return VISITOR_BEARER.exec(req.headers.authorization ?? "")?.[1] ?? null;
}

/**
 * The caller's role for the policy gate. A visitor token only claims the visitor role here: the
 * routes that accept one check it themselves (after answering CORS, so the widget on an allowed
 * page can read why it was refused), as they check ownership.
 */
export async function roleOf(db: Db, req: Request): Promise<Role> {
  if (VISITOR_BEARER.test(req.headers.authorization ?? "")) return "visitor";
  const caller = await callerOf(db, req);
  if (!caller) return "anonymous";
  return caller.kind === "agent" ? caller.role : "token";
}

async function lookUpCaller(db: Db, req: Request): Promise<Caller | null> {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) {
    const token = await db.apiToken.findUnique({ where: { tokenHash: hashToken(auth.slice(7).trim()) } });
    if (!token || token.revokedAt) return null;
    return { kind: "token", tokenId: token.id, scopes: parseJsonArray(token.scopes) };
  }
  const agent = await agentForSession(db, readCookie(req.headers.cookie, SESSION_COOKIE));
  return agent ? { kind: "agent", agentId: agent.id, role: agent.role === "admin" ? "admin" : "agent" } : null;
}

/** An agent, or a token holding `scope`; throws unauthorized/forbidden otherwise. */
export async function requireAgentOrScope(db: Db, req: Request, scope: string): Promise<Caller> {
  const caller = await callerOf(db, req);
  if (!caller) throw new DomainError("unauthorized", "Sign in or send an API token");
  if (caller.kind === "token" && !caller.scopes.includes(scope) && !caller.scopes.includes("*")) {
    throw new DomainError("forbidden", `This token lacks the ${scope} scope`);
  }
  return caller;
}

export async function requireAgent(db: Db, req: Request): Promise<Extract<Caller, { kind: "agent" }>> {
  const caller = await callerOf(db, req);
  if (!caller || caller.kind !== "agent") throw new DomainError("unauthorized", "Sign in first");
  return caller;
}
