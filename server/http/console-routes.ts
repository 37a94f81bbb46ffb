// HTTP the console needs beside the socket: history search and the canned-response library.
// Any signed-in agent; writes need the CSRF header (csrf.ts).
import { Router } from "express";
import { z } from "zod";
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { DomainError } from "../errors.ts";
import { MAX_MESSAGE_LENGTH, MAX_TAG_LENGTH } from "../protocol.ts";
import { createCanned, deleteCanned, searchCanned, toCannedDto, updateCanned } from "../canned/service.ts";
import { listHistory } from "../conversations/history.ts";
import { parseBody, requireAgentRoute } from "./routes-kit.ts";
import { visibleSiteIds } from "../auth/policy.ts";

const id = z.string().min(1).max(64);
const date = z.iso.date().or(z.iso.datetime({ offset: true }));
const historyQuery = z.strictObject({
  site: id.optional(),
  agent: id.optional(),
  from: date.optional(),
  to: date.optional(),
  tag: z.string().trim().min(1).max(MAX_TAG_LENGTH).optional(),
  rating: z.coerce.number().int().min(1).max(5).optional(),
  q: z.string().max(200).optional(),
  cursor: id.optional(),
});
const shortcut = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "letters, digits, - and _ (at most 32)");
const cannedFields = { shortcut, title: z.string().trim().min(1).max(120), body: z.string().trim().min(1).max(MAX_MESSAGE_LENGTH) };
const newCanned = z.strictObject(cannedFields);
const cannedChanges = z.strictObject(cannedFields).partial();

/** A plain date ("2026-11-22") as a range end means the whole day. */
function parseDate(value: string | undefined, end: boolean): Date | undefined {
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T${end ? "23:59:59.999" : "00:00:00.000"}Z`);
  return new Date(value);
}

export function consoleRoutes(db: Db, log: Logger): Router {
  const r = Router();

  r.get(
    "/history",
    requireAgentRoute(db, async (caller, req, res) => {
      const q = parseBody(historyQuery, req.query);
      const from = parseDate(q.from, false);
      const to = parseDate(q.to, true);
      if (from && to && from > to) throw new DomainError("bad_request", "from: must not be after to");
      res.json(await listHistory(db, { siteId: q.site, agentId: q.agent, from, to, tag: q.tag, rating: q.rating, q: q.q, cursor: q.cursor, siteIds: await visibleSiteIds(db, caller) }));
    }),
  );

  // Names for filters and labels; the admin API has the full records.
  r.get(
    "/sites",
    requireAgentRoute(db, async (caller, _req, res) => {
      const mine = await visibleSiteIds(db, caller);
      res.json(await db.site.findMany({ where: mine ? { id: { in: mine } } : {}, select: { id: true, key: true, name: true }, orderBy: [{ name: "asc" }, { id: "asc" }] }));
    }),
  );

  r.get(
    "/canned-responses",
    requireAgentRoute(db, async (_caller, req, res) => {
      const q = typeof req.query.q === "string" ? req.query.q.slice(0, 100) : "";
      res.json((await searchCanned(db, q)).map(toCannedDto));
    }),
  );
  r.post(
    "/canned-responses",
    requireAgentRoute(db, async (caller, req, res) => {
      const created = await createCanned(db, caller.agentId, parseBody(newCanned, req.body));
      log.info({ cannedId: created.id, by: caller.agentId }, "canned response created");
      res.status(201).json(toCannedDto(created));
    }),
  );
  r.patch(
    "/canned-responses/:id",
    requireAgentRoute(db, async (caller, req, res) => {
      const updated = await updateCanned(db, parseBody(id, req.params.id), parseBody(cannedChanges, req.body));
      log.info({ cannedId: updated.id, by: caller.agentId }, "canned response updated");
      res.json(toCannedDto(updated));
    }),
  );
  r.delete(
    "/canned-responses/:id",
    requireAgentRoute(db, async (caller, req, res) => {
      const cannedId = parseBody(id, req.params.id);
      await deleteCanned(db, cannedId);
      log.info({ cannedId, by: caller.agentId }, "canned response deleted");
      res.json({ ok: true });
    }),
  );
  return r;
}
