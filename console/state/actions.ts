// What the agent does: open a chat, send (through the outbox, so nothing is lost while offline),
// presence, accept, close, reopen, transfer, tags, typing.
import type { AgentStatus, AttachmentDto, ConversationDto } from "../../server/protocol.ts";
import { newClientId } from "../lib/format.ts";
import { request, RequestError, type AgentSocket } from "../lib/socket.ts";
import { currentSocket } from "./live-socket.ts";
import { applyConversation, clearUnread, dropPending, lastSeqHeld, live, mergeMessages, patchConversation, setPending, upsertSummary, type PendingMessage } from "./live-store.ts";

/** Errors that a retry cannot fix: the message is marked failed instead of retried. */
const FINAL = new Set(["bad_request", "forbidden", "not_found", "conflict", "too_large", "unsupported_type", "unauthorized"]);

function need(): AgentSocket {
  const s = currentSocket();
  if (!s || !s.connected) throw new RequestError("unavailable", "");
  return s;
}

/** Fetches the whole transcript (and joins the conversation's watch room on the server). */
export async function resyncConversation(s: AgentSocket, conversationId: string): Promise<void> {
  const { conversation, messages } = await request(s, "conversation:get", { conversationId });
  upsertSummary(conversation);
  mergeMessages(conversationId, messages);
  live.set((st) => ({ loaded: { ...st.loaded, [conversationId]: true } }));
}

export async function openConversation(conversationId: string): Promise<void> {
  live.set({ activeId: conversationId });
  clearUnread(conversationId);
  const s = currentSocket();
  if (!s?.connected) return; // loaded by the resync when the connection comes back
  if (!live.get().loaded[conversationId]) await resyncConversation(s, conversationId);
  markRead(conversationId);
}

/** Tells the server the agent has seen everything up to the last message (read receipts). */
export function markRead(conversationId: string): void {
  const s = currentSocket();
  const seq = lastSeqHeld(conversationId);
  const conv = live.get().conversations[conversationId];
  if (!s?.connected || seq === 0 || !conv || conv.agentReadSeq >= seq) return;
  request(s, "conversation:read", { conversationId, seq }).then(
    (r) => patchConversation(conversationId, (c) => ({ agentReadSeq: Math.max(c.agentReadSeq, r.seq) })),
    () => undefined,
  );
}

/** `attachments`: already uploaded (step 1 of sending a file); the message references them. */
export function sendMessage(conversationId: string, body: string, note: boolean, attachments: AttachmentDto[] = []): void {
  const p: PendingMessage = { clientId: newClientId(), conversationId, body, note, ...(attachments.length ? { attachments } : {}), createdAt: new Date().toISOString(), status: "sending" };
  setPending(p);
  void deliver(p);
}

async function deliver(p: PendingMessage): Promise<void> {
  const s = currentSocket();
  if (!s?.connected) return; // stays in the outbox; flushed on reconnect
  try {
    const attachmentIds = p.attachments?.map((a) => a.id);
    const message = await request(s, "message:send", {
      conversationId: p.conversationId,
      clientId: p.clientId,
      body: p.body,
      ...(p.note ? { note: true } : {}),
      ...(attachmentIds?.length ? { attachmentIds } : {}),
    });
    mergeMessages(p.conversationId, [message]);
  } catch (err) {
    if (err instanceof RequestError && FINAL.has(err.code)) setPending({ ...p, status: "failed", error: err.code });
    // Anything else (timeout, unavailable, rate limited): the same clientId is sent again on the
    // next flush, and the server stores it once.
  }
}

/** Sends every unsent message again, oldest first, per conversation in order. */
export async function flushOutbox(s: AgentSocket): Promise<void> {
  const all = Object.values(live.get().outbox).flat().filter((p) => p.status === "sending");
  all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const p of all) if (s.connected) await deliver(p);
}

export function retryPending(p: PendingMessage): void {
  const again = { ...p, status: "sending" as const, error: undefined };
  setPending(again);
  void deliver(again);
}

export function discardPending(p: PendingMessage): void {
  dropPending(p.conversationId, p.clientId);
}

export async function setStatus(status: AgentStatus): Promise<void> {
  live.set({ me: await request(need(), "agent:status", { status }) });
}

async function withResult(p: Promise<ConversationDto>): Promise<void> {
  applyConversation(await p);
}

export const acceptConversation = (conversationId: string) => withResult(request(need(), "conversation:accept", { conversationId }));
export const closeConversation = (conversationId: string) => withResult(request(need(), "conversation:close", { conversationId }));
export const setTags = (conversationId: string, tags: string[]) => withResult(request(need(), "conversation:tags", { conversationId, tags }));

export async function reopenConversation(conversationId: string): Promise<void> {
  await request(need(), "conversation:reopen", { conversationId });
  await resyncConversation(need(), conversationId);
}

/** To a named agent, or back to the queue without one. */
export async function transferConversation(conversationId: string, toAgentId?: string): Promise<void> {
  await request(need(), "conversation:transfer", toAgentId ? { conversationId, toAgentId } : { conversationId });
  await resyncConversation(need(), conversationId);
}

export async function blockVisitor(conversationId: string, ip: boolean): Promise<void> {
  await request(need(), "visitor:block", ip ? { conversationId, ip: true } : { conversationId });
}

export async function unblockVisitor(conversationId: string): Promise<void> {
  await request(need(), "visitor:unblock", { conversationId });
}

export async function refreshAgents(): Promise<void> {
  live.set({ agents: await request(need(), "agents:list", {}) });
}

export async function pastConversationsOf(conversationId: string) {
  return request(need(), "visitor:conversations", { conversationId });
}

export function sendTyping(conversationId: string, typing: boolean): void {
  const s = currentSocket();
  if (s?.connected) s.emit("typing", { conversationId, typing });
}
