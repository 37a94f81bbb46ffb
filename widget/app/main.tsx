// The chat app inside Parley's iframe: reads what the server put in the page, connects, renders,
// and talks to the loader on the host page through the bridge.
import { render } from "preact";
import type { WidgetBootDto } from "../../server/protocol.ts";
import { createChatClient } from "./client/chat-client.ts";
import { chime } from "./client/chime.ts";
import { connectHost } from "./client/host-bridge.ts";
import { App } from "./ui/app.tsx";
import "./styles.css";

const boot = JSON.parse(document.getElementById("parley-boot")?.textContent ?? "null") as WidgetBootDto;
document.documentElement.style.setProperty("--c", boot.settings.color);
document.documentElement.style.setProperty("--f", boot.foreground);

const focusFirst = () => requestAnimationFrame(() => document.querySelector<HTMLElement>("[data-autofocus], .ft input, .ft textarea, .ft button")?.focus());

const bridge = connectHost(boot.hostOrigin, (msg) => {
  if (msg.t === "init") {
    client.setPage(msg.page);
    client.setOpen(msg.open);
    if (msg.open) focusFirst();
  } else if (msg.t === "open") {
    client.setOpen(true);
    focusFirst();
  } else if (msg.t === "close") client.setOpen(false);
  else if (msg.t === "identify") client.identify(msg.d);
  else if (msg.t === "attrs") client.setAttributes(msg.d);
  else if (msg.t === "reset") client.reset();
});

const client = createChatClient(boot, {
  unread: (n) => bridge.post({ t: "unread", n }),
  message: (d) => bridge.post({ t: "message", d }),
  active: (on) => bridge.post({ t: "active", on }),
  warn: (text) => bridge.post({ t: "warn", text }),
  ping: () => {
    if (boot.settings.sound) chime();
  },
});

const minimize = () => bridge.post({ t: "close" });
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") minimize();
});

render(<App client={client} boot={boot} onMinimize={minimize} />, document.getElementById("parley-app") as HTMLElement);
if (__DEV__) console.debug("parley widget app started", boot.siteKey);
bridge.post({ t: "hello" });
