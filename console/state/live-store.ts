// The console's live state (conversations, transcripts, outbox, typing, unread, drafts) and the
// pure updates applied to it. Socket wiring lives in live-socket.ts, user actions in actions.ts.
import type { AgentDto, AttachmentDto, ConversationDto, ConversationSummaryDto, MessageDto } from "../../server/protocol.ts";
import { createStore } from "../lib/store.ts";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

export interface PendingMessage {
  clientId: string;
  conversationId: string;
  body: string;
  note: boolean;
  /** uploaded already (step 1); the message names them by id */
  attachments?: AttachmentDto[];
  createdAt: string;
  status: "sending" | "failed";
  error?: string;
}

export interface TypingState {
  preview: string;
  at: number;
}

export interface LiveState {
  connection: ConnectionState;
  me: AgentDto | null;
  conversations: Record<string, ConversationSummaryDto>;
  messages: Record<string, MessageDto[]>;
  /** conversations whose whole transcript was fetched (and whose watch room this socket joined) */
  loaded: Record<string, true>;
  outbox: Record<string, PendingMessage[]>;
  typing: Record<string, TypingState>;
  unread: Record<string, number>;
  drafts: Record<string, string>;
  activeId: string | null;
  agents: AgentDto[];
}

// Drafts and unsent messages outlive a reload of the tab (not the browser session).
const STORAGE_KEY = "parley.console.v1";

function restored(): Pick<LiveState, "outbox" | "drafts"> {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    const v = raw ? (JSON.parse(raw) as Partial<LiveState>) : {};
    return { outbox: v.outbox ?? {}, drafts: v.drafts ?? {} };
  } catch {
    return { outbox: {}, drafts: {} };
  }
}

export const live = createStore<LiveState>({
  connection: "connecting",
  me: null,
  conversations: {},
  messages: {},
  loaded: {},
  typing: {},
  unread: {},
  activeId: null,
  agents: [],
  ...restored(),
});

let lastSaved = { outbox: live.get().outbox, drafts: live.get().drafts };
live.subscribe(() => {
  const { outbox, drafts } = live.get();
  if (outbox === lastSaved.outbox && drafts === lastSaved.drafts) return;
  lastSaved = { outbox, drafts };
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ outbox, drafts }));
  } catch {
    // storage full or disabled: drafts stay in memory only
  }
});

export function upsertSummary(c: ConversationSummaryDto): void {
  live.set((s) => ({ conversations: { ...s.conversations, [c.id]: c } }));
}

/**
 * A round of summaries (conversations:updated) in one update: each one kept, or dropped where
 * `keep` says so (one copy of the map per round, not one per conversation).
 */
export function applySummaries(list: readonly ConversationSummaryDto[], keep: (c: ConversationSummaryDto, s: LiveState) => boolean): void {
  live.set((s) => {
    const conversations = { ...s.conversations };
    for (const c of list) {
      if (keep(c, s)) conversations[c.id] = c;
      else delete conversations[c.id];
    }
    return { conversations };
  });
}

/** Applies a ConversationDto (an ack) to the summary we hold, keeping visitor and site. */
export function applyConversation(c: ConversationDto): void {
  live.set((s) => {
    const known = s.conversations[c.id];
    return known ? { conversations: { ...s.conversations, [c.id]: { ...known, ...c } } } : {};
  });
}

/** Merges fields into the summary as it is now (never a stale copy taken before an await). */
export function patchConversation(id: string, patch: (c: ConversationSummaryDto) => Partial<ConversationSummaryDto>): void {
  live.set((s) => {
    const known = s.conversations[id];
    return known ? { conversations: { ...s.conversations, [id]: { ...known, ...patch(known) } } } : {};
  });
}

/** Adds messages in seq order, once each; an outbox entry they confirm is dropped. */
export function mergeMessages(conversationId: string, incoming: readonly MessageDto[]): void {
  if (incoming.length === 0) return;
  live.set((s) => {
    const bySeq = new Map((s.messages[conversationId] ?? []).map((m) => [m.seq, m]));
    for (const m of incoming) bySeq.set(m.seq, m);
    const list = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    const confirmed = new Set(incoming.map((m) => m.clientId));
    const pending = s.outbox[conversationId] ?? [];
    const outbox = pending.some((p) => confirmed.has(p.clientId))
      ? { ...s.outbox, [conversationId]: pending.filter((p) => !confirmed.has(p.clientId)) }
      : s.outbox;
    const conv = s.conversations[conversationId];
    const lastSeq = list[list.length - 1].seq;
    const conversations = conv && conv.lastSeq < lastSeq ? { ...s.conversations, [conversationId]: { ...conv, lastSeq } } : s.conversations;
    return { messages: { ...s.messages, [conversationId]: list }, outbox, conversations };
  });
}

/** True when the transcript we hold skips a sequence number before `seq`. */
export function hasGapBefore(conversationId: string, seq: number): boolean {
  const list = live.get().messages[conversationId] ?? [];
  const last = list.length ? list[list.length - 1].seq : 0;
  return seq > last + 1;
}

export function lastSeqHeld(conversationId: string): number {
  const list = live.get().messages[conversationId] ?? [];
  return list.length ? list[list.length - 1].seq : 0;
}

export function setPending(p: PendingMessage): void {
  live.set((s) => {
    const list = (s.outbox[p.conversationId] ?? []).filter((x) => x.clientId !== p.clientId);
    return { outbox: { ...s.outbox, [p.conversationId]: [...list, p] } };
  });
}

export function dropPending(conversationId: string, clientId: string): void {
  live.set((s) => ({ outbox: { ...s.outbox, [conversationId]: (s.outbox[conversationId] ?? []).filter((x) => x.clientId !== clientId) } }));
}

export function setTyping(conversationId: string, typing: TypingState | null): void {
  live.set((s) => {
    const next = { ...s.typing };
    if (typing) next[conversationId] = typing;
    else delete next[conversationId];
    return { typing: next };
  });
}

export function bumpUnread(conversationId: string, by = 1): void {
  live.set((s) => ({ unread: { ...s.unread, [conversationId]: (s.unread[conversationId] ?? 0) + by } }));
}

export function clearUnread(conversationId: string): void {
  live.set((s) => (s.unread[conversationId] ? { unread: { ...s.unread, [conversationId]: 0 } } : {}));
}

export function setDraft(conversationId: string, text: string): void {
  live.set((s) => ({ drafts: { ...s.drafts, [conversationId]: text } }));
}

/** Total unread across conversations, for the tab title. */
export function totalUnread(s: LiveState): number {
  return Object.values(s.unread).reduce((a, b) => a + b, 0);
}
