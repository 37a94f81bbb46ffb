// Replays the routing event log (RoutingEvent, written inside each routing transaction after its
// rows were locked, so per agent and per conversation id order is commit order) and reports every
// broken invariant: a conversation given to a second agent, an agent over capacity at any moment,
// an agent's recorded open count disagreeing with the replay, and how long any conversation stayed
// queued while an eligible agent had room.
import { capacityOf, isMember, type SiteRouting } from "../../server/routing/policy.ts";

export interface LoggedEvent {
  id: number;
  kind: string;
  conversationId: string | null;
  agentId: string | null;
  openCount: number | null;
  detail: string | null;
  createdAt: Date;
}

export interface LogSubject {
  agents: { id: string; maxChats: number | null }[];
  sites: SiteRouting[];
  conversations: { id: string; siteId: string; createdAt: Date }[];
}

export interface LogReport {
  events: number;
  assignments: number;
  problems: string[];
  /** longest time any conversation stayed queued while some eligible agent had room, in ms */
  maxStarvedMs: number;
  starvedConversation: string | null;
  /** for a failure message: when that wait began and which agents had room */
  starvedDetail: string;
}

export function replay(events: readonly LoggedEvent[], subject: LogSubject): LogReport {
  const problems: string[] = [];
  const sites = new Map(subject.sites.map((s) => [s.id, s]));
  const agents = new Map(subject.agents.map((a) => [a.id, a]));
  const convSite = new Map(subject.conversations.map((c) => [c.id, c.siteId]));
  const holder = new Map<string, string | null>();
  const open = new Map<string, number>();
  const status = new Map<string, string>();
  const queued = new Map<string, { returnedBy: string | null }>();
  let assignments = 0;

  const problem = (e: LoggedEvent, what: string) => {
    if (problems.length < 20) problems.push(`event ${e.id} (${e.kind} ${e.conversationId ?? ""} ${e.agentId ?? ""}): ${what}`);
  };
  const countFor = (agentId: string) => open.get(agentId) ?? 0;
  const eligible = (agentId: string, siteId: string) => {
    const site = sites.get(siteId);
    const agent = agents.get(agentId);
    if (!site || !agent || site.routingMode !== "auto") return false;
    return status.get(agentId) === "online" && isMember(agentId, site) && countFor(agentId) < capacityOf(agent, site);
  };

  // Moments in time order: conversations entering the queue on creation, then the log.
  type Moment = { at: number; order: number; apply: () => void };
  const moments: Moment[] = subject.conversations.map((c) => ({
    at: c.createdAt.getTime(),
    order: -1,
    apply: () => {
      holder.set(c.id, null);
      queued.set(c.id, { returnedBy: null });
    },
  }));
  for (const e of events) {
    moments.push({
      at: e.createdAt.getTime(),
      order: e.id,
      apply: () => {
        const conv = e.conversationId;
        const agent = e.agentId;
        switch (e.kind) {
          case "assigned": {
            if (!conv || !agent) return problem(e, "incomplete event");
            const had = holder.get(conv);
            if (had) problem(e, `assigned while ${had} had it`);
            holder.set(conv, agent);
            queued.delete(conv);
            open.set(agent, countFor(agent) + 1);
            assignments++;
            const site = sites.get(convSite.get(conv) ?? "");
            const a = agents.get(agent);
            if (site && a && countFor(agent) > capacityOf(a, site)) problem(e, `agent over capacity: ${countFor(agent)} > ${capacityOf(a, site)}`);
            break;
          }
          case "released":
          case "closed": {
            if (!conv) return problem(e, "incomplete event");
            const had = holder.get(conv) ?? null;
            if (had !== agent) problem(e, `${e.kind} by ${agent} but held by ${had}`);
            if (agent) open.set(agent, countFor(agent) - 1);
            holder.set(conv, null);
            if (e.kind === "released") queued.set(conv, { returnedBy: e.detail === "queue" ? agent : null });
            else queued.delete(conv);
            break;
          }
          case "queued":
            if (conv) queued.set(conv, { returnedBy: null });
            break;
          case "status":
            if (agent && e.detail && ["online", "away", "offline"].includes(e.detail)) status.set(agent, e.detail);
            break;
        }
        if (agent && e.openCount !== null && e.openCount !== countFor(agent)) problem(e, `recorded openCount ${e.openCount}, replay says ${countFor(agent)}`);
      },
    });
  }
  moments.sort((a, b) => a.at - b.at || a.order - b.order);

  const starvedSince = new Map<string, { at: number; who: string }>();
  let starvedDetail = "";
  let maxStarvedMs = 0;
  let starvedConversation: string | null = null;
  const settle = (conv: string, until: number) => {
    const since = starvedSince.get(conv);
    if (since === undefined) return;
    starvedSince.delete(conv);
    if (until - since.at > maxStarvedMs) {
      maxStarvedMs = until - since.at;
      starvedConversation = conv;
      starvedDetail = `from ${new Date(since.at).toISOString()} to ${new Date(until).toISOString()}, room with ${since.who}`;
    }
  };
  for (let i = 0; i < moments.length; i++) {
    const m = moments[i];
    m.apply();
    // Only judge the state once every moment at this instant has been applied.
    if (i + 1 < moments.length && moments[i + 1].at === m.at) continue;
    for (const conv of [...starvedSince.keys()]) if (!queued.has(conv)) settle(conv, m.at);
    for (const [conv, q] of queued) {
      const siteId = convSite.get(conv) ?? "";
      let room: string | null = null;
      for (const a of agents.keys()) {
        if (a !== q.returnedBy && eligible(a, siteId)) {
          room = a;
          break;
        }
      }
      if (room && !starvedSince.has(conv)) starvedSince.set(conv, { at: m.at, who: `${room} (open ${countFor(room)})` });
      if (!room) settle(conv, m.at);
    }
  }
  const end = moments.length ? moments[moments.length - 1].at : 0;
  for (const conv of [...starvedSince.keys()]) {
    problems.push(`conversation ${conv} still queued at the end while an eligible agent had room`);
    settle(conv, end);
  }
  return { events: events.length, assignments, problems, maxStarvedMs, starvedConversation, starvedDetail };
}
