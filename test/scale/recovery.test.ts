// Connection state recovery (on with REDIS_URL): socket.io-client, as the console and the bench
// use it, adds `pid` and `offset` to the visitor handshake when it reconnects. The handshake must
// accept them, or every automatic reconnection is refused as a bad request.
import { afterEach, describe, expect, it } from "vitest";
import { io, type Socket } from "socket.io-client";
import type { VisitorSessionDto } from "../../server/protocol.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { uniquePrefix } from "./processes.ts";

const REDIS = process.env.REDIS_URL_TEST;

let server: TestServer | undefined;
let socket: Socket | undefined;
afterEach(async () => {
  socket?.disconnect();
  await server?.close();
  server = undefined;
});

describe("connection state recovery", () => {
  it.runIf(REDIS)("a visitor reconnecting with socket.io-client's recovery keys gets its session back, recovered", async () => {
    server = await startServer({ config: { redisUrl: REDIS!, redisPrefix: uniquePrefix() } });
    const auth: { siteKey: string; token?: string } = { siteKey: server.demoKey };
    const s = io(`${server.url}/visitor`, { auth, extraHeaders: { origin: server.url }, transports: ["websocket"], forceNew: true, reconnectionDelay: 100 });
    socket = s;
    const errors: string[] = [];
    s.on("connect_error", (e) => errors.push(e.message));
    const sessions: VisitorSessionDto[] = [];
    const waiters = new Set<() => void>();
    s.on("session", (x: VisitorSessionDto) => {
      sessions.push(x);
      auth.token = x.token;
      for (const w of [...waiters]) w();
    });
    const session = (n: number) =>
      new Promise<VisitorSessionDto>((resolve) => {
        const check = () => {
          if (sessions.length < n) return;
          waiters.delete(check);
          resolve(sessions[n - 1]);
        };
        waiters.add(check);
        check();
      });
    const first = await session(1);
    // The network drops: socket.io-client reconnects by itself, sending pid and offset.
    s.io.engine.close();
    const second = await session(2);
    expect(errors).toEqual([]);
    expect(s.recovered).toBe(true);
    expect(second.visitor.id).toBe(first.visitor.id);
    expect(sessions).toHaveLength(2);
  });
});
