// Every route an Express app serves (routers mounted inside routers included): "GET
// /api/v1/conversations/:id" and so on, walked the way the policy gate walks them.
import type { ParleyApp } from "../../server/app.ts";
import { walkRoutes } from "../../server/http/policy-gate.ts";

export function listRoutes(app: ParleyApp): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  walkRoutes(app.expressApp, (_route, method, path) => out.push({ method: method.toUpperCase(), path }));
  return out;
}
