// Client-side routes under /console/: history.pushState, no hash, so links can be shared.
import { createStore, useStore } from "./store.ts";

export const BASE = "/console";

const route = createStore({ path: current(), search: location.search });

function current(): string {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return p === "" ? "/" : p;
}

addEventListener("popstate", () => route.set({ path: current(), search: location.search }));

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = BASE + to;
  if (opts.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  route.set({ path: current(), search: location.search });
}

export function useRoute(): { path: string; search: string } {
  const path = useStore(route, (s) => s.path);
  const search = useStore(route, (s) => s.search);
  return { path, search };
}
