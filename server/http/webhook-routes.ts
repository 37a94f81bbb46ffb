// Webhook endpoints over HTTP (/api/v1/webhooks...): the console's admin page (admin session)
// and scripts (API token with webhooks:read / webhooks:write) use the same routes.
import { Router } from "express";
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import { listDeliveries, redeliver } from "../webhooks/deliveries.ts";
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, rotateSecret, toEndpointDto, updateEndpoint, type Guard } from "../webhooks/endpoints.ts";
import type { WebhookSettings } from "../webhooks/settings.ts";
import { actorOf, type ApiAccess } from "./api-access.ts";
import { pathId } from "./rest-routes.ts";
import { parseBody, route } from "./routes-kit.ts";
import * as s from "./rest-schemas.ts";

export function webhookRoutes(db: Db, log: Logger, access: ApiAccess, settings: WebhookSettings, kick: () => void): Router {
  const r = Router();
  const guard: Guard = { allowHosts: settings.allowHosts };

  r.get(
    "/webhooks",
    route(async (req, res) => {
      await access.require(req, "webhooks:read");
      res.json((await listEndpoints(db)).map(toEndpointDto));
    }),
  );

  r.post(
    "/webhooks",
    route(async (req, res) => {
      const caller = await access.require(req, "webhooks:write");
      const { row, secret } = await createEndpoint(db, parseBody(s.createWebhookBody, req.body), guard);
      log.info({ endpointId: row.id, events: row.events, ...actorOf(caller) }, "webhook endpoint created");
      res.status(201).json({ ...toEndpointDto(row), secret });
    }),
  );

  r.get(
    "/webhooks/:id",
    route(async (req, res) => {
      await access.require(req, "webhooks:read");
      res.json(toEndpointDto(await getEndpoint(db, pathId(req, "id"))));
    }),
  );

  r.patch(
    "/webhooks/:id",
    route(async (req, res) => {
      const caller = await access.require(req, "webhooks:write");
      const id = pathId(req, "id");
      const changes = parseBody(s.updateWebhookBody, req.body);
      const row = await updateEndpoint(db, id, changes, guard);
      log.info({ endpointId: id, fields: Object.keys(changes), ...actorOf(caller) }, "webhook endpoint updated");
      res.json(toEndpointDto(row));
    }),
  );

  r.delete(
    "/webhooks/:id",
    route(async (req, res) => {
      const caller = await access.require(req, "webhooks:write");
      const id = pathId(req, "id");
      await deleteEndpoint(db, id);
      log.info({ endpointId: id, ...actorOf(caller) }, "webhook endpoint deleted");
      res.status(204).end();
    }),
  );

  r.post(
    "/webhooks/:id/secret",
    route(async (req, res) => {
      const caller = await access.require(req, "webhooks:write");
      const { row, secret } = await rotateSecret(db, pathId(req, "id"));
      log.info({ endpointId: row.id, ...actorOf(caller) }, "webhook secret rotated");
      res.json({ ...toEndpointDto(row), secret });
    }),
  );

  r.get(
    "/webhooks/:id/deliveries",
    route(async (req, res) => {
      await access.require(req, "webhooks:read");
      const id = pathId(req, "id");
      const q = parseBody(s.deliveryListQuery, req.query);
      await getEndpoint(db, id);
      res.json(await listDeliveries(db, id, q));
    }),
  );

  r.post(
    "/webhooks/:id/deliveries/:deliveryId/redeliver",
    route(async (req, res) => {
      const caller = await access.require(req, "webhooks:write");
      const id = pathId(req, "id");
      const deliveryId = pathId(req, "deliveryId");
      await redeliver(db, id, deliveryId, settings);
      log.info({ endpointId: id, deliveryId, ...actorOf(caller) }, "webhook redelivery requested");
      kick();
      res.status(202).json({ id: deliveryId, state: "pending" });
    }),
  );
  return r;
}
