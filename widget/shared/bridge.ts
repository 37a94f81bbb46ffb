// Messages between the loader (host page) and the chat app (iframe). Both sides post with an
// explicit target origin and accept a message only from the other side's window and origin.
import type { IdentifyInput, LoaderTextDto, MessageDto } from "../../server/protocol.ts";

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

export type StorageArea = "local" | "session";

/** the host page's stored values for this site (keys start with `storagePrefix(siteKey)`) */
export interface StoredValues {
  local: Record<string, string>;
  session: Record<string, string>;
}

/**
 * The visitor's token and outbox live in the host page's own storage (first-party, scoped to the
 * site key): a third-party iframe's storage is blocked or partitioned in many browsers.
 */
export const storagePrefix = (siteKey: string) => "parley:v1:" + siteKey;

export type ToApp =
  | { t: "init"; page: PageContext; open: boolean; store: StoredValues }
  | { t: "open" }
  | { t: "close" }
  | { t: "identify"; d: IdentifyInput }
  | { t: "attrs"; d: Record<string, Scalar> }
  | { t: "reset" }
  /** Parley('setLocale', 'fr') */
  | { t: "locale"; l: string };

export type ToHost =
  | { t: "hello" }
  | { t: "close" }
  | { t: "unread"; n: number }
  | { t: "message"; d: HostMessage }
  /** the launcher's strings after a language change, and whether to mirror it */
  | { t: "text"; d: LoaderTextDto; rtl: boolean }
  /** for the site's developers: shown in the host page's console */
  | { t: "warn"; text: string }
  /** keep (v: string) or forget (v: null) a value in the host's storage; only keys of this site */
  | { t: "store"; area: StorageArea; k: string; v: string | null };

export type Envelope<T> = T & { [BRIDGE_TAG]: 1 };

export function isEnvelope<T extends { t: string }>(data: unknown): data is Envelope<T> {
  return typeof data === "object" && data !== null && (data as Record<string, unknown>)[BRIDGE_TAG] === 1 && typeof (data as { t?: unknown }).t === "string";
}
