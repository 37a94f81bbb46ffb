// The signed-in agent's own preferences: for now the console language (null follows the
// browser). GET /api/v1/profile, PATCH /api/v1/profile { language }.
import { Router } from "express";
import { z } from "zod";
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { LOCALES } from "../../widget/shared/locales.ts";
import { parseBody, requireAgentRoute } from "./routes-kit.ts";

export interface ProfileDto {
  /** one of the shipped locales, or null: the browser's language */
  language: string | null;
}

const profilePatch = z.strictObject({ language: z.enum(LOCALES).nullable() });

export function profileRoutes(db: Db, log: Logger): Router {
  const r = Router();
  r.get(
    "/profile",
    requireAgentRoute(db, async (caller, _req, res) => {
      const agent = await db.agent.findUniqueOrThrow({ where: { id: caller.agentId }, select: { language: true } });
      res.json({ language: agent.language } satisfies ProfileDto);
    }),
  );
  r.patch(
    "/profile",
    requireAgentRoute(db, async (caller, req, res) => {
      const input = parseBody(profilePatch, req.body);
      await db.agent.update({ where: { id: caller.agentId }, data: { language: input.language } });
      log.info({ agentId: caller.agentId, language: input.language }, "console language changed");
      res.json({ language: input.language } satisfies ProfileDto);
    }),
  );
  return r;
}
