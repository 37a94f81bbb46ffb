// Transcript downloads. The transcripts issue adds csv/txt/html and bulk export beside this.
import { Router } from "express";
import type { Db } from "../db/client.ts";
import { buildTranscript } from "../transcripts/json.ts";
import { requireAgentOrScope } from "./authn.ts";
import { route } from "./routes-kit.ts";

export const TRANSCRIPT_SCOPE = "transcripts:read";

export function transcriptRoutes(db: Db): Router {
  const r = Router();
  r.get(
    "/conversations/:id/transcript.json",
    route(async (req, res) => {
      const caller = await requireAgentOrScope(db, req, TRANSCRIPT_SCOPE);
      const notes = req.query.notes === "1" && caller.kind === "agent";
      const id = String(req.params.id);
      const transcript = await buildTranscript(db, id, { notes });
      res.setHeader("Content-Disposition", `attachment; filename="transcript-${id}.json"`);
      res.json(transcript);
    }),
  );
  return r;
}
