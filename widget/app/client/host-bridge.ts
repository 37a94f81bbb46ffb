// The iframe's end of the bridge: messages go only to the embedding page's origin (checked by the
// server against the site's allowed origins), and only that page's window is listened to.
import { BRIDGE_TAG, isEnvelope, type ToApp, type ToHost } from "../../shared/bridge.ts";

export interface HostBridge {
  /** false when the page was opened on its own, not inside a host page */
  framed: boolean;
  post(msg: ToHost): void;
}

export function connectHost(hostOrigin: string, onMessage: (msg: ToApp) => void): HostBridge {
  // Opened on its own (not framed), the app still works; there is just nobody to tell.
  const parent = window.parent !== window ? window.parent : null;
  window.addEventListener("message", (e: MessageEvent) => {
    if (!parent || e.source !== parent || e.origin !== hostOrigin || !isEnvelope<ToApp>(e.data)) return;
    onMessage(e.data);
  });
  return {
    framed: parent !== null,
    post(msg) {
      parent?.postMessage({ ...msg, [BRIDGE_TAG]: 1 }, hostOrigin);
    },
  };
}
