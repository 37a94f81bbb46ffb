// Messages between the loader (host page) and the chat app (iframe). Both sides post with an
// explicit target origin and accept a message only from the other side's window and origin.
import type { IdentifyInput, MessageDto } from "../../server/protocol.ts";

export const BRIDGE_TAG = "parley";

export type Scalar = string | number | boolean | null;

/** what the host page tells the app about itself; sent as visitor attributes */
export interface PageContext {
  pageUrl: string;
  pageTitle: string;
  referrer: string;
}

/** what `Parley('on', 'message', fn)` handlers receive */
export type HostMessage = Pick<MessageDto, "id" | "seq" | "authorKind" | "authorName" | "body" | "createdAt">;

export type ToApp =
  | { t: "init"; page: PageContext; open: boolean }
  | { t: "open" }
  | { t: "close" }
  | { t: "identify"; d: IdentifyInput }
  | { t: "attrs"; d: Record<string, Scalar> }
  | { t: "reset" };

export type ToHost =
  | { t: "hello" }
  | { t: "close" }
  | { t: "unread"; n: number }
  | { t: "message"; d: HostMessage }
  /** the visitor has an open conversation: create the iframe at once on the next page */
  | { t: "active"; on: boolean }
  /** for the site's developers: shown in the host page's console */
  | { t: "warn"; text: string };

export type Envelope<T> = T & { [BRIDGE_TAG]: 1 };

export function isEnvelope<T extends { t: string }>(data: unknown): data is Envelope<T> {
  return typeof data === "object" && data !== null && (data as Record<string, unknown>)[BRIDGE_TAG] === 1 && typeof (data as { t?: unknown }).t === "string";
}
