// Routing gauges, refreshed from the database when /metrics is scraped, so every process reports
// the same truth however many processes share the database: queue length per site and agent
// utilisation (open conversations over capacity).
import type { Db } from "../db/client.ts";
import type { Metrics } from "../metrics.ts";
import { capacityOf, isMember } from "./policy.ts";
import { loadSites } from "./state.ts";
import { effectiveCapacity } from "./capacity.ts";

export async function refreshRoutingGauges(db: Db, metrics: Metrics): Promise<void> {
  const [queued, agents, sites] = await Promise.all([
    db.conversation.groupBy({ by: ["siteId"], where: { status: "queued" }, _count: { _all: true } }),
    db.agent.findMany({ where: { active: true, status: { not: "offline" } }, select: { id: true, maxChats: true, openCount: true } }),
    loadSites(db),
  ]);
  metrics.queued.reset();
  for (const site of sites.keys()) metrics.queued.set({ site }, 0);
  for (const q of queued) metrics.queued.set({ site: q.siteId }, q._count._all);

  metrics.agentUtilisation.reset();
  let open = 0;
  let capacity = 0;
  for (const a of agents) {
    // An agent's capacity can differ per site (site defaults): count the largest that applies.
    const caps = [...sites.values()].filter((s) => isMember(a.id, s)).map((s) => capacityOf(a, s));
    const cap = caps.length ? Math.max(...caps) : effectiveCapacity(a.maxChats, null);
    metrics.agentUtilisation.set({ agent: a.id }, cap > 0 ? a.openCount / cap : 0);
    open += a.openCount;
    capacity += cap;
  }
  metrics.utilisation.set(capacity > 0 ? open / capacity : 0);
}
