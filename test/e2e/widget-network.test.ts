// The widget when the network misbehaves, in real Chromium: WebSocket blocked (long-polling only),
// and the connection cut and restored mid-conversation (messages typed while offline arrive
// exactly once, in order).
import { describe, expect, it } from "vitest";
import type { Ack, ConversationSummaryDto, MessageDto } from "../../server/protocol.ts";
import { ok, onlineAgent } from "../helpers/clients.ts";
import { addAgent, type TestServer } from "../helpers/server.ts";
import { startTcpProxy } from "../helpers/tcp-proxy.ts";
import { collect, emitAck, until, waitFor } from "../helpers/wait.ts";
import { chatFrame, hostHtml, hostSite, launcher, openChat, useWidgetEnv, say } from "../helpers/widget-host.ts";

const env = useWidgetEnv();

function visitorTransports(s: TestServer): string[] {
  return [...s.app.io.of("/visitor").sockets.values()].map((sock) => sock.conn.transport.name);
}

describe("widget on a bad network", () => {
  it("works over long-polling when WebSocket is blocked", async () => {
    const { server, host, context } = await env.setup();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    let blocked = 0;
    // Every WebSocket the page tries is answered by nobody and closed, like a proxy that refuses them.
    await context.routeWebSocket(/.*/, (ws) => {
      blocked++;
      void ws.close();
    });
    const page = await context.newPage();
    await page.goto(host.url("/"));
    const frame = await openChat(page);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(frame, "Over polling");
    const { id } = await assigned;
    ok(await emitAck<Ack<MessageDto>>(agent.socket, "message:send", { conversationId: id, clientId: "a1", body: "Polling reply" }));
    await frame.getByText("Polling reply").waitFor();
    expect(blocked).toBeGreaterThan(0);
    expect(visitorTransports(server)).toEqual(["polling"]);

    // And after a reload, straight onto polling again with the same conversation.
    await page.reload();
    await launcher(page).click();
    const again = await chatFrame(page);
    await again.getByText("Polling reply").waitFor();
    await say(again, "Still here");
    await again.locator(".me .st").getByText("Delivered").waitFor();
    expect((await server.app.database.prisma.message.findMany({ orderBy: { seq: "asc" } })).map((m) => m.body)).toEqual(["Over polling", "Polling reply", "Still here"]);
  });

  it("keeps messages typed while the network is down and sends them once, in order, when it is back", async () => {
    const server = await env.server();
    const proxy = await startTcpProxy(server.port);
    env.track(proxy, () => proxy.close());
    const host = await env.hostPages();
    const site = await hostSite(server, host);
    // The page reaches Parley only through the proxy.
    host.set("/", hostHtml(proxy.url, site.key));
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    const agent = await onlineAgent(server, "ana@example.com");
    const context = await env.context();
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    await page.goto(host.url("/"));
    const frame = await openChat(page);
    const assigned = waitFor<ConversationSummaryDto>(agent.socket, "conversation:assigned");
    await say(frame, "Before the cut");
    const { id } = await assigned;
    await frame.locator(".me .st").getByText("Delivered").waitFor();
    const received = collect<MessageDto>(agent.socket, "message:new");

    proxy.cut();
    await frame.getByRole("status").getByText("You're offline.", { exact: false }).waitFor();
    for (const text of ["one", "two", "three"]) {
      await say(frame, text);
    }
    // Shown at once, marked as not sent yet.
    expect(await frame.locator(".me .st").getByText("Sending").count()).toBe(3);
    // The agent answers meanwhile; the visitor gets it on reconnection (catch-up by seq).
    ok(await emitAck(agent.socket, "message:send", { conversationId: id, clientId: "a-during", body: "Are you there?" }));

    proxy.restore();
    await until(() => received.filter((m) => m.authorKind === "visitor").length >= 3, agent.socket, 30_000);
    await frame.getByText("Are you there?").waitFor();
    await frame.locator(".me .st").getByText("Sending").first().waitFor({ state: "detached" });
    const rows = await server.app.database.prisma.message.findMany({ where: { conversationId: id }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => r.body)).toEqual(["Before the cut", "Are you there?", "one", "two", "three"]);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(received.filter((m) => m.authorKind === "visitor").map((m) => m.body)).toEqual(["one", "two", "three"]);
  });

  it("tells the host page of a message whose answer was lost, once, when the reconnection confirms it", async () => {
    // The host page's Parley("on", "message") handler, keeping the bodies it hears of.
    const head = `<script>
      window.__heard = [];
      window.Parley = window.Parley || function () { (Parley.q = Parley.q || []).push(arguments); };
      Parley("on", "message", function (m) { __heard.push(m.body); });
    </script>`;
    const { server, host, context, page } = await env.setup({ head });
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await onlineAgent(server, "ana@example.com");
    // Between the chat and Parley: once armed, the answer to the next message:send is dropped and
    // the connection cut, as when the network fails right after the server stored the message.
    let armed = false;
    let dropped = 0;
    await context.routeWebSocket(/\/socket\.io\//, (ws) => {
      const parley = ws.connectToServer();
      const sends = new Set<string>();
      ws.onMessage((m) => {
        const send = typeof m === "string" ? /^42\/visitor,(\d+)\["message:send"/.exec(m) : null;
        if (send && armed) sends.add(send[1]);
        parley.send(m);
      });
      parley.onMessage((m) => {
        const ack = typeof m === "string" ? /^43\/visitor,(\d+)\[/.exec(m) : null;
        if (ack && sends.has(ack[1])) {
          armed = false;
          dropped++;
          void ws.close();
          void parley.close();
          return;
        }
        ws.send(m);
      });
    });
    await page.goto(host.url("/"));
    const heard = () => page.evaluate(() => (window as unknown as { __heard: string[] }).__heard.slice());
    const frame = await openChat(page);
    await say(frame, "Opening line");
    await frame.locator(".me .st").getByText("Delivered").waitFor();
    armed = true;
    await say(frame, "Lost answer");
    // The widget reconnects, catches up and finds the message stored: it is delivered, and news.
    await page.waitForFunction(() => (window as unknown as { __heard: string[] }).__heard.includes("Lost answer"), null, { timeout: 15_000 });
    expect(dropped).toBe(1);
    await say(frame, "After it");
    await page.waitForFunction(() => (window as unknown as { __heard: string[] }).__heard.includes("After it"));
    expect(await heard()).toEqual(["Opening line", "Lost answer", "After it"]);
    expect((await server.app.database.prisma.message.findMany({ orderBy: { seq: "asc" } })).map((m) => m.body)).toEqual(["Opening line", "Lost answer", "After it"]);
  });
});
