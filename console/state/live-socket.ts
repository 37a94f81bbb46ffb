// The /agent connection: keeps the live store in step with the server, resynchronises after any
// reconnect (lists, open transcripts, unsent messages) and makes the connection state visible.
import type { MessageDto } from "../../server/protocol.ts";
import { t } from "../i18n/t.ts";
import { notify } from "../lib/notify.ts";
import { connectAgentSocket, request, type AgentSocket } from "../lib/socket.ts";
import { openConversation, flushOutbox, resyncConversation } from "./actions.ts";
import { applySummaries, bumpUnread, hasGapBefore, live, mergeMessages, patchConversation, setTyping, upsertSummary } from "./live-store.ts";
import { loadMe, sessionLost } from "./session.ts";

let socket: AgentSocket | null = null;
const cleanups: (() => void)[] = [];

export function currentSocket(): AgentSocket | null {
  return socket;
}

/** Typing previews fade out if the visitor stops without sending (no "stopped" event). */
const TYPING_TTL_MS = 6000;

export function startLive(): void {
  if (socket) return;
  const s = connectAgentSocket();
  socket = s;
  live.set({ connection: "connecting" });

  s.on("connect", () => {
    live.set({ connection: "connected" });
    // Unsent messages first and independently of the list refresh: they are what must not wait.
    void flushOutbox(s);
    void resync(s);
  });
  s.on("disconnect", (reason) => {
    if (socket !== s) return;
    live.set({ connection: navigator.onLine ? "reconnecting" : "offline" });
    // The server dropped us on purpose (deactivated, session revoked): check before retrying.
    if (reason === "io server disconnect") {
      void loadMe()
        .then(() => {
          if (socket === s) s.connect();
        })
        .catch(() => {
          if (socket === s) s.connect();
        });
    }
  });
  s.on("connect_error", (err: Error & { data?: { code?: string; retryAfterMs?: number } }) => {
    if (err.data?.code === "unauthorized") {
      stopLive();
      sessionLost();
      return;
    }
    // Refused by a busy server (restart avalanche): Socket.IO does not retry a refusal by itself,
    // so come back after the jittered delay the server asked for.
    if (err.data?.code === "unavailable") {
      const wait = err.data.retryAfterMs ?? 1000 + Math.random() * 4000;
      setTimeout(() => {
        if (socket === s && !s.connected) s.connect();
      }, wait);
    }
    live.set({ connection: navigator.onLine ? "reconnecting" : "offline" });
  });
  s.on("agent:updated", (agent) => {
    const me = live.get().me;
    if (!me || me.id === agent.id) live.set({ me: agent });
    live.set((st) => ({ agents: st.agents.map((a) => (a.id === agent.id ? agent : a)) }));
  });
  // Every agent hears about every change; others' closed chats are dropped unless on screen,
  // so a long shift does not pile them up.
  s.on("conversations:updated", (list) =>
    applySummaries(list, (c, st) => !(c.status === "closed" && c.assignee?.id !== st.me?.id && st.activeId !== c.id && !st.loaded[c.id])),
  );
  s.on("conversation:assigned", (c) => {
    upsertSummary(c);
    notify(t("notify.assigned.title"), c.preview ?? c.siteName, c.id, () => void openConversation(c.id));
  });
  s.on("message:new", (m) => onMessage(s, m));
  s.on("typing", (ty) => {
    if (!ty.typing) return setTyping(ty.conversationId, null);
    const at = Date.now();
    setTyping(ty.conversationId, { preview: ty.preview ?? "", at });
    setTimeout(() => {
      if (live.get().typing[ty.conversationId]?.at === at) setTyping(ty.conversationId, null);
    }, TYPING_TTL_MS);
  });
  s.on("conversation:read", (r) =>
    patchConversation(r.conversationId, (c) =>
      r.reader === "visitor" ? { visitorReadSeq: Math.max(c.visitorReadSeq, r.seq) } : { agentReadSeq: Math.max(c.agentReadSeq, r.seq) },
    ),
  );

  // The browser knows first when the network is gone: stop pretending, and come back at once.
  const offline = () => {
    live.set({ connection: "offline" });
    s.disconnect();
  };
  const online = () => {
    if (!s.connected) {
      live.set({ connection: "reconnecting" });
      s.connect();
    }
  };
  addEventListener("offline", offline);
  addEventListener("online", online);
  cleanups.push(() => removeEventListener("offline", offline), () => removeEventListener("online", online));
}

export function stopLive(): void {
  const s = socket;
  socket = null;
  for (const c of cleanups.splice(0)) c();
  s?.disconnect();
  live.set({ connection: "connecting", conversations: {}, messages: {}, loaded: {}, typing: {}, unread: {}, activeId: null, agents: [] });
}

function onMessage(s: AgentSocket, m: MessageDto): void {
  const gap = live.get().loaded[m.conversationId] && hasGapBefore(m.conversationId, m.seq);
  mergeMessages(m.conversationId, [m]);
  if (gap) void resyncConversation(s, m.conversationId);
  if (m.authorKind === "visitor") setTyping(m.conversationId, null);
  const me = live.get().me;
  const mine = m.authorKind === "agent" && m.authorId === me?.id;
  if (mine) return;
  const active = live.get().activeId === m.conversationId && !document.hidden;
  if (!active) {
    bumpUnread(m.conversationId);
    const name = m.authorName ?? t("visitor.anonymous");
    notify(t("notify.message.title", { name }), m.body || t("attach.notify"), m.conversationId, () => void openConversation(m.conversationId));
  }
}

/** After (re)connecting: fresh lists, transcripts we hold brought up to date, then the outbox. */
async function resync(s: AgentSocket): Promise<void> {
  try {
    const [queue, mine, closed, agents] = await Promise.all([
      request(s, "queue:list", {}),
      request(s, "conversation:list", { status: "assigned", mine: true }),
      request(s, "conversation:list", { status: "closed", mine: true }),
      request(s, "agents:list", {}),
    ]);
    live.set((st) => {
      const conversations = { ...st.conversations };
      for (const c of [...queue, ...mine, ...closed]) conversations[c.id] = c;
      return { conversations, agents };
    });
    // Bring back what is on screen and my open chats; anything else is fetched again when opened
    // (a long shift may have opened hundreds).
    const st = live.get();
    const keep = new Set(Object.keys(st.loaded).filter((id) => id === st.activeId || (st.conversations[id]?.status === "assigned" && st.conversations[id]?.assignee?.id === st.me?.id)));
    if (st.activeId) keep.add(st.activeId);
    live.set({ loaded: {} });
    await Promise.all([...keep].map((id) => resyncConversation(s, id)));
  } catch (err) {
    // A failed resync is retried on the next connect; the banner already says we are not live.
    console.warn("console resync failed", err);
  }
}
