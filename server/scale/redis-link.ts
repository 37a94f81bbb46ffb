// REDIS_URL: the official Socket.IO Redis Streams adapter on the io server, so broadcasts (messages,
// typing, queue positions) reach sockets on every process, with connection state recovery. While
// Redis is away this process keeps serving its own sockets: broadcasts go out locally at once and
// their copy for the other processes waits in the client's offline queue, sent when Redis returns
// (the adapter's stream readers resume from their last offset, so they catch up too). Redis away
// when the process starts is the same state: it starts, serves its own sockets, says degraded in
// /readyz and its log, and joins when Redis answers.
import { createClient } from "redis";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { Adapter, MessageType, type BroadcastOptions } from "socket.io-adapter";
import type { Server as IoServer } from "socket.io";
import type { Logger } from "../logger.ts";

export interface RedisLink {
  /** null while Redis answers; otherwise why this process serves only its own sockets */
  problem(): string | null;
  close(): Promise<void>;
}

export interface RedisLinkOptions {
  url: string;
  /** stream and key prefix, so several Parley installations (or tests) can share one Redis */
  prefix: string;
}

interface ClusterInternals {
  publishAndReturnOffset(message: { type: MessageType; data: unknown }): Promise<string>;
}

/** How long startup waits for Redis before serving without it (degraded) and joining when it answers. */
const STARTUP_WAIT_MS = 3_000;
const CONNECTING = "redis: connecting";
/** Session restores running at once (per process); beyond, a reconnecting client connects afresh. */
const MAX_RESTORES_IN_FLIGHT = 8;

export async function attachRedis(io: IoServer, opts: RedisLinkOptions, log: Logger): Promise<RedisLink> {
  let up = false;
  let problem: string | null = CONNECTING;
  const client = createClient({
    url: opts.url,
    // Jittered, capped retries: all processes losing Redis together must not hammer it in step.
    socket: { reconnectStrategy: (retries: number) => Math.min(2000, 100 * 2 ** Math.min(retries, 5)) * (0.5 + Math.random()) },
  });
  const down = (reason: string) => {
    if (up) log.warn({ reason }, "redis unreachable: serving this process's sockets only until it returns");
    else if (problem === CONNECTING) log.warn({ reason }, "redis unreachable at startup: serving this process's sockets only until it answers");
    up = false;
    problem = "redis unreachable: only this process's sockets are served";
  };
  client.on("error", (err: Error) => down(err.message));
  client.on("end", () => down("connection closed"));
  client.on("reconnecting", () => down("reconnecting"));
  client.on("ready", () => {
    if (!up && problem !== CONNECTING) log.info("redis is back: cross-process delivery resumed");
    up = true;
    problem = null;
  });
  // node-redis keeps retrying a first connection that fails and its promise waits for success, so
  // a process started while Redis is away would never listen: wait a little, then serve degraded
  // and join the adapter when Redis answers (commands wait in the client's offline queue).
  const connected = client.connect().then(
    () => true,
    (err: Error) => {
      down(err.message);
      return false;
    },
  );
  let waited: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([connected, new Promise<false>((resolve) => (waited = setTimeout(() => resolve(false), STARTUP_WAIT_MS)))]);
  clearTimeout(waited);
  if (!inTime && problem === CONNECTING) down(`no answer within ${STARTUP_WAIT_MS} ms`);

  // Restoring a session reads the whole stream after the client's offset (the adapter decodes
  // every entry), so after a restart thousands of restores at once cost thousands of stream scans:
  // the 2,000-visitor two-process bench spent most of its time there. Recovery only saves a
  // catch-up (every client catches up by sequence number anyway), so past a few at once the rest
  // connect afresh.
  let restoring = 0;
  // The adapter reads the stream on connections of its own (client.duplicate()), from "$": what
  // is published before its first read never reaches this process. Until they have connected this
  // process is not ready: with Redis down at startup the main connection came back first, /readyz
  // said ready, and a broadcast from another process in that window was lost (redis-startup test,
  // about one run in three once assignment took milliseconds).
  const readers: Promise<void>[] = [];
  const duplicate = client.duplicate.bind(client);
  client.duplicate = ((...args: Parameters<typeof duplicate>) => {
    const reader = duplicate(...args);
    readers.push(new Promise<void>((resolve) => reader.once("ready", () => setImmediate(resolve))));
    return reader;
  }) as typeof client.duplicate;
  const factory = createAdapter(client, { streamName: `${opts.prefix}stream`, channelPrefix: `${opts.prefix}io`, sessionKeyPrefix: `${opts.prefix}session:` });
  let reading = false;
  // The readers' first XREAD goes out as they connect; one turn later it is on its way.
  void Promise.all(readers).then(() => (reading = true));
  // Socket.IO calls the adapter with `new`: a plain function that returns the instance.
  io.adapter(function redisStreamsAdapter(nsp: Parameters<typeof factory>[0]) {
    const adapter = factory(nsp);
    const clusterBroadcast = adapter.broadcast.bind(adapter);
    // The cluster adapter publishes first and delivers locally only after Redis answered, which
    // would stall this process's own sockets for the whole outage.
    adapter.broadcast = async (packet: unknown, bo: BroadcastOptions) => {
      if (up || bo.flags?.local) return clusterBroadcast(packet, bo);
      Adapter.prototype.broadcast.call(adapter, packet, bo);
      const message = { type: MessageType.BROADCAST, data: { packet, opts: { rooms: [...bo.rooms], except: [...(bo.except ?? [])], flags: bo.flags } } };
      void (adapter as unknown as ClusterInternals).publishAndReturnOffset(message).catch(() => undefined);
    };
    // Connection state recovery keeps its sessions in Redis. While Redis is away a returning
    // client must not wait in the offline queue for its handshake: a failed restore makes
    // Socket.IO connect it afresh (it catches up by sequence number, as after any reconnect).
    const restoreSession = adapter.restoreSession.bind(adapter);
    const persistSession = adapter.persistSession.bind(adapter);
    adapter.restoreSession = (pid, offset) => {
      if (!up) return Promise.reject(new Error("redis unreachable: no session to restore"));
      if (restoring >= MAX_RESTORES_IN_FLIGHT) return Promise.reject(new Error("too many sessions restoring at once"));
      restoring++;
      return restoreSession(pid, offset).finally(() => restoring--);
    };
    adapter.persistSession = (session) => {
      if (up) persistSession(session);
    };
    return adapter;
  });
  return {
    problem: () => problem ?? (reading ? null : "redis: the stream reader is connecting"),
    async close() {
      up = false;
      problem = "closed";
      try {
        await client.quit();
      } catch {
        // never connected, or already gone
        try {
          client.destroy();
        } catch {
          // already closed
        }
      }
    },
  };
}
