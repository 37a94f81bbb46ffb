// A small Socket.IO client: Engine.IO protocol 4 and Socket.IO protocol 5, one namespace, text
// packets only. It is what the widget needs from socket.io-client at a fraction of its size
// (the whole chat must fit in 30 KB).
//
// Transports: WebSocket first; when a WebSocket cannot open but long-polling can, the page
// stays on long-polling (a proxy or firewall blocks WebSocket). Lost connections (closed socket,
// failed request, no ping from the server in time) reconnect with jittered backoff, and a handshake
// refused as busy (`unavailable`) is retried after the server's retryAfterMs. Acks still pending on
// a lost connection resolve with null: the caller decides what to resend.

export type Transport = "websocket" | "polling";

export interface WireOptions {
  /** Parley's origin, e.g. https://chat.example.com */
  url: string;
  /** "/visitor" */
  nsp: string;
  /** the namespace handshake payload, asked for on every (re)connection */
  auth: () => object;
  path?: string;
  /** for tests: the transports to use, in order of preference */
  transports?: Transport[];
  WebSocket?: typeof WebSocket;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface ConnectError extends Error {
  /** `retryAfterMs` comes with `unavailable`: the server is busy and says when to try again */
  data?: { code?: string; retryAfterMs?: number };
}

/** The first retry comes within this (so a blip costs little); each failure doubles it. */
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5000;
/** A server's retryAfterMs above this is not believed (a bug or a hostile proxy must not park us). */
const RETRY_AFTER_MAX_MS = 60_000;

/**
 * Delay before reconnection attempt number `failures` (1, 2, ...): doubling from 250 ms up to
 * 5 s, each drawn in the upper half of its step, so a restart's thousands of widgets spread out
 * instead of returning in step, while none retries faster than the step allows.
 */
export function backoffDelay(failures: number, random: () => number): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, Math.min(failures - 1, 5)));
  return step / 2 + (random() * step) / 2;
}

/** The server's suggested delay for a busy refusal, jittered by up to a fifth so the refused do not return in step. */
export function retryAfterDelay(retryAfterMs: number, random: () => number): number {
  const base = Math.min(RETRY_AFTER_MAX_MS, Math.max(0, retryAfterMs));
  return base + random() * base * 0.2;
}

type Listener = (arg: never) => void;

interface EngineTransport {
  send(packets: string[]): void;
  close(): void;
}

const RECORD_SEPARATOR = "\x1e";

export type Wire = ReturnType<typeof createWire>;

export function createWire(o: WireOptions) {
  const WS = o.WebSocket ?? (typeof WebSocket === "function" ? WebSocket : undefined);
  const get = o.fetch ?? fetch.bind(globalThis);
  const random = o.random ?? Math.random;
  const base = o.url + (o.path ?? "/socket.io/") + "?EIO=4&transport=";
  const allowed = o.transports ?? ["websocket", "polling"];
  const listeners = new Map<string, Set<Listener>>();
  const acks = new Map<number, (args: unknown[] | null) => void>();
  let transport: EngineTransport | null = null;
  let generation = 0;
  let connected = false;
  let wanted = false;
  let failures = 0;
  let nextAck = 0;
  let wsBlocked = !WS || !allowed.includes("websocket");
  let kind: Transport | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setTimeout> | undefined;

  const fire = (event: string, arg?: unknown) => {
    for (const fn of listeners.get(event) ?? []) (fn as (a: unknown) => void)(arg);
  };

  const send = (sio: string) => transport?.send(["4" + sio]);
  const prefix = (type: number) => type + (o.nsp === "/" ? "" : o.nsp + ",");

  /** Ends the current connection; `again` schedules a reconnection with backoff. */
  const drop = (reason: string, again: boolean) => {
    generation++;
    clearTimeout(pingTimer);
    const t = transport;
    transport = null;
    kind = null;
    t?.close();
    const was = connected;
    connected = false;
    for (const [id, resolve] of acks) {
      acks.delete(id);
      resolve(null);
    }
    if (was) fire("disconnect", reason);
    if (again && wanted) {
      failures++;
      retryIn(backoffDelay(failures, random));
    }
  };

  const retryIn = (ms: number) => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, ms);
  };

  const onSocketIo = (p: string) => {
    const type = Number(p[0]);
    let i = 1;
    if (p[i] === "/") {
      const comma = p.indexOf(",", i);
      if (p.slice(i, comma < 0 ? p.length : comma) !== o.nsp) return;
      i = comma < 0 ? p.length : comma + 1;
    } else if (o.nsp !== "/") return;
    let id = "";
    while (p[i] >= "0" && p[i] <= "9") id += p[i++];
    const data: unknown = i < p.length ? JSON.parse(p.slice(i)) : undefined;
    if (type === 0) {
      connected = true;
      failures = 0;
      fire("connect");
    } else if (type === 4) {
      // Refused by the namespace middleware. "Busy" (the server's connection-rate limit after a
      // restart) is retried after the delay the server asks for; any other refusal is final,
      // like socket.io-client's.
      const body = (data ?? {}) as { message?: string; data?: ConnectError["data"] };
      const err: ConnectError = Object.assign(new Error(body.message ?? "connection refused"), { data: body.data });
      drop("refused", false);
      if (wanted && body.data?.code === "unavailable") {
        const after = body.data.retryAfterMs;
        retryIn(typeof after === "number" && Number.isFinite(after) ? retryAfterDelay(after, random) : backoffDelay(++failures, random));
      }
      fire("connect_error", err);
    } else if (type === 2 && Array.isArray(data)) fire(String(data[0]), data[1]);
    else if (type === 3 && Array.isArray(data)) {
      const resolve = acks.get(Number(id));
      acks.delete(Number(id));
      resolve?.(data);
    } else if (type === 1) drop("io server disconnect", false);
  };

  const onEngine = (packet: string, started: () => void) => {
    const type = packet[0];
    if (type === "0") {
      const hs = JSON.parse(packet.slice(1)) as { pingInterval: number; pingTimeout: number };
      const watch = () => {
        clearTimeout(pingTimer);
        pingTimer = setTimeout(() => drop("ping timeout", true), hs.pingInterval + hs.pingTimeout);
      };
      watchdog = watch;
      watch();
      started();
      send(prefix(0) + JSON.stringify(o.auth()));
    } else if (type === "2") {
      watchdog();
      transport?.send(["3"]);
    } else if (type === "4") onSocketIo(packet.slice(1));
    else if (type === "1") drop("transport close", true);
  };
  let watchdog = () => undefined as void;

  const websocket = (gen: number, failed: () => void, started: () => void): EngineTransport => {
    const ws = new (WS as typeof WebSocket)(base.replace(/^http/, "ws") + "websocket");
    let opened = false;
    ws.onmessage = (e: MessageEvent) => {
      if (gen !== generation) return;
      onEngine(String(e.data), () => {
        opened = true;
        started();
      });
    };
    ws.onclose = () => {
      if (gen !== generation) return;
      if (opened) drop("transport close", true);
      else failed();
    };
    return {
      send: (packets) => {
        for (const p of packets) if (ws.readyState === 1) ws.send(p);
      },
      close: () => {
        ws.onclose = ws.onmessage = null;
        ws.close();
      },
    };
  };

  const polling = (gen: number, started: () => void): EngineTransport => {
    let sid = "";
    let queue: string[] = [];
    let posting = false;
    const abort = new AbortController();
    const url = () => base + "polling&t=" + Math.floor(random() * 1e9).toString(36) + (sid ? "&sid=" + encodeURIComponent(sid) : "");
    const fail = () => {
      if (gen === generation) drop("transport error", true);
    };
    const flush = () => {
      if (posting || !queue.length || !sid || gen !== generation) return;
      posting = true;
      const body = queue.join(RECORD_SEPARATOR);
      queue = [];
      get(url(), { method: "POST", body, headers: { "Content-Type": "text/plain;charset=UTF-8" }, signal: abort.signal }).then((res) => {
        posting = false;
        if (!res.ok) return fail();
        flush();
      }, fail);
    };
    const poll = () => {
      get(url(), { signal: abort.signal, cache: "no-store" })
        .then((res) => (res.ok ? res.text() : Promise.reject(new Error(String(res.status)))))
        .then((text) => {
          if (gen !== generation) return;
          for (const packet of text.split(RECORD_SEPARATOR)) {
            if (packet[0] === "0" && !sid) sid = (JSON.parse(packet.slice(1)) as { sid: string }).sid;
            onEngine(packet, started);
            if (gen !== generation) return;
          }
          poll();
          flush();
        }, fail);
    };
    poll();
    return {
      send: (packets) => {
        queue.push(...packets);
        flush();
      },
      close: () => {
        // Best effort: tell the server at once instead of letting the session time out.
        if (sid) void get(url(), { method: "POST", body: "1", headers: { "Content-Type": "text/plain;charset=UTF-8" } }).catch(() => undefined);
        abort.abort();
      },
    };
  };

  function open(): void {
    clearTimeout(retryTimer);
    if (transport || !wanted) return;
    const gen = ++generation;
    const usePolling = (triedWebSocket: boolean) => {
      if (!allowed.includes("polling")) return drop("transport error", true);
      const g = ++generation;
      kind = "polling";
      transport = polling(g, () => {
        // WebSocket failed where plain HTTP works: something in between blocks WebSocket.
        if (triedWebSocket) wsBlocked = true;
      });
    };
    if (wsBlocked) return usePolling(false);
    kind = "websocket";
    transport = websocket(
      gen,
      () => {
        transport = null;
        usePolling(true);
      },
      () => undefined,
    );
  }

  if (typeof addEventListener === "function") {
    // The network is back: try now rather than when the backoff timer says.
    addEventListener("online", () => {
      if (wanted && !connected) {
        drop("transport close", false);
        open();
      }
    });
  }

  return {
    get connected() {
      return connected;
    },
    /** the transport in use: for diagnostics and tests */
    get transport(): Transport | null {
      return kind;
    },
    on<T>(event: string, fn: (arg: T) => void): void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn as Listener);
    },
    connect(): void {
      wanted = true;
      open();
    },
    disconnect(): void {
      wanted = false;
      if (connected) send(prefix(1));
      drop("io client disconnect", false);
    },
    /** Fire and forget; dropped when not connected (typing, read marks). */
    emit(event: string, payload: unknown): void {
      if (connected) send(prefix(2) + JSON.stringify([event, payload]));
    },
    /** Resolves with the ack's arguments, or null: not connected, connection lost, or timed out. */
    call(event: string, payload: unknown, timeoutMs: number): Promise<unknown[] | null> {
      return new Promise((resolve) => {
        if (!connected) return resolve(null);
        const id = nextAck++;
        const timer = setTimeout(() => {
          acks.delete(id);
          resolve(null);
        }, timeoutMs);
        acks.set(id, (args) => {
          clearTimeout(timer);
          resolve(args);
        });
        send(prefix(2) + id + JSON.stringify([event, payload]));
      });
    },
  };
}
