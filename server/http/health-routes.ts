// Liveness, readiness and Prometheus metrics.
import { Router } from "express";
import type { Db } from "../db/client.ts";
import type { Metrics } from "../metrics.ts";
import { refreshRoutingGauges } from "../routing/metrics.ts";
import { route } from "./routes-kit.ts";

export interface Readiness {
  /** null when ready; otherwise what is wrong (no secrets, no SQL) */
  check(): Promise<string | null>;
  /** null when whole; otherwise what this process does without (answered 200 "degraded") */
  degraded?(): string | null;
}

export function healthRoutes(db: Db, metrics: Metrics, readiness: Readiness): Router {
  const r = Router();
  r.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  r.get(
    "/readyz",
    route(async (_req, res) => {
      const problem = await readiness.check().catch(() => "database unreachable");
      if (problem) res.status(503).json({ status: "unavailable", reason: problem });
      else {
        const degraded = readiness.degraded?.() ?? null;
        res.json(degraded ? { status: "degraded", reason: degraded } : { status: "ready" });
      }
    }),
  );
  r.get(
    "/metrics",
    route(async (_req, res) => {
      // Queue and utilisation gauges are refreshed from the database on scrape: they must be right across processes.
      await refreshRoutingGauges(db, metrics);
      res.setHeader("Content-Type", metrics.registry.contentType);
      res.send(await metrics.registry.metrics());
    }),
  );
  return r;
}
