// The chat app inside Parley's iframe: reads what the server put in the page, waits for the host
// page's loader (which holds the visitor's stored token), connects and renders.
import { render } from "preact";
import type { WidgetBootDto } from "../../server/protocol.ts";
import type { StorageArea, StoredValues } from "../shared/bridge.ts";
import { createChatClient, type ChatClient } from "./client/chat-client.ts";
import { chime } from "./client/chime.ts";
import { connectHost } from "./client/host-bridge.ts";
import { hostStorage, openStorage } from "./client/storage.ts";
import { isRtl, negotiate } from "../shared/locales.ts";
import { loadCatalogue } from "./i18n/load-catalogue.ts";
import { useCatalogue, useOverrides } from "./i18n/t.ts";
import { App } from "./ui/app.tsx";
import { en as enLoader } from "../loader/i18n/en.ts";
import "./styles.css";

const boot = JSON.parse(document.getElementById("parley-boot")?.textContent ?? "null") as WidgetBootDto;
document.documentElement.style.setProperty("--c", boot.settings.color);
document.documentElement.style.setProperty("--f", boot.foreground);

let panelOpen = false;
const focusFirst = () => requestAnimationFrame(() => document.querySelector<HTMLElement>("[data-autofocus], .ft input, .ft textarea, .ft button")?.focus());
const minimize = () => bridge.post({ t: "close" });
let client: ChatClient | null = null;

function start(stores: Parameters<typeof createChatClient>[2]): ChatClient {
  const c = createChatClient(boot, {
    unread: (n) => bridge.post({ t: "unread", n }),
    message: (d) => bridge.post({ t: "message", d }),
    warn: (text) => bridge.post({ t: "warn", text }),
    ping: () => {
      if (boot.settings.sound) chime();
    },
  }, stores);
  const wanted = boot.settings.language === "auto" ? navigator.languages : [boot.settings.language];
  // The launcher already speaks this one (the server negotiated it the same way).
  launcherLang = negotiate(wanted);
  void showLocale(wanted, c);
  if (__DEV__) console.debug("parley widget app started", boot.siteKey);
  return c;
}

const draw = (c: ChatClient) => render(<App client={c} boot={boot} onMinimize={minimize} />, document.getElementById("parley-app") as HTMLElement);

useOverrides(boot.settings.strings);
let painted = false;
let launcherLang = "en";
let asked = 0;

/**
 * Shows the app in the best language of `wanted`, once its catalogue has loaded (so the first
 * paint is already in that language). When that is not the launcher's language (setLocale, or
 * a catalogue that failed to load), the launcher gets its strings too.
 */
async function showLocale(wanted: readonly string[], c: ChatClient): Promise<void> {
  const locale = negotiate(wanted);
  const mine = ++asked;
  const loaded = locale === "en" ? null : await loadCatalogue(locale, boot.catalogues);
  if (mine !== asked) return; // a later setLocale won
  const lang = loaded || locale === "en" ? locale : "en";
  useCatalogue(loaded?.app ?? {}, lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = isRtl(lang) ? "rtl" : "ltr";
  draw(c);
  if (!painted && panelOpen) focusFirst(); // the panel opened while the catalogue was loading
  painted = true;
  if (lang !== launcherLang) {
    launcherLang = lang;
    const text = { ...enLoader, ...loaded?.loader };
    for (const k of Object.keys(enLoader) as (keyof typeof enLoader)[]) if (boot.settings.strings[k]) text[k] = boot.settings.strings[k];
    bridge.post({ t: "text", d: text, rtl: isRtl(lang) });
  }
}

function fromHost(store: StoredValues) {
  const area = (name: StorageArea) => hostStorage(store[name], (k, v) => bridge.post({ t: "store", area: name, k, v }));
  return { local: area("local"), session: area("session") };
}

const bridge = connectHost(boot.hostOrigin, (msg) => {
  if (msg.t === "init") {
    client ??= start(fromHost(msg.store));
    client.setPage(msg.page);
    client.setOpen(msg.open);
    panelOpen = msg.open;
    if (msg.open) focusFirst();
    return;
  }
  if (!client) return;
  if (msg.t === "open") {
    panelOpen = true;
    client.setOpen(true);
    focusFirst();
  } else if (msg.t === "close") {
    panelOpen = false;
    client.setOpen(false);
  }
  else if (msg.t === "identify") client.identify(msg.d);
  else if (msg.t === "attrs") client.setAttributes(msg.d);
  else if (msg.t === "reset") client.reset();
  else if (msg.t === "locale") void showLocale([msg.l], client);
});

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") minimize();
});

// Opened on its own (not framed): its own storage, as far as the browser allows.
if (!bridge.framed) client = start({ local: openStorage("localStorage"), session: openStorage("sessionStorage") });
bridge.post({ t: "hello" });
