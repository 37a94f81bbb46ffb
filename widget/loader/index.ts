// /widget.js: the only script a site embeds. Finds its own <script> tag, installs window.Parley
// (running calls queued before it loaded), asks Parley whether this page may show the widget,
// then draws the launcher. The chat app loads in an iframe only when the visitor opens it (or
// already has a conversation going). No framework, no global but `Parley`, never throws into the
// host page: when Parley is unreachable the launcher simply stays hidden.
import type { WidgetConfigDto } from "../../server/protocol.ts";
import type { Scalar } from "../shared/bridge.ts";
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

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
  const flagKey = "parley:" + siteKey;
  const handlers: Record<string, ((payload?: unknown) => void)[]> = {};
  let queued: ArrayLike<unknown>[] = [];
  let ui: Launcher | null = null;

  const emit = (event: string, payload?: unknown) => {
    const list = handlers[event] || [];
    for (let i = 0; i < list.length; i++) {
      try {
        list[i](payload);
      } catch (err) {
        // The site's own handler failed: report it as theirs, without stopping the others.
        setTimeout(() => {
          throw err;
        });
      }
    }
  };

  const run = (args: ArrayLike<unknown>) => {
    const command = args[0];
    const arg = args[1];
    if (command === "on") {
      const fn = args[2];
      if (typeof arg !== "string" || typeof fn !== "function") return warn("use Parley('on', event, handler)");
      const list = handlers[arg] || (handlers[arg] = []);
      list[list.length] = fn as (payload?: unknown) => void;
      if (arg === "ready" && ui) fn();
      return;
    }
    if (!ui) {
      queued[queued.length] = args;
      return;
    }
    if (command === "open") ui.open();
    else if (command === "close") ui.close();
    else if (command === "toggle") ui.toggle();
    else if (command === "identify") {
      if (!isObject(arg) || typeof arg.id !== "string") return warn("identify needs { id }");
      ui.send({ t: "identify", d: { id: arg.id, name: arg.name as string | undefined, email: arg.email as string | undefined, hash: arg.hash as string | undefined } });
    } else if (command === "setAttributes") {
      if (!isObject(arg)) return warn("setAttributes needs an object");
      ui.send({ t: "attrs", d: arg as Record<string, Scalar> });
    } else if (command === "reset") {
      setFlag(false);
      ui.send({ t: "reset" }, true);
    } else warn("unknown command " + String(command));
  };

  const setFlag = (on: boolean) => {
    try {
      if (on) localStorage.setItem(flagKey, "1");
      else localStorage.removeItem(flagKey);
    } catch {
      // Storage blocked: the iframe is then made on open only.
    }
  };
  const hasFlag = () => {
    try {
      return localStorage.getItem(flagKey) === "1";
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
    ui = createLauncher(base, siteKey, config, emit, setFlag);
    performance.mark("parley:launcher");
    // A conversation is going: load the chat now so replies raise the unread count.
    if (hasFlag()) ui.ensureFrame();
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
