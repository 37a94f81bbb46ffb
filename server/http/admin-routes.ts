// The admin API behind the console's admin pages: sites, agents, API tokens. Admins only.
import { Router, type Request } from "express";
import { z } from "zod";
import type { Db } from "../db/client.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { DomainError } from "../errors.ts";
import { inviteAgent, listAgents, toAdminAgentDto, updateAgent } from "../agents/admin.ts";
import { addSite, getSite, listSites, rotateIdentitySecret, toSiteDto, updateSite } from "../sites/admin.ts";
import { applySettingsPatch, siteSettingsOf } from "../sites/settings.ts";
import { formatZodError } from "../realtime/handler.ts";
import { createToken, listTokens, revokeToken, toApiTokenDto } from "../tokens/service.ts";
import { requireAgent, type Caller } from "./authn.ts";
import { parseBody, route } from "./routes-kit.ts";

const name = z.string().trim().min(1).max(120);
const origins = z.array(z.string().trim().min(1).max(300)).max(50);
const capacity = z.number().int().min(1).max(100);
const siteFields = {
  allowedOrigins: origins,
  routingMode: z.enum(["auto", "manual"]),
  defaultCapacity: capacity.nullable(),
};
const newSite = z.strictObject({ name, ...siteFields, allowedOrigins: origins.min(1, "at least one origin") }).partial({ routingMode: true, defaultCapacity: true });
// settings: a partial patch (top-level keys replace), validated by applySettingsPatch
const siteChanges = z.strictObject({ name, ...siteFields, settings: z.record(z.string(), z.unknown()) }).partial();
const role = z.enum(["admin", "agent"]);
const newAgent = z.strictObject({
  email: z.email().max(254),
  name,
  role: role.default("agent"),
  password: z.string().min(8, "at least 8 characters").max(200).optional(),
  maxChats: capacity.nullable().optional(),
});
const agentChanges = z.strictObject({ name, role, maxChats: capacity.nullable(), active: z.boolean() }).partial();
const scope = z.string().regex(/^(\*|[a-z]+(:[a-z]+)?)$/, "a scope like transcripts:read").max(60);
const newToken = z.strictObject({ name, scopes: z.array(scope).min(1).max(20).default(["transcripts:read"]) });
const idParam = z.string().min(1).max(64);

export interface AdminHooks {
  /** drops every live console socket of the agent (all processes) */
  disconnectAgent(agentId: string): void;
}

function settingsFrom(site: { settings: string }, patch: unknown) {
  try {
    return applySettingsPatch(siteSettingsOf(site), patch);
  } catch (err) {
    if (err instanceof z.ZodError) throw new DomainError("bad_request", `settings.${formatZodError(err)}`);
    throw err;
  }
}

type AdminCaller = Extract<Caller, { kind: "agent" }>;

async function requireAdmin(db: Db, req: Request): Promise<AdminCaller> {
  const caller = await requireAgent(db, req);
  if (caller.role !== "admin") throw new DomainError("forbidden", "Only admins can do this");
  return caller;
}

function param(req: Request, key: string): string {
  const parsed = idParam.safeParse(req.params[key]);
  if (!parsed.success) throw new DomainError("bad_request", `${key}: invalid`);
  return parsed.data;
}

export function adminRoutes(db: Db, config: Config, log: Logger, hooks: AdminHooks): Router {
  const r = Router();
  const admin = (fn: (caller: AdminCaller, req: Request, res: import("express").Response) => Promise<void>) =>
    route(async (req, res) => fn(await requireAdmin(db, req), req, res));
  const site = (row: Parameters<typeof toSiteDto>[0]) => toSiteDto(row, config.publicUrl);

  r.get("/admin/sites", admin(async (_c, _req, res) => void res.json((await listSites(db)).map(site))));
  r.get("/admin/sites/:id", admin(async (_c, req, res) => void res.json(site(await getSite(db, param(req, "id"))))));
  r.post(
    "/admin/sites",
    admin(async (caller, req, res) => {
      const created = await addSite(db, parseBody(newSite, req.body));
      log.info({ siteId: created.id, by: caller.agentId }, "site created");
      res.status(201).json(site(created));
    }),
  );
  r.patch(
    "/admin/sites/:id",
    admin(async (caller, req, res) => {
      const id = param(req, "id");
      const { settings: patch, ...changes } = parseBody(siteChanges, req.body);
      const settings = patch === undefined ? undefined : settingsFrom(await getSite(db, id), patch);
      const updated = await updateSite(db, id, { ...changes, settings });
      log.info({ siteId: id, by: caller.agentId }, "site updated");
      res.json(site(updated));
    }),
  );
  r.post(
    "/admin/sites/:id/identity-secret",
    admin(async (caller, req, res) => {
      const id = param(req, "id");
      const updated = await rotateIdentitySecret(db, id);
      log.info({ siteId: id, by: caller.agentId }, "site identity secret rotated");
      res.json(site(updated));
    }),
  );

  r.get("/admin/agents", admin(async (_c, _req, res) => void res.json((await listAgents(db)).map(toAdminAgentDto))));
  r.post(
    "/admin/agents",
    admin(async (caller, req, res) => {
      const input = parseBody(newAgent, req.body);
      const { agent, password } = await inviteAgent(db, input);
      log.info({ agentId: agent.id, role: agent.role, by: caller.agentId }, "agent created");
      res.status(201).json({ agent: toAdminAgentDto(agent), password });
    }),
  );
  r.patch(
    "/admin/agents/:id",
    admin(async (caller, req, res) => {
      const id = param(req, "id");
      const changes = parseBody(agentChanges, req.body);
      const agent = await updateAgent(db, caller.agentId, id, changes);
      if (changes.active === false) {
        hooks.disconnectAgent(id);
        log.info({ agentId: id, by: caller.agentId }, "agent deactivated");
      } else {
        log.info({ agentId: id, by: caller.agentId, fields: Object.keys(changes) }, "agent updated");
      }
      res.json(toAdminAgentDto(agent));
    }),
  );

  r.get("/admin/tokens", admin(async (_c, _req, res) => void res.json((await listTokens(db)).map(toApiTokenDto))));
  r.post(
    "/admin/tokens",
    admin(async (caller, req, res) => {
      const { row, token } = await createToken(db, parseBody(newToken, req.body));
      log.info({ tokenId: row.id, by: caller.agentId }, "api token created");
      res.status(201).json({ ...toApiTokenDto(row), token });
    }),
  );
  r.delete(
    "/admin/tokens/:id",
    admin(async (caller, req, res) => {
      const row = await revokeToken(db, param(req, "id"));
      log.info({ tokenId: row.id, by: caller.agentId }, "api token revoked");
      res.json(toApiTokenDto(row));
    }),
  );
  return r;
}
