// The launcher button and the chat panel (an iframe served by Parley), drawn in a shadow root on
// an element of their own. The host's CSS cannot reach in and ours cannot leak out. Runs in the
// host page, so it avoids Array.prototype methods and innerHTML (a host may break or forbid them).
import type { WidgetConfigDto } from "../../server/protocol.ts";
import { BRIDGE_TAG, storagePrefix, type Envelope, type PageContext, type StorageArea, type ToApp, type ToHost } from "../shared/bridge.ts";
import { format } from "../shared/format.ts";
import { warn } from "./warn.ts";

type Enabled = Extract<WidgetConfigDto, { enabled: true }>;

export interface Launcher {
  open(): void;
  close(): void;
  toggle(): void;
  /** to the app; queued until it is ready. `create` makes the iframe if there is none yet. */
  send(msg: ToApp, create?: boolean): void;
  ensureFrame(): void;
}

const SVG = "http://www.w3.org/2000/svg";
const CHAT = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z";
const CROSS = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z";

const CSS = __LAUNCHER_CSS__;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}

function attrs(e: Element, pairs: string[]): void {
  for (let i = 0; i < pairs.length; i += 2) e.setAttribute(pairs[i], pairs[i + 1]);
}

/** `emit` raises the Parley('on', ...) events. */
export function createLauncher(base: string, siteKey: string, config: Enabled, emit: (event: string, payload?: unknown) => void): Launcher {
  const s = config.settings;
  let t = config.text;
  // Right-to-left languages mirror the page, so the launcher takes the other side.
  const side = (rtl: boolean) => ((s.position === "left") !== rtl ? "left" : "right");
  const origin = new URL(base).origin;
  const host = el("parley-widget" as "div");
  // Inline and !important: the host's stylesheets (even `* { all: unset !important }`) lose.
  const hostCss = ["all", "initial", "display", "block", "position", "fixed", "z-index", "2147483000", "bottom", "0", side(config.rtl), "0"];
  for (let i = 0; i < hostCss.length; i += 2) host.style.setProperty(hostCss[i], hostCss[i + 1], "important");
  const root = host.attachShadow({ mode: "open" });
  if (root.adoptedStyleSheets) {
    // A constructed sheet is not an inline style, so a strict host CSP does not block it.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else root.appendChild(el("style")).textContent = CSS;
  const wrap = root.appendChild(el("div", "w " + side(config.rtl)));
  wrap.style.setProperty("--c", s.color);
  wrap.style.setProperty("--f", config.foreground);
  const button = wrap.appendChild(el("button", "l"));
  button.type = "button";
  const svg = button.appendChild(document.createElementNS(SVG, "svg"));
  attrs(svg, ["viewBox", "0 0 24 24", "aria-hidden", "true"]);
  const path = svg.appendChild(document.createElementNS(SVG, "path"));
  if (s.launcherLabel) button.appendChild(el("span")).textContent = s.launcherLabel;
  const badge = button.appendChild(el("span", "b"));
  badge.setAttribute("aria-hidden", "true");

  let frame: HTMLIFrameElement | null = null;
  let ready = false;
  let isOpen = false;
  let unread = 0;
  let pending: ToApp[] = [];
  const pageTitle = document.title;
  let flash: ReturnType<typeof setInterval> | undefined;

  const draw = () => {
    path.setAttribute("d", isOpen ? CROSS : CHAT);
    const name = isOpen ? t.close : s.launcherLabel || t.open;
    attrs(button, ["aria-expanded", String(isOpen), "aria-label", unread && !isOpen ? format(t.withUnread, { label: name, count: unread }) : name]);
    badge.hidden = !unread;
    badge.textContent = unread > 9 ? "9+" : String(unread);
  };

  const stopFlash = () => {
    if (flash === undefined) return;
    clearInterval(flash);
    flash = undefined;
    document.title = pageTitle;
  };

  const post = (msg: ToApp) => {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage({ ...msg, [BRIDGE_TAG]: 1 }, origin);
  };

  const page = (): PageContext => ({ pageUrl: location.href, pageTitle, referrer: document.referrer });

  const prefix = storagePrefix(siteKey);
  const area = (name: StorageArea): Storage | null => {
    try {
      return name === "local" ? localStorage : sessionStorage;
    } catch {
      return null; // storage disabled on the host too: the app keeps things in memory
    }
  };
  const stored = (name: StorageArea) => {
    const out: Record<string, string> = {};
    const st = area(name);
    for (let i = 0; st && i < st.length; i++) {
      const k = st.key(i);
      if (k && k.indexOf(prefix) === 0) out[k] = st.getItem(k) as string;
    }
    return out;
  };

  const ensureFrame = () => {
    if (frame) return;
    frame = wrap.appendChild(el("iframe", "p"));
    frame.title = t.frameTitle;
    // Voice notes: a cross-origin frame gets the microphone only when its embedder delegates it.
    frame.allow = "microphone";
    frame.src = base + "/widget/frame/" + encodeURIComponent(siteKey) + "?origin=" + encodeURIComponent(location.origin);
  };

  const send = (msg: ToApp, create?: boolean) => {
    if (create) ensureFrame();
    if (ready) post(msg);
    else pending[pending.length] = msg;
  };

  const open = () => {
    ensureFrame();
    if (isOpen) return;
    isOpen = true;
    stopFlash();
    (frame as HTMLIFrameElement).className = "p o";
    draw();
    send({ t: "open" });
    (frame as HTMLIFrameElement).focus();
    emit("open");
  };

  const close = () => {
    if (!isOpen) return;
    isOpen = false;
    if (frame) frame.className = "p";
    draw();
    send({ t: "close" });
    // Focus was inside the panel: give it back to the launcher, not to the top of the page.
    if (root.activeElement === frame || document.activeElement === host) button.focus();
    emit("close");
  };

  button.addEventListener("click", () => (isOpen ? close() : open()));

  window.addEventListener("message", (e: MessageEvent) => {
    const m = e.data as Envelope<ToHost> | null;
    if (!frame || e.source !== frame.contentWindow || e.origin !== origin || !m || m[BRIDGE_TAG] !== 1) return;
    if (m.t === "hello") {
      ready = true;
      post({ t: "init", page: page(), open: isOpen, store: { local: stored("local"), session: stored("session") } });
      const queued = pending;
      pending = [];
      for (let i = 0; i < queued.length; i++) post(queued[i]);
    } else if (m.t === "close") close();
    else if (m.t === "unread") {
      if (m.n > unread && !isOpen && s.titleFlash && flash === undefined) {
        let on = false;
        flash = setInterval(() => {
          on = !on;
          document.title = on ? format(t.titleFlash, { count: unread }) : pageTitle;
        }, 1000);
      }
      if (!m.n) stopFlash();
      unread = m.n;
      draw();
      emit("unread", unread);
    } else if (m.t === "message") emit("message", m.d);
    else if (m.t === "store" && m.k.indexOf(prefix) === 0) {
      try {
        if (m.v === null) (area(m.area) as Storage).removeItem(m.k);
        else (area(m.area) as Storage).setItem(m.k, m.v);
      } catch {
        // no storage or over quota: the app still has it in memory for this page
      }
    }
    else if (m.t === "warn") warn(m.text);
    else if (m.t === "text") {
      t = m.d;
      frame.title = t.frameTitle;
    // Voice notes: a cross-origin frame gets the microphone only when its embedder delegates it.
    frame.allow = "microphone";
      wrap.className = "w " + side(m.rtl);
      host.style.setProperty(side(!m.rtl), "auto", "important");
      host.style.setProperty(side(m.rtl), "0", "important");
      draw();
    }
  });

  draw();
  document.body.appendChild(host);
  return { open, close, toggle: () => (isOpen ? close() : open()), send, ensureFrame };
}
