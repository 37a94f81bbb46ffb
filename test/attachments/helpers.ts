// HTTP calls for attachments as the widget (visitor token) and the console (session cookie) make them.
import type { AttachmentDto, ErrorResponse } from "../../server/protocol.ts";

export type Who = { bearer: string } | { cookie: string } | Record<string, never>;

function authHeaders(who: Who): Record<string, string> {
  if ("bearer" in who) return { authorization: `Bearer ${who.bearer}` };
  if ("cookie" in who) return { cookie: who.cookie, "x-parley-csrf": "1" };
  return {};
}

export async function upload(
  base: string,
  who: Who,
  conversationId: string,
  name: string,
  data: Uint8Array,
  opts: { durationMs?: number; contentType?: string } = {},
): Promise<{ status: number; attachment?: AttachmentDto; error?: ErrorResponse["error"] }> {
  const q = new URLSearchParams({ conversationId, name });
  if (opts.durationMs !== undefined) q.set("durationMs", String(opts.durationMs));
  const res = await fetch(`${base}/api/v1/attachments?${q}`, {
    method: "POST",
    headers: { ...authHeaders(who), "content-type": opts.contentType ?? "application/octet-stream" },
    body: new Uint8Array(data),
  });
  const body = (await res.json()) as { attachment?: AttachmentDto; error?: ErrorResponse["error"] };
  return { status: res.status, ...body };
}

export async function download(base: string, who: Who, url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(url.startsWith("http") ? url : `${base}${url}`, { headers: authHeaders(who) });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
