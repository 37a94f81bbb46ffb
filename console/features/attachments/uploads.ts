// Files the agent is attaching, per conversation, before the message that carries them is sent.
// Each is uploaded at once (step 1); the message goes out only when every one of them is done
// (step 2, message:send with their ids), so a cancelled or failed upload never leaves half a
// message. Kept in memory only: a File cannot outlive the tab.
import type { AttachmentDto } from "../../../server/protocol.ts";
import { MAX_ATTACHMENTS_PER_MESSAGE } from "../../../server/protocol.ts";
import { ApiError } from "../../lib/http.ts";
import { createStore } from "../../lib/store.ts";
import { uploadAttachment, type UploadHandle } from "./upload.ts";

export type UploadErrorCode = ApiError["code"];

export interface UploadItem {
  key: string;
  conversationId: string;
  name: string;
  size: number;
  /** the browser's guess, for the preview only; the server sniffs the real type */
  type: string;
  durationMs?: number;
  status: "uploading" | "done" | "failed";
  progress: number;
  error?: UploadErrorCode;
  attachment?: AttachmentDto;
  /** blob: URL of a local image, so a pasted screenshot shows before it is sent */
  preview?: string;
}

export const uploads = createStore<{ byConversation: Record<string, UploadItem[]>; leftOut: Record<string, number> }>({ byConversation: {}, leftOut: {} });

const files = new Map<string, Blob>();
const handles = new Map<string, UploadHandle>();
let counter = 0;

const PREVIEWABLE = /^image\/(png|jpeg|gif|webp)$/;

function update(conversationId: string, key: string, change: Partial<UploadItem>): void {
  uploads.set((s) => {
    const list = s.byConversation[conversationId];
    if (!list?.some((u) => u.key === key)) return {};
    return { byConversation: { ...s.byConversation, [conversationId]: list.map((u) => (u.key === key ? { ...u, ...change } : u)) } };
  });
}

function start(item: UploadItem): void {
  const file = files.get(item.key);
  if (!file) return;
  update(item.conversationId, item.key, { status: "uploading", progress: 0, error: undefined });
  const handle = uploadAttachment(item.conversationId, file, item.name, (progress) => update(item.conversationId, item.key, { progress }), item.durationMs);
  handles.set(item.key, handle);
  handle.done.then(
    (attachment) => {
      handles.delete(item.key);
      update(item.conversationId, item.key, { status: "done", progress: 1, attachment });
    },
    (err: unknown) => {
      if (handles.get(item.key) !== handle) return; // cancelled: already removed
      handles.delete(item.key);
      update(item.conversationId, item.key, { status: "failed", error: err instanceof ApiError ? err.code : "network" });
    },
  );
}

/** Adds files to the conversation's tray and starts uploading each; past the per-message limit the rest are left out (and counted, so the tray can say so). */
export function addFiles(conversationId: string, list: readonly { file: Blob; name: string; durationMs?: number }[]): void {
  const have = uploads.get().byConversation[conversationId]?.length ?? 0;
  const room = Math.max(0, MAX_ATTACHMENTS_PER_MESSAGE - have);
  const items = list.slice(0, room).map(({ file, name, durationMs }): UploadItem => {
    const key = `u${++counter}`;
    files.set(key, file);
    return {
      key,
      conversationId,
      name: name || "file",
      size: file.size,
      type: file.type,
      durationMs,
      status: "uploading",
      progress: 0,
      preview: PREVIEWABLE.test(file.type) ? URL.createObjectURL(file) : undefined,
    };
  });
  uploads.set((s) => ({
    byConversation: { ...s.byConversation, [conversationId]: [...(s.byConversation[conversationId] ?? []), ...items] },
    leftOut: { ...s.leftOut, [conversationId]: list.length - items.length },
  }));
  for (const item of items) start(item);
}

export function retryUpload(item: UploadItem): void {
  start(item);
}

function forget(item: UploadItem): void {
  files.delete(item.key);
  if (item.preview) URL.revokeObjectURL(item.preview);
}

/** Stops an upload (or drops a finished one from the tray): it will not be part of the message. */
export function cancelUpload(item: UploadItem): void {
  const handle = handles.get(item.key);
  handles.delete(item.key);
  handle?.abort();
  forget(item);
  uploads.set((s) => ({
    byConversation: { ...s.byConversation, [item.conversationId]: (s.byConversation[item.conversationId] ?? []).filter((u) => u.key !== item.key) },
    leftOut: { ...s.leftOut, [item.conversationId]: 0 },
  }));
}

/** The uploaded attachments, in order, once every item is done; null while any is not. */
export function readyAttachments(conversationId: string): AttachmentDto[] | null {
  const list = uploads.get().byConversation[conversationId] ?? [];
  const done = list.flatMap((u) => (u.status === "done" && u.attachment ? [u.attachment] : []));
  return done.length === list.length ? done : null;
}

/** After the message took them: the tray empties (the server keeps the bytes). */
export function clearUploads(conversationId: string): void {
  for (const u of uploads.get().byConversation[conversationId] ?? []) forget(u);
  uploads.set((s) => ({ byConversation: { ...s.byConversation, [conversationId]: [] }, leftOut: { ...s.leftOut, [conversationId]: 0 } }));
}
