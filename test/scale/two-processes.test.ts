// Two Parley processes sharing PostgreSQL and Redis: a visitor on A and the agent on B chat both
// ways, typing and queue positions cross; then A is killed (-9) mid-conversation while both sides
// keep sending, and each side ends with every message exactly once, in order.
import { afterEach, describe, expect, it } from "vitest";
import type { ConversationSummaryDto, QueuePositionDto, TypingDto } from "../../server/protocol.ts";
import { audit } from "./chat-client.ts";
import { closeClusters, openConversation, startCluster } from "./cluster.ts";

const PG = process.env.DATABASE_URL_PG;
const REDIS = process.env.REDIS_URL_TEST;

afterEach(closeClusters, 30_000);

/** Resolves with the first matching payload of `event` on the participant's current socket. */
function next<T>(p: { socket: { once(e: string, f: (x: T) => void): unknown; on(e: string, f: (x: T) => void): unknown; off(e: string, f: (x: T) => void): unknown } | null }, event: string, match: (x: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
  const s = p.socket;
  if (!s) return Promise.reject(new Error("not connected"));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off(event, listener);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const listener = (x: T) => {
      if (!match(x)) return;
      clearTimeout(timer);
      s.off(event, listener);
      resolve(x);
    };
    s.on(event, listener);
  });
}

describe("two processes on PostgreSQL and Redis", () => {
  it.runIf(PG && REDIS)("a visitor on A and the agent on B chat both ways; typing and queue positions cross", async () => {
    const cluster = await startCluster({ processes: 2, redisUrl: REDIS, agents: [{ email: "ana@example.com", maxChats: 1 }] });
    const [a, b] = cluster.procs;
    const onA = () => a!.url;
    const agent = await cluster.agent("ana@example.com", () => b!.url);

    const v1 = cluster.visitor(onA);
    await v1.start();
    const assigned = next<ConversationSummaryDto>(agent, "conversation:assigned");
    const conv1 = await openConversation(v1, "v1-1", "Hello from A");
    expect((await assigned).id).toBe(conv1);
    agent.conversationId = conv1;
    await agent.catchUp();

    // Agent (B) -> visitor (A), visitor (A) -> agent (B), live.
    agent.send("a-1", "Hi, this is Ana on B");
    await v1.when(() => [...v1.log.values()].some((m) => m.clientId === "a-1"));
    v1.send("v1-2", "Thanks!");
    await agent.when(() => [...agent.log.values()].some((m) => m.clientId === "v1-2"));
    expect(v1.arrivals.get(2)).toBe(1);
    expect(agent.arrivals.get(3)).toBe(1);

    // Typing crosses both ways.
    const visitorTyping = next<TypingDto>(agent, "typing", (t) => t.typing);
    v1.socket!.emit("typing", { conversationId: conv1, typing: true, preview: "I have a" });
    expect(await visitorTyping).toMatchObject({ conversationId: conv1, typing: true, preview: "I have a" });
    const agentTyping = next<TypingDto>(v1, "typing", (t) => t.typing);
    agent.socket!.emit("typing", { conversationId: conv1, typing: true });
    expect(await agentTyping).toMatchObject({ conversationId: conv1, typing: true });

    // Ana is full (maxChats 1): two more visitors on A queue up; when Ana (on B) closes the first
    // chat, the second is assigned and the third moves to position 1.
    const v2 = cluster.visitor(onA);
    const v3 = cluster.visitor(onA);
    await Promise.all([v2.start(), v3.start()]);
    await openConversation(v2, "v2-1", "Second in line");
    const third = next<QueuePositionDto>(v3, "queue:position", (q) => q.position === 2);
    const conv3 = await openConversation(v3, "v3-1", "Third in line");
    expect((await third).conversationId).toBe(conv3);
    const moved = next<QueuePositionDto>(v3, "queue:position", (q) => q.position === 1);
    const nextChat = next<ConversationSummaryDto>(agent, "conversation:assigned");
    const closed = (await agent.socket!.timeout(5000).emitWithAck("conversation:close", { conversationId: conv1 })) as { ok: boolean };
    expect(closed.ok).toBe(true);
    expect((await nextChat).id).toBe(v2.conversationId);
    expect((await moved).conversationId).toBe(conv3);
  }, 60_000);

  it.runIf(PG && REDIS)("kill -9 of A mid-conversation: both sides end with every message exactly once, in order", async () => {
    const cluster = await startCluster({ processes: 2, redisUrl: REDIS, agents: [{ email: "ana@example.com" }] });
    const [a, b] = cluster.procs;
    const agent = await cluster.agent("ana@example.com", () => b!.url);
    // The visitor starts on A; after A dies, the "load balancer" only knows B.
    const visitor = cluster.visitor(() => cluster.pickUrl());
    visitor["o"].pickUrl = () => (a!.child.exitCode === null && a!.child.signalCode === null ? a!.url : b!.url);
    await visitor.start();
    const assigned = next<ConversationSummaryDto>(agent, "conversation:assigned");
    const conv = await openConversation(visitor, "v-0", "Hello");
    agent.conversationId = (await assigned).id;
    expect(agent.conversationId).toBe(conv);

    const N = 40;
    let killed = false;
    for (let i = 1; i <= N; i++) {
      visitor.send(`v-${i}`, `visitor ${i}`);
      agent.send(`a-${i}`, `agent ${i}`);
      if (i === N / 2) {
        await a!.kill("SIGKILL");
        killed = true;
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(killed).toBe(true);
    const total = 2 * N + 1;
    await visitor.when(() => visitor.pending === 0 && visitor.lastSeq() >= total, 30_000);
    await agent.when(() => agent.pending === 0 && agent.lastSeq() >= total, 30_000);
    await visitor.catchUp();
    await agent.catchUp();
    for (const side of [visitor, agent]) {
      const r = audit(side, [visitor, agent]);
      expect(r).toMatchObject({ delivered: total, expected: total, duplicates: 0, outOfOrder: 0, missing: [] });
      expect(side.log.size).toBe(total);
    }
    expect(visitor.connects).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
