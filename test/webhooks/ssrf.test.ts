// The SSRF guard. Its decision is tested on addresses directly (and through a stub resolver):
// no test here opens a connection to anything but 127.0.0.1. End to end, loopback endpoints are
// refused without the admin's allowance, both when registered and when delivered.
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { configFromEnv } from "../../server/config.ts";
import type { Ack, ConversationDto, WebhookEndpointDto } from "../../server/protocol.ts";
import { allowedByList, refusalReason } from "../../server/webhooks/address-guard.ts";
import { checkDestination, type Resolver } from "../../server/webhooks/destination.ts";
import { postJson } from "../../server/webhooks/http-post.ts";
import { api } from "../helpers/http.ts";
import { startServer } from "../helpers/server.ts";
import { connectVisitor, ok } from "../helpers/clients.ts";
import { emitAck } from "../helpers/wait.ts";
import { apiToken, FAST, receiverFor, until, webhookFixture } from "./fixtures.ts";

const fx = webhookFixture();

/** A stub DNS: names map to fixed answers, and every lookup is counted. */
function stubResolver(answers: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const found = answers[host];
    if (!found) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    return found.map((address) => ({ address, family: address.includes(":") ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { calls });
}

async function rawServer(handler: RequestListener): Promise<{ url: string; connections: () => number }> {
  const s = createServer(handler);
  let connections = 0;
  s.on("connection", () => connections++);
  fx.cleanups.push(async () => {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`, connections: () => connections };
}

describe("SSRF guard: the decision on resolved addresses", () => {
  it.each([
    ["169.254.169.254", "cloud metadata"],
    ["169.254.1.1", "link-local"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["0.0.0.0", "this-network"],
    ["100.64.0.1", "shared address space"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fd00::1", "unique-local"],
    ["fc00::1", "unique-local"],
    ["fd00:ec2::254", "unique-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:7f00:1", "IPv4-mapped loopback"],
    ["::ffff:169.254.169.254", "IPv4-mapped cloud metadata"],
    ["::ffff:10.0.0.1", "IPv4-mapped private"],
    ["::ffff:192.168.1.1", "IPv4-mapped private"],
    ["::127.0.0.1", "IPv4-compatible loopback"],
    ["64:ff9b::a9fe:a9fe", "NAT64 cloud metadata"],
    ["2002:a00:1::1", "6to4 private"],
    ["2001:db8::1", "documentation"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(refusalReason(address)).toContain(reason);
  });

  it.each(["93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "192.169.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:5db8:d822::1"])("lets %s through", (address) => {
    expect(refusalReason(address)).toBeNull();
  });

  it("refuses a name when ANY of its addresses is internal, and lets an admin allow hosts, addresses and ranges", async () => {
    const resolve = stubResolver({
      "metadata.test": ["169.254.169.254"],
      "mixed.test": ["93.184.216.34", "10.0.0.1"],
      "public.test": ["93.184.216.34", "2606:4700::1"],
      "hooks.internal": ["10.1.2.3"],
      "ten.test": ["10.9.9.9"],
      "mapped.test": ["::ffff:127.0.0.1"],
    });
    const check = (url: string, allowHosts: string[] = []) => checkDestination(url, { allowHosts, resolve });
    expect(await check("http://metadata.test/latest/meta-data")).toMatchObject({ ok: false, reason: expect.stringContaining("169.254.169.254") });
    expect(await check("https://mixed.test/hook")).toMatchObject({ ok: false, reason: expect.stringContaining("10.0.0.1") });
    expect(await check("http://mapped.test/")).toMatchObject({ ok: false, reason: expect.stringContaining("IPv4-mapped loopback") });
    expect(await check("https://public.test/hook")).toMatchObject({ ok: true, host: "public.test", address: { address: "93.184.216.34", family: 4 } });
    expect(await check("http://nowhere.test/")).toMatchObject({ ok: false, reason: expect.stringContaining("ENOTFOUND") });
    // Literal addresses are checked without any lookup, whatever form the URL spells them in.
    const before = resolve.calls.length;
    for (const url of ["http://169.254.169.254/", "http://[::ffff:a9fe:a9fe]/", "http://0x7f000001/", "http://2130706433/", "http://127.1/", "http://[fd00::1]:8080/", "http://[::1]/"]) {
      expect((await check(url)).ok, url).toBe(false);
    }
    expect(resolve.calls.length).toBe(before);

    expect((await check("http://hooks.internal/", ["hooks.internal"])).ok).toBe(true);
    expect((await check("http://ten.test/", ["10.0.0.0/8"])).ok).toBe(true);
    expect((await check("http://ten.test/", ["10.0.0.0/16"])).ok).toBe(false);
    expect((await check("http://mapped.test/", ["127.0.0.1"])).ok).toBe(true);
    expect(allowedByList(["::1"], "[::1]", "::1")).toBe(true);
    expect(allowedByList(["127.0.0.1"], "127.0.0.2", "127.0.0.2")).toBe(false);

    for (const [url, problem] of [
      ["ftp://public.test/", "only http and https"],
      ["file:///etc/passwd", "only http and https"],
      ["http://user:pw@public.test/", "credentials"],
      ["not a url", "not a valid URL"],
    ]) {
      expect(await check(url)).toMatchObject({ ok: false, reason: expect.stringContaining(problem) });
    }
  });

  it("reads PARLEY_WEBHOOK_ALLOW_HOSTS", () => {
    const config = configFromEnv({ PARLEY_SECRET: "s", PARLEY_WEBHOOK_ALLOW_HOSTS: "127.0.0.1, hooks.internal 10.0.0.0/8" });
    expect(config.webhooks?.allowHosts).toEqual(["127.0.0.1", "hooks.internal", "10.0.0.0/8"]);
    expect(configFromEnv({ PARLEY_SECRET: "s" }).webhooks?.allowHosts).toEqual([]);
  });
});

describe("SSRF guard: the outbound request", () => {
  it("connects to the address it checked, never resolving again (no DNS rebinding)", async () => {
    const target = await rawServer((_req, res) => res.writeHead(204).end());
    const port = new URL(target.url).port;
    // First answer: loopback (allowed by the admin here); any later answer would be internal.
    let answer = "127.0.0.1";
    const calls: string[] = [];
    const resolve: Resolver = async (host) => {
      calls.push(host);
      const address = answer;
      answer = "10.0.0.1";
      return [{ address, family: 4 }];
    };
    const out = await postJson(`http://rebind.test:${port}/hook`, {}, "{}", { allowHosts: ["127.0.0.1"], timeoutMs: 5000, resolve });
    expect(out).toMatchObject({ statusCode: 204, error: null });
    expect(calls).toEqual(["rebind.test"]);
    expect(target.connections()).toBe(1);
  });

  it("times out, and does not follow redirects", async () => {
    const elsewhere = await rawServer((_req, res) => res.writeHead(204).end());
    const redirect = await rawServer((_req, res) => res.writeHead(302, { location: elsewhere.url }).end());
    const silent = await rawServer(() => undefined);
    const allow = { allowHosts: ["127.0.0.1"], timeoutMs: 300 };
    expect(await postJson(redirect.url, {}, "{}", allow)).toMatchObject({ statusCode: 302, error: expect.stringContaining("302") });
    expect(elsewhere.connections()).toBe(0);
    const slow = await postJson(silent.url, {}, "{}", allow);
    expect(slow).toMatchObject({ statusCode: null, error: "timed out after 300 ms" });
    expect(slow.durationMs).toBeGreaterThanOrEqual(290);
    expect(slow.durationMs).toBeLessThan(3000);
  });
});

describe("SSRF guard end to end (no PARLEY_WEBHOOK_ALLOW_HOSTS)", () => {
  it("refuses endpoints at 127.0.0.1, [::1] and localhost when they are registered", async () => {
    const server = (fx.server = await startServer({ config: { webhooks: { ...FAST, allowHosts: [] } } }));
    const receiver = await receiverFor(fx);
    const token = await apiToken(server, ["webhooks:write", "webhooks:read"]);
    const port = new URL(receiver.url).port;
    for (const url of [`http://127.0.0.1:${port}/hook`, `http://[::1]:${port}/hook`, `http://localhost:${port}/hook`]) {
      const res = await api<{ error: { code: string; message: string } }>(server, "POST", "/api/v1/webhooks", { bearer: token, body: { url, events: ["message.created"] } });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
      expect(res.body.error.message).toMatch(/loopback.*PARLEY_WEBHOOK_ALLOW_HOSTS/);
    }
    expect((await api<WebhookEndpointDto[]>(server, "GET", "/api/v1/webhooks", { bearer: token })).body).toEqual([]);
    expect(receiver.connections).toBe(0);
  });

  it("refuses at delivery time too, without connecting (an endpoint stored while it was allowed)", async () => {
    const server = (fx.server = await startServer({ config: { webhooks: { ...FAST, allowHosts: [] } } }));
    const receiver = await receiverFor(fx);
    const prisma = server.app.database.prisma;
    // As if registered under an allowance that was later withdrawn: bypasses the API's check.
    await prisma.webhookEndpoint.create({ data: { url: receiver.url, events: JSON.stringify(["conversation.created"]), secret: "s".repeat(20) } });
    const { socket } = await connectVisitor(server);
    ok(await emitAck<Ack<{ conversation: ConversationDto }>>(socket, "conversation:open", { clientId: "o" }));
    await until(async () => (await prisma.webhookAttempt.count()) >= 2);
    const attempts = await prisma.webhookAttempt.findMany();
    for (const a of attempts) {
      expect(a.statusCode).toBeNull();
      expect(a.error).toMatch(/^refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1 \(loopback\)/);
    }
    expect(receiver.connections).toBe(0);
    expect(receiver.requests).toHaveLength(0);
  });
});
