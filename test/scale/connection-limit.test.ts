// The per-process connection-rate limit: past the budget a handshake is refused with
// `unavailable` and a retry delay, before any work; without REDIS_URL /readyz
// stays plain "ready".
import { EventEmitter } from "node:events";
import { Manager } from "socket.io-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { limitConnections } from "../../server/scale/connection-limit.ts";
import { closeAllClients, connectVisitor, visitorRefused } from "../helpers/clients.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

describe("connection-rate limit", () => {
  it("refuses connections beyond the budget with a clear retry-later error", async () => {
    // A refill slow enough that no token comes back during the test, however slow the machine.
    server = await startServer({ config: { connectionRate: { burst: 2, perSecond: 0.01 } } });
    await connectVisitor(server);
    await connectVisitor(server);
    const refused = (await visitorRefused(server)) as Error & { data?: { code?: string; retryAfterMs?: number } };
    expect(refused.message).toBe("Server busy, retry later");
    expect(refused.data?.code).toBe("unavailable");
    // Its appointment: the next refill slot (100 s at this rate), capped at 10 s.
    expect(refused.data?.retryAfterMs).toBe(10_000);
    // Nothing was created for the refused one: two visitors only.
    expect(await server.app.database.prisma.visitor.count()).toBe(2);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_connections_refused_total 1/);
  });

  it("spreads the refused over the coming refill slots, one each", async () => {
    // A token every 2 s: four refused at once are given four different slots, 2 s apart.
    server = await startServer({ config: { connectionRate: { burst: 1, perSecond: 0.5 } } });
    await connectVisitor(server);
    const refusals = (await Promise.all(Array.from({ length: 4 }, () => visitorRefused(server!)))) as (Error & { data?: { code?: string; retryAfterMs?: number } })[];
    const delays = refusals.map((r) => r.data?.retryAfterMs ?? NaN).sort((a, b) => a - b);
    for (const r of refusals) expect(r.data?.code).toBe("unavailable");
    expect(delays[0]).toBeGreaterThanOrEqual(100);
    // Three slots between the first and the last appointment, less one slot of jitter.
    expect(delays[3] - delays[0]).toBeGreaterThan(3000);
    expect(delays[3]).toBeLessThanOrEqual(10_000);
  });

  it("refuses past the handshakes in flight, and a finished or abandoned handshake frees its place", () => {
    // The gate alone, driven the way Socket.IO drives a namespace's middleware and connection event.
    type Socket = { conn: EventEmitter };
    type Mw = (socket: Socket, next: (err?: Error & { data?: { code?: string; retryAfterMs?: number } }) => void) => void;
    let middleware: Mw | null = null;
    let onConnection: ((socket: Socket) => void) | null = null;
    const nsp = {
      use: (fn: Mw) => (middleware = fn),
      on: (_event: "connection", fn: (socket: Socket) => void) => (onConnection = fn),
    };
    limitConnections([nsp], { burst: 1000, perSecond: 1000 }, { maxInFlight: 2 });
    const admit = (socket: Socket) => {
      let outcome = "admitted" as { code?: string; retryAfterMs?: number } | "admitted";
      middleware!(socket, (err) => (outcome = err ? (err.data ?? {}) : "admitted"));
      return outcome;
    };
    const sockets = Array.from({ length: 5 }, () => ({ conn: new EventEmitter() }));
    expect(admit(sockets[0])).toBe("admitted");
    expect(admit(sockets[1])).toBe("admitted");
    const refused = admit(sockets[2]);
    expect(refused).toMatchObject({ code: "unavailable" });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThanOrEqual(100);
    onConnection!(sockets[0]);
    expect(admit(sockets[3])).toBe("admitted");
    expect(admit(sockets[4])).toMatchObject({ code: "unavailable" });
    sockets[1].conn.emit("close");
    expect(admit(sockets[4])).toBe("admitted");
  });

  it("by default lets in as many handshakes as the process finishes in 2 s at its recent pace, never fewer than 64", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      type Socket = { conn: EventEmitter };
      type Mw = (socket: Socket, next: (err?: Error & { data?: { code?: string } }) => void) => void;
      let middleware: Mw | null = null;
      let onConnection: ((socket: Socket) => void) | null = null;
      const nsp = { use: (fn: Mw) => (middleware = fn), on: (_event: "connection", fn: (socket: Socket) => void) => (onConnection = fn) };
      let t = 1_000_000;
      limitConnections([nsp], { burst: 1_000_000, perSecond: 1_000_000 }, { now: () => t });
      const admitted: Socket[] = [];
      /** admits until the first refusal (or `most`), returns how many got in */
      const admitUpTo = (most: number) => {
        for (let n = 0; n < most; n++) {
          const socket = { conn: new EventEmitter() };
          let ok = true;
          middleware!(socket, (err) => (ok = !err));
          if (!ok) return n;
          admitted.push(socket);
        }
        return most;
      };
      const finish = (count: number, gapMs: number) => {
        for (let i = 0; i < count; i++) {
          t += gapMs;
          onConnection!(admitted.shift() as Socket);
        }
      };
      // Nothing measured yet: a crowd of 300 gets in at once.
      expect(admitUpTo(300)).toBe(300);
      // Slow handshakes (50 ms apart): 2 s holds 40 of them, so the floor of 64 applies.
      finish(250, 50);
      expect(admitted).toHaveLength(50);
      expect(admitUpTo(100)).toBe(14);
      // Fast ones (0.5 ms apart) and the cap grows far past 64 again.
      finish(32, 0.5);
      expect(admitUpTo(500)).toBe(500);
      // Then handshakes that never finish: their hold runs out (their places are freed) and the
      // cap is back at the floor, whatever the pace was before.
      vi.advanceTimersByTime(10_000);
      expect(admitted.length).toBeGreaterThan(500);
      expect(admitUpTo(100)).toBe(64);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a handshake refused after the gate gives its place back: bad handshakes cannot fill it", async () => {
    server = await startServer();
    // An attacker's one connection, kept open by a socket on the main namespace, retrying refused
    // handshakes on it: more of them than the gate has places (64), none ever connecting.
    const manager = new Manager(server.url, { transports: ["websocket"], reconnection: false });
    try {
      const keep = manager.socket("/");
      await new Promise<void>((resolve, reject) => {
        keep.once("connect", () => resolve());
        keep.once("connect_error", reject);
      });
      const bad = manager.socket("/visitor", { auth: { siteKey: "no-such-site" } });
      for (let i = 0; i < 80; i++) {
        const code = await new Promise<string | undefined>((resolve) => {
          bad.once("connect", () => resolve("connected"));
          bad.once("connect_error", (err: Error & { data?: { code?: string } }) => resolve(err.data?.code));
          bad.connect();
        });
        expect(code).toBe("not_found");
      }
      expect(manager.engine.readyState).toBe("open");
    } finally {
      manager.engine?.close();
    }
    // A real visitor still gets in at once rather than being told the server is busy.
    const { session } = await connectVisitor(server);
    expect(session.visitor.id).toBeTruthy();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_connections_refused_total 0/);
  });

  it("a single process without REDIS_URL is plainly ready", async () => {
    server = await startServer();
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready" });
  });
});
