// Sign-in, sign-out, the current agent, password change and the first-admin setup.
import { Router, type Request, type Response } from "express";
import { z } from "zod";
import type { Db } from "../db/client.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { authenticate, changePassword, createAgent, toAgentDto } from "../agents/service.ts";
import {
  checkLogin,
  DEVICE_COOKIE,
  DEVICE_TTL_MS,
  deviceCookie,
  hitWindow,
  recordLoginFailure,
  recordLoginSuccess,
  trustedDevice,
} from "../auth/abuse.ts";
import { createSession, destroySession, readCookie, SESSION_COOKIE, SESSION_TTL_MS } from "../auth/sessions.ts";
import { safeEqualHex, setupToken } from "../auth/tokens.ts";
import { DomainError } from "../errors.ts";
import { parseBody, requireAgentRoute, route } from "./routes-kit.ts";

const credentials = z.strictObject({ email: z.email().max(254), password: z.string().min(1).max(200) });
const newPassword = z.string().min(8, "at least 8 characters").max(200);
const setup = z.strictObject({ token: z.string().min(1).max(200), email: z.email().max(254), name: z.string().trim().min(1).max(120), password: newPassword });
const passwordChange = z.strictObject({ current: z.string().min(1).max(200), next: newPassword });

export function authRoutes(db: Db, config: Config, log: Logger): Router {
  const r = Router();
  const secure = config.publicUrl.startsWith("https:");

  const setCookie = (res: Response, token: string) =>
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: "lax", secure, path: "/", maxAge: SESSION_TTL_MS });

  r.post(
    "/auth/login",
    route(async (req, res) => {
      // Brute-force brake per client address, right or wrong, shared by every process.
      await hitWindow(db, `login:${req.ip ?? "unknown"}`, 60_000, 20, "Too many sign-in attempts; wait a minute");
      const input = parseBody(credentials, req.body);
      // Per account (or trusted device) and per address, in the database so every process sees the same count.
      const device = trustedDevice(config.secret, input.email, readCookie(req.headers.cookie, DEVICE_COOKIE));
      const who = { email: input.email, ip: req.ip ?? "unknown", device };
      await checkLogin(db, who);
      const agent = await authenticate(db, input.email, input.password);
      if (!agent) {
        await recordLoginFailure(db, who);
        log.info({ ip: req.ip }, "sign-in failed");
        throw new DomainError("unauthorized", "Wrong email or password");
      }
      // A fresh session id on every sign-in (no fixation); an old cookie is revoked.
      const old = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (old) await destroySession(db, old);
      await recordLoginSuccess(db, who);
      setCookie(res, await createSession(db, agent.id));
      // after the session cookie, which clients that read one Set-Cookie take first
      if (!device) {
        res.cookie(DEVICE_COOKIE, deviceCookie(config.secret, input.email), { httpOnly: true, sameSite: "strict", secure, path: "/api/v1/auth", maxAge: DEVICE_TTL_MS });
      }
      log.info({ agentId: agent.id }, "agent signed in");
      res.json(toAgentDto(agent));
    }),
  );

  r.post(
    "/auth/logout",
    route(async (req, res) => {
      const token = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (token) await destroySession(db, token);
      res.clearCookie(SESSION_COOKIE, { path: "/" });
      res.json({ ok: true });
    }),
  );

  r.get(
    "/auth/me",
    requireAgentRoute(db, async (caller, _req, res) => {
      res.json(toAgentDto(await db.agent.findUniqueOrThrow({ where: { id: caller.agentId } })));
    }),
  );

  r.post(
    "/auth/password",
    requireAgentRoute(db, async (caller, req, res) => {
      const input = parseBody(passwordChange, req.body);
      await changePassword(db, caller.agentId, input.current, input.next);
      res.json({ ok: true });
    }),
  );

  r.get(
    "/setup",
    route(async (_req, res) => {
      res.json({ needed: (await db.agent.count()) === 0 });
    }),
  );

  r.post(
    "/setup",
    route(async (req: Request, res: Response) => {
      const input = parseBody(setup, req.body);
      if (!safeEqualHex(input.token, setupToken(config.secret))) throw new DomainError("forbidden", "This setup link is not valid");
      if ((await db.agent.count()) > 0) throw new DomainError("conflict", "Setup is done already; sign in instead");
      const agent = await createAgent(db, { email: input.email, name: input.name, role: "admin", password: input.password });
      setCookie(res, await createSession(db, agent.id));
      log.info({ agentId: agent.id }, "first admin created");
      res.status(201).json(toAgentDto(agent));
    }),
  );
  return r;
}
