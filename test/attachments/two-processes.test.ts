// Storage shared by every process: an attachment uploaded through process A (visitor) is
// downloadable byte-identical through process B (agent and visitor), both on one PostgreSQL
// database (and Redis when REDIS_URL_TEST is set, so the message also crosses live).
import { randomBytes } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import { afterEach, expect, it } from "vitest";
import type { Ack, ConversationDto, MessageDto, VisitorSessionDto } from "../../server/protocol.ts";
import { closeClusters, startCluster } from "../scale/cluster.ts";
import { PUBLIC_URL } from "../scale/processes.ts";
import { download, upload } from "./helpers.ts";

const PG = process.env.DATABASE_URL_PG;
const REDIS = process.env.REDIS_URL_TEST;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await closeClusters();
}, 30_000);

it.runIf(PG)("uploaded through one process, downloaded byte-identical through the other", async () => {
  const cluster = await startCluster({ processes: 2, redisUrl: REDIS, agents: [{ email: "ana@example.com" }] });
  const [a, b] = cluster.procs as [NonNullable<(typeof cluster.procs)[0]>, NonNullable<(typeof cluster.procs)[0]>];
  const visitor = io(`${a.url}/visitor`, { auth: { siteKey: cluster.siteKey }, extraHeaders: { origin: PUBLIC_URL }, transports: ["websocket"], reconnection: false, forceNew: true });
  sockets.push(visitor);
  const session = await new Promise<VisitorSessionDto>((resolve, reject) => {
    visitor.once("session", resolve);
    visitor.once("connect_error", reject);
  });
  const opened = (await visitor.timeout(10_000).emitWithAck("conversation:open", { clientId: "o" })) as Ack<{ conversation: ConversationDto }>;
  if (!opened.ok) throw new Error(opened.error.message);
  const conv = opened.data.conversation;

  const bytes = Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(3 * 1024 * 1024)]);
  const up = await upload(a.url, { bearer: session.token }, conv.id, "manual.pdf", bytes);
  expect(up.status).toBe(201);
  const sent = (await visitor.timeout(10_000).emitWithAck("message:send", { conversationId: conv.id, clientId: "m", body: "the manual", attachmentIds: [up.attachment!.id] })) as Ack<MessageDto>;
  expect(sent.ok).toBe(true);

  const cookie = await cluster.login("ana@example.com", b.url);
  const asAgent = await download(b.url, { cookie }, up.attachment!.url);
  expect(asAgent.status).toBe(200);
  expect(asAgent.bytes.equals(bytes)).toBe(true);
  const asVisitor = await download(b.url, { bearer: session.token }, up.attachment!.url);
  expect(asVisitor.bytes.equals(bytes)).toBe(true);
}, 120_000);
