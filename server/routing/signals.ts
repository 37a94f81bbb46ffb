// "Capacity may have appeared": domain code that changes routing inputs outside the engine (an
// admin raising a capacity, switching a site to auto, editing members) calls routingChanged(db),
// and the engine of the app owning that database drains at once instead of waiting for the sweep.
// Keyed by the database handle, so several apps in one process do not wake each other.
import type { Db } from "../db/client.ts";

const listeners = new WeakMap<object, Set<() => void>>();

export function onRoutingChange(db: Db, listener: () => void): () => void {
  let set = listeners.get(db);
  if (!set) listeners.set(db, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

export function routingChanged(db: Db): void {
  for (const listener of listeners.get(db) ?? []) listener();
}
