// Many visitor sockets in one load worker: connect them with bounded concurrency, hold them, and
// watch them come back after a server restart (idle and reconnect scenarios).
import { io, type Socket } from "socket.io-client";
import type { VisitorSessionDto } from "../server/protocol.ts";
import { retryIfBusy } from "./sockets.ts";
import { wallNow } from "./stats.ts";

export type Transport = "websocket" | "polling";

export interface ConnectParams {
  url: string;
  siteKey: string;
  origin: string;
  count: number;
  transports: Transport[];
  concurrency: number;
  /** reconnect by themselves after losing the server (the reconnect scenario) */
  reconnection: boolean;
  timeoutMs: number;
}

export interface ConnectResult {
  attempted: number;
  connected: number;
  /** `session` events received: exactly one per connected socket */
  sessions: number;
  duplicates: number;
  errors: Record<string, number>;
  seconds: number;
}

export interface ReconnectStatus {
  total: number;
  back: number;
  /** wall-clock ms (performance.timeOrigin-based) at which each returned socket got its session */
  backAt: number[];
  /** sockets that got more than one session after the restart (flapping) */
  duplicates: number;
  /** sockets that came back as a different visitor (their token was not honoured) */
  identityLost: number;
  /** handshakes refused as busy since the restart (each retried after the server's delay) */
  refusals: number;
}

interface Tracked {
  socket: Socket;
  visitorId: string | null;
  sessions: number;
  armed: boolean;
  sessionsSinceArm: number;
  backAt: number | null;
  identityLost: boolean;
  /** handshakes refused as busy (and retried) */
  refusals: number;
  closed: boolean;
}

export class VisitorPool {
  private tracked: Tracked[] = [];

  async connect(p: ConnectParams): Promise<ConnectResult> {
    const t0 = performance.now();
    const errors: Record<string, number> = {};
    let next = 0;
    let connected = 0;
    const lane = async () => {
      while (next < p.count) {
        next++;
        const err = await this.connectOne(p);
        if (err) errors[err] = (errors[err] ?? 0) + 1;
        else connected++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(p.concurrency, p.count)) }, lane));
    const sessions = this.tracked.reduce((s, t) => s + t.sessions, 0);
    return {
      attempted: p.count,
      connected,
      sessions,
      duplicates: this.tracked.reduce((s, t) => s + Math.max(0, t.sessions - 1), 0),
      errors,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /** Resolves with null once the socket holds its session, or with why it failed. */
  private connectOne(p: ConnectParams): Promise<string | null> {
    const auth: { siteKey: string; token?: string } = { siteKey: p.siteKey };
    const socket = io(`${p.url}/visitor`, {
      auth,
      extraHeaders: { origin: p.origin },
      transports: p.transports,
      reconnection: p.reconnection,
      // The widget's back-off (widget/app/client/wire.ts): from about 250 ms, doubling, jittered, 5 s at most.
      reconnectionDelay: 250,
      reconnectionDelayMax: 5_000,
      randomizationFactor: 0.5,
      forceNew: true,
      timeout: p.timeoutMs,
    });
    const t: Tracked = { socket, visitorId: null, sessions: 0, armed: false, sessionsSinceArm: 0, backAt: null, identityLost: false, refusals: 0, closed: false };
    socket.on("session", (session: VisitorSessionDto) => {
      t.sessions++;
      // Keep the token, so a reconnect resumes this visitor as the widget does.
      auth.token = session.token;
      if (t.armed) {
        t.sessionsSinceArm++;
        if (t.backAt === null) t.backAt = wallNow();
        if (session.visitor.id !== t.visitorId) t.identityLost = true;
      } else {
        t.visitorId = session.visitor.id;
      }
    });
    // A server-side disconnect is not retried by socket.io-client itself; the widget reconnects.
    socket.on("disconnect", (reason) => {
      if (p.reconnection && reason === "io server disconnect" && !t.closed) socket.connect();
    });
    let initial: ((err: string | null) => void) | null = null;
    socket.on("connect_error", (e: Error & { data?: { code?: string } }) => {
      if (retryIfBusy(socket, e, () => t.closed)) {
        t.refusals++;
        return;
      }
      initial?.(e.data?.code ?? e.message);
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish("timeout"), p.timeoutMs);
      const finish = (err: string | null) => {
        clearTimeout(timer);
        initial = null;
        socket.off("session", onSession);
        if (err) {
          t.closed = true;
          socket.disconnect();
        } else this.tracked.push(t);
        resolve(err);
      };
      const onSession = () => finish(null);
      initial = finish;
      socket.once("session", onSession);
    });
  }

  /** Marks the moment before a restart: from now on, a `session` means "back". */
  armReconnect(): number {
    for (const t of this.tracked) {
      t.armed = true;
      t.sessionsSinceArm = 0;
      t.backAt = null;
      t.identityLost = false;
      t.refusals = 0;
    }
    return this.tracked.length;
  }

  reconnectStatus(): ReconnectStatus {
    const back = this.tracked.filter((t) => t.backAt !== null);
    return {
      total: this.tracked.length,
      back: back.length,
      backAt: back.map((t) => t.backAt as number),
      duplicates: this.tracked.reduce((s, t) => s + Math.max(0, t.sessionsSinceArm - 1), 0),
      identityLost: this.tracked.filter((t) => t.identityLost).length,
      refusals: this.tracked.reduce((s, t) => s + t.refusals, 0),
    };
  }

  closeAll(): number {
    const n = this.tracked.length;
    for (const t of this.tracked.splice(0)) {
      t.closed = true;
      t.socket.removeAllListeners();
      t.socket.disconnect();
    }
    return n;
  }
}
