// The authorization policy: who may do what, in one place. The tables below give every socket
// event and every /api/v1 route its action, and they are the gate at run time: handle() checks the
// event's row before running it, http/policy-gate.ts the route's row before any handler; a
// missing row is refused and fails a test. On top, this module says for staff whether the
// conversation's site is one of theirs, for visitors whether it is their own.
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import type { SqlRunner } from "../db/sql.ts";
import { DomainError } from "../errors.ts";

export type Action =
  | "public" // no caller needed (sign-in, the OpenAPI document)
  | "self" // the caller's own account, session or visitor profile
  | "conversation:read"
  | "conversation:write"
  | "queue:list"
  | "conversation:accept"
  | "conversation:transfer"
  | "visitor:block"
  | "transcript:export"
  | "canned:manage"
  | "sites:manage"
  | "agents:manage"
  | "tokens:manage"
  | "webhooks:manage";

export type Role = "anonymous" | "visitor" | "identified-visitor" | "agent" | "admin" | "token";

export type Principal =
  | { kind: "anonymous" }
  | { kind: "visitor"; siteId: string; visitorId: string; identified: boolean }
  | { kind: "agent"; agentId: string; role: "admin" | "agent" }
  | { kind: "token"; scopes: readonly string[] };

/** Which roles may attempt an action at all; site and ownership checks come on top. */
export const ROLE_ACTIONS: Record<Action, readonly Role[]> = {
  public: ["anonymous", "visitor", "identified-visitor", "agent", "admin", "token"],
  self: ["visitor", "identified-visitor", "agent", "admin"],
  // visitors: only their own conversations (conversationFor checks the owner)
  "conversation:read": ["visitor", "identified-visitor", "agent", "admin", "token"],
  "conversation:write": ["visitor", "identified-visitor", "agent", "admin", "token"],
  "queue:list": ["agent", "admin"],
  "conversation:accept": ["agent", "admin"],
  "conversation:transfer": ["agent", "admin"],
  "visitor:block": ["agent", "admin"],
  // visitors: only the plain-text transcript of their own conversation (transcript-routes.ts)
  "transcript:export": ["visitor", "identified-visitor", "agent", "admin", "token"],
  "canned:manage": ["agent", "admin"],
  "sites:manage": ["admin"],
  "agents:manage": ["admin"],
  "tokens:manage": ["admin"],
  "webhooks:manage": ["admin", "token"],
};

export function roleOf(p: Principal): Role {
  switch (p.kind) {
    case "anonymous":
      return "anonymous";
    case "visitor":
      return p.identified ? "identified-visitor" : "visitor";
    case "agent":
      return p.role;
    case "token":
      return "token";
  }
}

export function allowed(p: Principal, action: Action): boolean {
  return ROLE_ACTIONS[action].includes(roleOf(p));
}

/**
 * The gate every socket event and /api/v1 route passes (realtime/handler.ts, http/policy-gate.ts).
 * A signed-in agent refused an admin's action is forbidden; anyone else refused has not shown a
 * credential the action accepts (no sign-in; a visitor or API token where a person must sign in).
 */
export function authorize(p: Principal, action: Action): void {
  authorizeRole(roleOf(p), action);
}

export function authorizeRole(role: Role, action: Action): void {
  if (ROLE_ACTIONS[action].includes(role)) return;
  if (role === "agent") throw new DomainError("forbidden", ROLE_ACTIONS[action].includes("admin") ? "Only admins can do this" : "You may not do that");
  throw new DomainError("unauthorized", role === "anonymous" ? "Sign in or send a token first" : "Sign in first");
}

/** A socket event or route without a row is refused (a bug, logged as one), never let through. */
function rowOf(table: Record<string, Action>, key: string): Action {
  const action = Object.hasOwn(table, key) ? table[key] : undefined;
  if (action === undefined) throw new Error(`no row in auth/policy.ts for ${key}`);
  return action;
}

/** Runs the gate for socket event `event` of namespace `nsp`, from the table as it is now. */
export function authorizeEvent(p: Principal, nsp: "agent" | "visitor", event: string): void {
  authorize(p, rowOf(SOCKET_EVENTS[nsp], event));
}

/** Runs the gate for route `key` ("GET /api/v1/..."); the caller's role is looked up only when the row needs one. */
export async function authorizeRoute(key: string, role: () => Promise<Role>): Promise<void> {
  const action = rowOf(HTTP_ROUTES, key);
  if (action !== "public") authorizeRole(await role(), action);
}

type Staff = { agentId: string; role: "admin" | "agent" };

/** Sites an agent belongs to, as routing defines it: open ones, and membersOnly ones that list them. */
function sitesWhere(agentId: string): Prisma.SiteWhereInput {
  return { OR: [{ membersOnly: false }, { members: { some: { agentId } } }] };
}

export async function canAgentSeeSite(db: Db, agent: Staff, siteId: string): Promise<boolean> {
  if (agent.role === "admin") return true;
  return (await db.site.count({ where: { AND: [{ id: siteId }, sitesWhere(agent.agentId)] } })) > 0;
}

/**
 * canAgentSeeSite for many (agent, site) pairs in two statements whatever their number (the
 * message writer checks a whole batch at once): whether each pair passes, in order.
 */
export async function agentsSeeSites(db: SqlRunner, pairs: readonly { agent: Staff; siteId: string }[]): Promise<boolean[]> {
  const staff = pairs.filter((p) => p.agent.role !== "admin");
  if (staff.length === 0) return pairs.map(() => true);
  const siteIds = [...new Set(staff.map((p) => p.siteId))];
  // The same rule as sitesWhere: open sites, and members-only ones that list the agent. Raw SQL:
  // this runs for every message batch with agents' messages (no query-compiler run).
  const open = await db.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Site" WHERE "id" IN (${Prisma.join(siteIds)}) AND "membersOnly" = ${false}`;
  const openIds = new Set(open.map((s) => s.id));
  const closedIds = siteIds.filter((id) => !openIds.has(id));
  const agentIds = [...new Set(staff.map((p) => p.agent.agentId))];
  const members = closedIds.length
    ? await db.$queryRaw<{ agentId: string; siteId: string }[]>`SELECT "agentId", "siteId" FROM "SiteMember"
        WHERE "siteId" IN (${Prisma.join(closedIds)}) AND "agentId" IN (${Prisma.join(agentIds)})`
    : [];
  const member = new Set(members.map((m) => `${m.agentId}\u0000${m.siteId}`));
  return pairs.map((p) => p.agent.role === "admin" || openIds.has(p.siteId) || member.has(`${p.agent.agentId}\u0000${p.siteId}`));
}

/** Site ids an agent may see; null means every site (admins, or no site is members-only). */
export async function visibleSiteIds(db: Db, agent: Staff): Promise<string[] | null> {
  if (agent.role === "admin") return null;
  if ((await db.site.count({ where: { membersOnly: true } })) === 0) return null;
  return (await db.site.findMany({ where: sitesWhere(agent.agentId), select: { id: true } })).map((s) => s.id);
}

/**
 * The conversation, if `p` may perform `action` on it. A conversation the caller may not see is
 * "not found", never "forbidden", so ids of other sites' chats cannot be probed.
 */
export async function conversationFor(db: Db, p: Principal, action: Action, conversationId: string) {
  authorize(p, action);
  const conv = await db.conversation.findUnique({ where: { id: conversationId } });
  const missing = new DomainError("not_found", "No such conversation");
  if (!conv) throw missing;
  if (p.kind === "visitor" && (conv.visitorId !== p.visitorId || conv.siteId !== p.siteId)) throw missing;
  if (p.kind === "agent" && !(await canAgentSeeSite(db, p, conv.siteId))) throw missing;
  return conv;
}

/** The same check for a site id an agent names (history filters, exports). */
export async function authorizeSite(db: Db, agent: Staff, siteId: string): Promise<void> {
  if (!(await canAgentSeeSite(db, agent, siteId))) throw new DomainError("forbidden", "You are not an agent of this site");
}

/**
 * Every socket event, per namespace, with its action. Events that act on a conversation check
 * it with conversationFor(); the rest are scoped to the caller (their own visitor or agent).
 */
export const SOCKET_EVENTS: Record<"agent" | "visitor", Record<string, Action>> = {
  agent: {
    "conversation:list": "conversation:read",
    "conversation:get": "conversation:read",
    "conversation:close": "conversation:write",
    "conversation:tags": "conversation:write",
    "conversation:read": "conversation:read",
    "conversation:accept": "conversation:accept",
    "conversation:transfer": "conversation:transfer",
    "conversation:reopen": "conversation:write",
    "message:send": "conversation:write",
    "messages:since": "conversation:read",
    typing: "conversation:write",
    "visitor:conversations": "conversation:read",
    "agents:list": "conversation:transfer",
    "visitor:block": "visitor:block",
    "visitor:unblock": "visitor:block",
    "agent:status": "self",
    "queue:list": "queue:list",
  },
  visitor: {
    "conversation:open": "conversation:write",
    "conversation:offline": "conversation:write",
    "conversation:close": "conversation:write",
    "conversation:rate": "conversation:write",
    "conversation:read": "conversation:read",
    "conversation:reopen": "conversation:write",
    "message:send": "conversation:write",
    "messages:since": "conversation:read",
    typing: "conversation:write",
    "visitor:update": "self",
    "visitor:identify": "self",
  },
};

/**
 * Every /api/v1 route with its action, checked by the gate before the route runs. The routes add
 * what a role alone cannot say: REST routes a token scope or an admin session (api-access.ts),
 * console routes a signed-in agent (tokens and visitors pass the gate for shared actions only to
 * be refused there), and the site and ownership checks above.
 */
export const HTTP_ROUTES: Record<string, Action> = {
  "POST /api/v1/auth/login": "public",
  // dropping the session one presents needs no other proof; without one it does nothing
  "POST /api/v1/auth/logout": "public",
  "GET /api/v1/auth/me": "self",
  "POST /api/v1/auth/password": "self",
  "GET /api/v1/profile": "self",
  "PATCH /api/v1/profile": "self",
  // first-run only: refused once any agent exists
  "GET /api/v1/setup": "public",
  "POST /api/v1/setup": "public",
  "GET /api/v1/widget/config/:siteKey": "public",
  "GET /api/v1/openapi.json": "public",
  // attachments (docs/attachments.md): the visitor's own conversation or an agent of its site;
  // a pending upload only for its uploader; API tokens download (never upload) with the
  // conversations:read scope, like the REST messages that list them (attachments/service.ts)
  "POST /api/v1/attachments": "conversation:write",
  "GET /api/v1/attachments/:id": "conversation:read",
  // CORS preflights answer headers only; the GET behind them is checked
  "OPTIONS /api/v1/widget/config/:siteKey": "public",
  "OPTIONS /api/v1/conversations/:id/transcript.txt": "public",
  "GET /api/v1/conversations/:id/transcript.:format": "transcript:export",
  "GET /api/v1/transcripts/export": "transcript:export",
  "GET /api/v1/history": "conversation:read",
  "GET /api/v1/sites": "conversation:read",
  "GET /api/v1/canned-responses": "canned:manage",
  "POST /api/v1/canned-responses": "canned:manage",
  "PATCH /api/v1/canned-responses/:id": "canned:manage",
  "DELETE /api/v1/canned-responses/:id": "canned:manage",
  "GET /api/v1/admin/sites": "sites:manage",
  "GET /api/v1/admin/sites/:id": "sites:manage",
  "POST /api/v1/admin/sites": "sites:manage",
  "PATCH /api/v1/admin/sites/:id": "sites:manage",
  "POST /api/v1/admin/sites/:id/identity-secret": "sites:manage",
  "GET /api/v1/admin/agents": "agents:manage",
  "POST /api/v1/admin/agents": "agents:manage",
  "PATCH /api/v1/admin/agents/:id": "agents:manage",
  "GET /api/v1/admin/tokens": "tokens:manage",
  "POST /api/v1/admin/tokens": "tokens:manage",
  "DELETE /api/v1/admin/tokens/:id": "tokens:manage",
  "GET /api/v1/conversations": "conversation:read",
  "GET /api/v1/conversations/:id": "conversation:read",
  "GET /api/v1/conversations/:id/messages": "conversation:read",
  "POST /api/v1/conversations/:id/messages": "conversation:write",
  "POST /api/v1/conversations/:id/close": "conversation:write",
  "GET /api/v1/webhooks": "webhooks:manage",
  "POST /api/v1/webhooks": "webhooks:manage",
  "GET /api/v1/webhooks/:id": "webhooks:manage",
  "PATCH /api/v1/webhooks/:id": "webhooks:manage",
  "DELETE /api/v1/webhooks/:id": "webhooks:manage",
  "POST /api/v1/webhooks/:id/secret": "webhooks:manage",
  "GET /api/v1/webhooks/:id/deliveries": "webhooks:manage",
  "POST /api/v1/webhooks/:id/deliveries/:deliveryId/redeliver": "webhooks:manage",
};
