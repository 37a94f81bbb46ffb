// The Express application: security headers, body limits, routes, JSON errors.
import express, { type Express } from "express";
import helmet from "helmet";
import type { Db } from "../db/client.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { adminRoutes, type AdminHooks } from "./admin-routes.ts";
import { ApiAccess } from "./api-access.ts";
import { openApiDocument } from "./openapi.ts";
import { restRoutes, type LiveDeps } from "./rest-routes.ts";
import { webhookRoutes } from "./webhook-routes.ts";
import { webhookSettings } from "../webhooks/settings.ts";
import { authRoutes } from "./auth-routes.ts";
import { consoleRoutes } from "./console-routes.ts";
import { csrfGuard } from "./csrf.ts";
import { healthRoutes, type Readiness } from "./health-routes.ts";
import { profileRoutes } from "./profile-routes.ts";
import { errorHandler, sendError } from "./routes-kit.ts";
import { enforcePolicy } from "./policy-gate.ts";
import { staticRoutes } from "./static-routes.ts";
import { transcriptRoutes } from "./transcript-routes.ts";
import { widgetRoutes } from "./widget-routes.ts";
import { attachmentRoutes } from "./attachment-routes.ts";
import { uploadLimits } from "../attachments/service.ts";
import { blobReader } from "../attachments/blobs.ts";
import { providerOf } from "../db/provider.ts";

export interface HttpDeps {
  db: Db;
  config: Config;
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  /** lets the admin API drop a deactivated agent's live sockets */
  adminHooks?: AdminHooks;
  /** extra routers mounted by other rooms (widget, console, exports ...) before the 404 */
  extraRoutes?: express.Router[];
  /** the REST API's handles on the running app (notifier, message writer, webhook dispatcher) */
  live: () => LiveDeps & { kickWebhooks(): void };
}

export const JSON_BODY_LIMIT = "64kb";

export function createExpressApp(deps: HttpDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(helmet());
  app.use(healthRoutes(deps.db, deps.metrics, deps.readiness));
  // Before every /api/v1 router, including those in extraRoutes.
  app.use("/api/v1", csrfGuard());
  // Before the JSON parser: an upload's body is the raw file, read as a bounded stream.
  app.use("/api/v1", attachmentRoutes(deps.db, deps.log, uploadLimits(), blobReader(providerOf(deps.config.databaseUrl))));
  const api = express.Router();
  api.use(express.json({ limit: JSON_BODY_LIMIT }));
  api.use(authRoutes(deps.db, deps.config, deps.log));
  api.use(profileRoutes(deps.db, deps.log));
  api.use(transcriptRoutes(deps.db, deps.log, deps.config.publicUrl));
  api.use(consoleRoutes(deps.db, deps.log), adminRoutes(deps.db, deps.config, deps.log, deps.adminHooks ?? { disconnectAgent: () => undefined }));
  const access = new ApiAccess(deps.db);
  api.get("/openapi.json", (_req, res) => void res.json(openApiDocument()));
  api.use(restRoutes(deps.db, deps.log, access, deps.live), webhookRoutes(deps.db, deps.log, access, webhookSettings(deps.config.webhooks), () => deps.live().kickWebhooks()));
  app.use("/api/v1", api);
  app.use(widgetRoutes(deps.db, deps.config, deps.log));
  for (const r of deps.extraRoutes ?? []) app.use(r);
  app.use(staticRoutes());
  app.get("/", (_req, res) => res.redirect("/console/"));
  app.use("/api", (_req, res) => sendError(res, "not_found", "No such API route"));
  app.use(errorHandler(deps.log));
  // Last, once every route exists: the authorization gate in front of each /api/v1 route.
  enforcePolicy(app, deps.db);
  return app;
}
