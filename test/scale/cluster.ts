// Several Parley processes on one fresh PostgreSQL database and one Redis prefix, with agents
// created up front and a "load balancer" (pickUrl) that names a live process at random.
import { migrate } from "../../server/db/migrate.ts";
import { openDatabase } from "../../server/db/client.ts";
import { createAgent } from "../../server/agents/service.ts";
import { tempDatabase, type TempDatabase } from "../helpers/databases.ts";
import { killAllParley, startParley, uniquePrefix, type ParleyProcess, type ProcessOptions } from "./processes.ts";
import type { Socket } from "socket.io-client";
import type { Ack, ConversationSummaryDto } from "../../server/protocol.ts";
import { Participant } from "./chat-client.ts";

export const PASSWORD = "correct horse battery";

export interface Cluster {
  database: TempDatabase;
  prefix: string;
  procs: (ParleyProcess | null)[];
  siteKey: string;
  alive(): ParleyProcess[];
  pickUrl(): string;
  /** starts (or restarts) process i */
  start(i: number): Promise<ParleyProcess>;
  login(email: string, url?: string): Promise<string>;
  agent(email: string, pickUrl?: () => string): Promise<Participant>;
  visitor(pickUrl?: () => string): Participant;
  close(): Promise<void>;
}

const clusters = new Set<Cluster>();

export async function startCluster(opts: {
  processes: number;
  agents: { email: string; maxChats?: number }[];
  redisUrl?: string;
  env?: Record<string, string>;
  /** per-process database URL override (a proxy in front of PostgreSQL) */
  databaseUrlFor?: (db: TempDatabase, i: number) => string;
}): Promise<Cluster> {
  const database = await tempDatabase("postgres");
  const prefix = uniquePrefix();
  await migrate(database.url);
  const handle = await openDatabase(database.url);
  let siteKey = "";
  try {
    for (const a of opts.agents) {
      const agent = await createAgent(handle.prisma, { email: a.email, name: a.email.split("@")[0], role: "agent", password: PASSWORD });
      if (a.maxChats !== undefined) await handle.prisma.agent.update({ where: { id: agent.id }, data: { maxChats: a.maxChats } });
    }
  } finally {
    await handle.close();
  }
  const cookies = new Map<string, string>();
  const procs: (ParleyProcess | null)[] = new Array<ParleyProcess | null>(opts.processes).fill(null);
  const cluster: Cluster = {
    database,
    prefix,
    procs,
    siteKey,
    alive: () => procs.filter((p): p is ParleyProcess => p !== null && p.child.exitCode === null && p.child.signalCode === null),
    pickUrl() {
      const live = cluster.alive();
      if (!live.length) return procs.find((p) => p)?.url ?? "http://127.0.0.1:9";
      return live[Math.floor(Math.random() * live.length)].url;
    },
    async start(i) {
      const o: ProcessOptions = {
        databaseUrl: opts.databaseUrlFor?.(database, i) ?? database.url,
        redisUrl: opts.redisUrl,
        redisPrefix: prefix,
        env: opts.env,
      };
      const p = await startParley(o);
      procs[i] = p;
      return p;
    },
    async login(email, url = cluster.pickUrl()) {
      const res = await fetch(`${url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-parley-csrf": "1" },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      if (!res.ok) throw new Error(`login failed: ${res.status}`);
      return (res.headers.get("set-cookie") ?? "").split(";")[0];
    },
    async agent(email, pickUrl = () => cluster.pickUrl()) {
      // One sign-in per agent (sign-in is throttled); more sockets are more console tabs.
      const cookie = cookies.get(email) ?? (await cluster.login(email));
      cookies.set(email, cookie);
      const p = new Participant({
        nsp: "/agent",
        pickUrl,
        cookie,
        onConnect: (s: Socket) => s.timeout(5000).emitWithAck("agent:status", { status: "online" }) as Promise<Ack<unknown>>,
      });
      clients.add(p);
      await p.start();
      return p;
    },
    visitor(pickUrl = () => cluster.pickUrl()) {
      const p = new Participant({ nsp: "/visitor", pickUrl, siteKey: cluster.siteKey });
      clients.add(p);
      return p;
    },
    async close() {
      clusters.delete(cluster);
      for (const c of clients) c.stop();
      clients.clear();
      await killAllParley();
      await database.drop();
    },
  };
  clusters.add(cluster);
  // The first process migrates and seeds the Demo site; the rest start after it.
  await cluster.start(0);
  for (let i = 1; i < opts.processes; i++) await cluster.start(i);
  const read = await openDatabase(database.url);
  try {
    siteKey = (await read.prisma.site.findFirstOrThrow({ where: { name: "Demo" } })).key;
  } finally {
    await read.close();
  }
  cluster.siteKey = siteKey;
  return cluster;
}

const clients = new Set<Participant>();

/** afterEach: stops every client, kills every process, drops every database (even after a failure). */
export async function closeClusters(): Promise<void> {
  for (const c of clients) c.stop();
  clients.clear();
  await killAllParley();
  await Promise.all([...clusters].map((c) => c.close().catch(() => undefined)));
}

/** Opens the visitor's conversation with a first message (retried like the widget's outbox). */
export async function openConversation(v: Participant, clientId: string, body: string): Promise<string> {
  v.sent.push(clientId);
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    await v.when(() => v.connected, 60_000);
    try {
      const ack = (await v.socket!.timeout(5000).emitWithAck("conversation:open", { clientId: `open-${clientId}`, message: { clientId, body } })) as Ack<{ conversation: { id: string }; messages: { seq: number; clientId: string | null }[] }>;
      if (ack.ok) {
        v.conversationId = ack.data.conversation.id;
        v.acked.add(clientId);
        await v.catchUp();
        return v.conversationId;
      }
    } catch {
      // cut mid-request: retry with the same keys
    }
  }
  throw new Error("could not open a conversation");
}

/**
 * The visitor opens a conversation with a first message and `agent` (online, its socket watching)
 * is assigned it: resolves with the conversation id, set on both sides.
 */
export async function openAssigned(visitor: Participant, agent: Participant, clientId: string, body: string): Promise<string> {
  const assigned = new Promise<ConversationSummaryDto>((resolve) => agent.socket!.once("conversation:assigned", resolve));
  await openConversation(visitor, clientId, body);
  agent.conversationId = (await assigned).id;
  return agent.conversationId;
}
