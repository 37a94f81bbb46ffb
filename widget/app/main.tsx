// The chat app inside Parley's iframe: reads what the server put in the page, waits for the host
// page's loader (which holds the visitor's stored token), connects and renders.
import { render } from "preact";
import type { WidgetBootDto } from "../../server/protocol.ts";
import type { StorageArea, StoredValues } from "../shared/bridge.ts";
import { createChatClient, type ChatClient } from "./client/chat-client.ts";
import { chime } from "./client/chime.ts";
import { connectHost } from "./client/host-bridge.ts";
import { hostStorage, openStorage } from "./client/storage.ts";
import { App } from "./ui/app.tsx";
import "./styles.css";

const boot = JSON.parse(document.getElementById("parley-boot")?.textContent ?? "null") as WidgetBootDto;
document.documentElement.style.setProperty("--c", boot.settings.color);
document.documentElement.style.setProperty("--f", boot.foreground);

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
  render(<App client={c} boot={boot} onMinimize={minimize} />, document.getElementById("parley-app") as HTMLElement);
  if (__DEV__) console.debug("parley widget app started", boot.siteKey);
  return c;
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
    if (msg.open) focusFirst();
    return;
  }
  if (!client) return;
  if (msg.t === "open") {
    client.setOpen(true);
    focusFirst();
  } else if (msg.t === "close") client.setOpen(false);
  else if (msg.t === "identify") client.identify(msg.d);
  else if (msg.t === "attrs") client.setAttributes(msg.d);
  else if (msg.t === "reset") client.reset();
});

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") minimize();
});

// Opened on its own (not framed): its own storage, as far as the browser allows.
if (!bridge.framed) client = start({ local: openStorage("localStorage"), session: openStorage("sessionStorage") });
bridge.post({ t: "hello" });
