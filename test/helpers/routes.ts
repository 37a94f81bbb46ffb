// Every route an Express app serves, found by walking its router stack (routers mounted inside
// routers included): "GET /api/v1/conversations/:id" and so on.
import type { ParleyApp } from "../../server/app.ts";

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods?: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function join(prefix: string, path: string): string {
  const p = `${prefix}/${path}`.replace(/\/+/g, "/");
  return p.length > 1 ? p.replace(/\/$/, "") : p;
}

function walk(stack: Layer[], prefix: string, out: { method: string; path: string }[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const p of paths) {
        if (typeof p !== "string") continue; // regexp routes (static files) have no fixed path
        for (const [method, on] of Object.entries(layer.route.methods ?? {})) if (on && method !== "_all") out.push({ method: method.toUpperCase(), path: join(prefix, p) });
      }
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === "string" ? layer.rawPath : "/";
      walk(layer.handle.stack, join(prefix, mount), out);
    }
  }
}

export function listRoutes(app: ParleyApp): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  walk((app.expressApp as unknown as { router: { stack: Layer[] } }).router.stack, "/", out);
  return out;
}
