// The authorization gate for HTTP: every route under /api/v1, whichever router registered it
// and however its handler is written, first passes authorizeRoute() with its row of
// auth/policy.ts HTTP_ROUTES, read at request time. A route added without a row is refused (500,
// logged) until it has one. Routes keep their own finer checks (token scopes, site membership,
// ownership) on top.
import type { Express, NextFunction, Request, Response } from "express";
import type { Db } from "../db/client.ts";
import { authorizeRoute } from "../auth/policy.ts";
import { roleOf } from "./authn.ts";

type Handler = (req: Request, res: Response, next: NextFunction) => void;

interface Route {
  path: unknown;
  methods?: Record<string, boolean>;
  stack: unknown[];
  [method: string]: unknown;
}

interface Layer {
  rawPath?: unknown;
  route?: Route;
  handle?: { stack?: Layer[] };
}

function join(prefix: string, path: string): string {
  const p = `${prefix}/${path}`.replace(/\/+/g, "/");
  return p.length > 1 ? p.replace(/\/$/, "") : p;
}

/** Calls `visit` with every route the app serves, its methods and full path ("/api/v1/sites/:id"). */
export function walkRoutes(app: Express, visit: (route: Route, method: string, path: string) => void): void {
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          if (typeof p !== "string") continue; // regexp routes (static files) have no fixed path
          for (const [method, on] of Object.entries(layer.route.methods ?? {})) if (on && method !== "_all") visit(layer.route, method, join(prefix, p));
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, join(prefix, typeof layer.rawPath === "string" ? layer.rawPath : "/"));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "/");
}

/** Puts the gate in front of every /api/v1 route registered so far. Call once all routes are. */
export function enforcePolicy(app: Express, db: Db): void {
  walkRoutes(app, (route, method, path) => {
    if (!path.startsWith("/api/v1/")) return;
    const key = `${method.toUpperCase()} ${path}`;
    const gate: Handler = (req, _res, next) => {
      authorizeRoute(key, () => roleOf(db, req)).then(() => next(), next);
    };
    // Route.get(fn) etc. append a handler for that method; move it to the front.
    const register = route[method];
    if (typeof register !== "function") throw new Error(`cannot guard ${key}`);
    (register as (fn: Handler) => void).call(route, gate);
    route.stack.unshift(route.stack.pop());
  });
}
