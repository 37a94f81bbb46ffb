// /metrics carries the routing figures: queue length per site, waiting-time and assignment-latency
// histograms, agent utilisation.
import { afterEach, describe, expect, it } from "vitest";
import { closeAllClients } from "../helpers/clients.ts";
import { dbKinds } from "../helpers/databases.ts";
import { addAgent, addSite, startServer, type TestServer } from "../helpers/server.ts";
import { agentOnline, handedTo, openChat } from "./chat.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

function sample(text: string, name: string, labels = ""): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : null;
}

describe.each(dbKinds())("routing metrics on %s", (db) => {
  it("reports queue length per site, waiting time, assignment latency and utilisation", async () => {
    server = await startServer({ db });
    const prisma = server.app.database.prisma;
    const demo = await prisma.site.findFirstOrThrow({ where: { key: server.demoKey } });
    const quiet = await addSite(server, "Quiet", ["https://quiet.example"]);
    await addAgent(server, { email: "ana@example.com", maxChats: 2 });
    const ana = await agentOnline(server, "ana@example.com");
    const v1 = await openChat(server);
    await handedTo(ana, v1.conversation.id);
    const v2 = await openChat(server);
    await handedTo(ana, v2.conversation.id);
    const v3 = await openChat(server);
    await v3.position((p) => p.position === 1);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sample(text, "parley_queued_conversations", `{site="${demo.id}"}`)).toBe(1);
    expect(sample(text, "parley_queued_conversations", `{site="${quiet.id}"}`)).toBe(0);
    expect(sample(text, "parley_queue_wait_seconds_count")).toBe(2);
    expect(sample(text, "parley_assignment_latency_seconds_count")).toBe(2);
    expect(sample(text, "parley_assignment_latency_seconds_bucket", '{le="+Inf"}')).toBe(2);
    expect(sample(text, "parley_agent_utilisation_ratio", `{agent="${ana.id}"}`)).toBe(1);
    expect(sample(text, "parley_agents_utilisation_ratio")).toBe(1);
  });
});
