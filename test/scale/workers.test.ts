// `parley serve --workers 2`: one port, a sticky primary, two workers. Over long-polling (several
// HTTP requests per session, so stickiness matters) a visitor and an agent, placed on different
// workers by least-connection balancing, chat both ways; without Redis the workers exchange
// broadcasts through the primary (@socket.io/cluster-adapter).
import { afterEach, describe, expect, it } from "vitest";
import type { ConversationSummaryDto } from "../../server/protocol.ts";
import { migrate } from "../../server/db/migrate.ts";
import { openDatabase } from "../../server/db/client.ts";
import { createAgent } from "../../server/agents/service.ts";
import { tempDatabase, type TempDatabase } from "../helpers/databases.ts";
import { Participant } from "./chat-client.ts";
import { killAllParley, startParley } from "./processes.ts";
import { PASSWORD } from "./cluster.ts";

const PG = process.env.DATABASE_URL_PG;
let database: TempDatabase | null = null;
const clients: Participant[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  await killAllParley();
  await database?.drop();
  database = null;
}, 30_000);

describe("parley serve --workers", () => {
  it.runIf(PG)("two workers behind one sticky port chat over long-polling", async () => {
    database = await tempDatabase("postgres");
    await migrate(database.url);
    const db = await openDatabase(database.url);
    try {
      await createAgent(db.prisma, { email: "ana@example.com", name: "Ana", role: "agent", password: PASSWORD });
    } finally {
      await db.close();
    }
    const proc = await startParley({ databaseUrl: database.url, args: ["--workers", "2"] });
    const read = await openDatabase(database.url);
    const siteKey = (await read.prisma.site.findFirstOrThrow({ where: { name: "Demo" } })).key;
    await read.close();

    const login = await fetch(`${proc.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-parley-csrf": "1" },
      body: JSON.stringify({ email: "ana@example.com", password: PASSWORD }),
    });
    expect(login.ok).toBe(true);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const agent = new Participant({
      nsp: "/agent",
      pickUrl: () => proc.url,
      cookie,
      transports: ["polling"],
      onConnect: (s) => s.timeout(5000).emitWithAck("agent:status", { status: "online" }),
    });
    clients.push(agent);
    await agent.start();
    const visitor = new Participant({ nsp: "/visitor", pickUrl: () => proc.url, siteKey, transports: ["polling"] });
    clients.push(visitor);
    await visitor.start();

    const assigned = new Promise<ConversationSummaryDto>((resolve) => agent.socket!.once("conversation:assigned", resolve));
    const { openConversation } = await import("./cluster.ts");
    const conv = await openConversation(visitor, "v-1", "Hello over polling");
    expect((await assigned).id).toBe(conv);
    agent.conversationId = conv;
    agent.send("a-1", "Hi from a worker");
    await visitor.when(() => [...visitor.log.values()].some((m) => m.clientId === "a-1"));
    visitor.send("v-2", "Thanks");
    await agent.when(() => [...agent.log.values()].some((m) => m.clientId === "v-2"));
    expect(visitor.arrivals.get(2)).toBe(1);
    expect(agent.arrivals.get(3)).toBe(1);
    // Polling sessions stayed on their worker: neither side had to reconnect.
    expect(visitor.connects).toBe(1);
    expect(agent.connects).toBe(1);
  }, 60_000);
});
