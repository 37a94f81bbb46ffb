// /widget.js: the only script a site embeds. Finds its own <script> tag, installs window.Parley
// (running calls queued before it loaded), asks Parley whether this page may show the widget,
// then draws the launcher. The chat app loads in an iframe only when the visitor opens it (or
// already has a conversation going). No framework, no global but `Parley`, never throws into the
// host page: when Parley is unreachable the launcher simply stays hidden.
import type { WidgetConfigDto } from "../../server/protocol.ts";
import { storagePrefix, type Scalar } from "../shared/bridge.ts";
import { createLauncher, type Launcher } from "./launcher.ts";
import { warn } from "./warn.ts";

interface ParleyApi {
  (...args: unknown[]): void;
  /** calls made before the loader ran (the snippet's queue) */
  q?: ArrayLike<ArrayLike<unknown>>;
  loaded?: true;
}

declare global {
  interface Window {
    Parley?: ParleyApi;
  }
}


(() => {
  const previous = window.Parley;
  if (previous && previous.loaded) return; // the snippet is on the page twice: the first one wins
  const script = (document.currentScript || document.querySelector("script[data-parley-site]")) as HTMLScriptElement | null;
  const siteKey = script && script.getAttribute("data-parley-site");
  if (!script || !siteKey) {
    warn("the <script> tag needs data-parley-site");
    return;
  }
  const base = script.src.replace(/\/widget\.js([?#].*)?$/, "");
  const handlers: Record<string, ((payload?: unknown) => void)[]> = {};
  let queued: ArrayLike<unknown>[] = [];
  let ui: Launcher | null = null;

  // Each handler in a task of its own: one that throws shows as the site's error and stops no other.
  const emit = (event: string, payload?: unknown) => {
    const list = handlers[event] || [];
    for (let i = 0; i < list.length; i++) setTimeout(list[i], 0, payload);
  };

  const run = (args: ArrayLike<unknown>) => {
    const command = args[0];
    const arg = args[1] as Record<string, unknown>;
    if (command === "on") {
      const fn = args[2] as () => void;
      const list = handlers[arg as unknown as string] || (handlers[arg as unknown as string] = []);
      list[list.length] = fn;
      if (arg === ("ready" as unknown) && ui) setTimeout(fn);
      return;
    }
    if (!ui) {
      queued[queued.length] = args;
      return;
    }
    // The app checks identify and setAttributes (the server's rules) and warns here when refused.
    if (command === "open" || command === "close" || command === "toggle") ui[command]();
    else if (command === "identify" && arg) ui.send({ t: "identify", d: { id: arg.id as string, name: arg.name as string, email: arg.email as string, hash: arg.hash as string } });
    else if (command === "setAttributes" && arg) ui.send({ t: "attrs", d: { ...(arg as Record<string, Scalar>) } });
    else if (command === "reset") ui.send({ t: "reset" }, true);
    else if (command === "setLocale") ui.send({ t: "locale", l: String(arg) }, true);
    else warn("unknown command " + String(command));
  };

  const hasConversation = () => {
    try {
      return localStorage.getItem(storagePrefix(siteKey) + ":active") === "1";
    } catch {
      return false;
    }
  };

  const api: ParleyApi = function () {
    // eslint-disable-next-line prefer-rest-params -- `arguments` is what the snippet's queue holds too
    run(arguments);
  };
  api.loaded = true;
  const early = previous && previous.q;
  if (early) for (let i = 0; i < early.length; i++) queued[queued.length] = early[i];
  window.Parley = api;

  const start = (config: Extract<WidgetConfigDto, { enabled: true }>) => {
    ui = createLauncher(base, siteKey, config, emit);
    performance.mark("parley:launcher");
    // A conversation is going: load the chat now so replies raise the unread count.
    if (hasConversation()) ui.ensureFrame();
    const calls = queued;
    queued = [];
    for (let i = 0; i < calls.length; i++) run(calls[i]);
    emit("ready");
  };

  fetch(base + "/api/v1/widget/config/" + encodeURIComponent(siteKey))
    .then((res) => (res.ok ? (res.json() as Promise<WidgetConfigDto>) : null))
    .then(
      (config) => {
        if (!config) return;
        if (!config.enabled) return warn(config.message);
        if (document.body) start(config);
        else document.addEventListener("DOMContentLoaded", () => start(config));
      },
      () => undefined, // Parley is unreachable: no launcher, and nothing thrown into the host page
    );
})();
