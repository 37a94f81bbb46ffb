// Fuzz: thousands of random and malformed payloads (wrong types, huge strings, deep nesting,
// prototype-pollution keys, lone surrogates, invalid UTF-8, unknown ids) at every socket event
// and every JSON route. The server answers each with an error code, stays up, and the database
// is unchanged. Seeded, so a failure reproduces: FUZZ_SEED=<n> npx vitest run test/security/fuzz.test.ts
import { afterEach, expect, test } from "vitest";
import type { Socket } from "socket.io-client";
import { HTTP_ROUTES, SOCKET_EVENTS } from "../../server/auth/policy.ts";
import { MAX_PACKET_BYTES, type Ack } from "../../server/protocol.ts";
import { addAgent, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, connectAgent, connectVisitor, login } from "../helpers/clients.ts";
import { emitAck } from "../helpers/wait.ts";
import { seededRandom } from "../routing/seeded-random.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const PER_EVENT = 80;
const PER_ROUTE = 30;
/** events for which a random payload can be valid without changing shared data */
const MAY_ACCEPT = ["conversation:list", "queue:list", "agents:list", "visitor:update"];
const CODES = ["bad_request", "unauthorized", "forbidden", "not_found", "conflict", "rate_limited", "blocked", "too_large", "not_eligible"];


function fuzzer(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const nasty = [
    "",
    "\ud800",
    "a\udfffb",
    "\u202e<script>alert(1)</script>",
    "x".repeat(70_000),
    "__proto__",
    "constructor",
    "c".repeat(65),
    "cm0000000000000000000000",
    "' OR 1=1 --",
    "%00\u0000",
    "../../etc/passwd",
  ];
  const deep = (depth: number): unknown => (depth === 0 ? 1 : rand() < 0.5 ? [deep(depth - 1)] : { a: deep(depth - 1) });
  const field = () => pick(["conversationId", "body", "clientId", "afterSeq", "seq", "typing", "status", "tags", "name", "email", "id", "hash", "rating", "message", "fields", "toAgentId", "mine", "ip", "__proto__", "constructor", "prototype"]);
  const value = (depth = 0): unknown => {
    const r = rand();
    if (r < 0.12) return pick(nasty);
    if (r < 0.2) return Math.floor(rand() * 2 ** 40) * (rand() < 0.5 ? -1 : 1);
    if (r < 0.25) return pick([0, -1, 1.5, Number.MAX_SAFE_INTEGER, 1e308, true, false, null]);
    if (r < 0.3) return deep(1 + Math.floor(rand() * 400));
    if (r < 0.55 && depth < 3) {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--) o[field()] = value(depth + 1);
      if (rand() < 0.2) return JSON.parse(`{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`);
      return o;
    }
    if (r < 0.65 && depth < 3) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    return `s${Math.floor(rand() * 1e6)}`;
  };
  return { value, pick };
}

/** Every table's rows, except counters that a refused request may legitimately touch. */
async function snapshot(server: TestServer): Promise<Record<string, string>> {
  const db = server.app.database.prisma;
  const tables = await db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name`);
  // counters, not data: refused sign-ins count, connections come and go, and the routing lease's
  // "dirty" mark only asks the next drain to look again
  const skip = new Set(["LoginThrottle", "AbuseEvent", "AgentConnection", "RoutingLease"]);
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    if (skip.has(name)) continue;
    // A visitor may set their own name, e-mail and attributes: a random payload that happens to
    // be valid ("constructor" is a fine name) changes those, legitimately; everything else is compared.
    const columns = name === "Visitor" ? `"id", "siteId", "tokenHash", "externalId", "createdAt"` : "*";
    const rows = await db.$queryRawUnsafe<unknown[]>(`SELECT ${columns} FROM "${name}" ORDER BY 1`);
    out[name] = JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 1);
  }
  return out;
}

/** encodeURIComponent, except that a lone surrogate becomes its (invalid) UTF-8 bytes */
function uriOf(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return "%ED%A0%80" + encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ""));
  }
}

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
});

test(`random and malformed payloads at every socket event and JSON route (seed ${SEED})`, { timeout: 120_000 }, async () => {
  server = await startServer({ config: { rateBurst: 1_000_000, ratePerSecond: 1_000_000 } });
  const s = server;
  await addAgent(s, { email: "admin@example.test", role: "admin" });
  const cookie = (await login(s, "admin@example.test")).cookie;
  const agent = await connectAgent(s, cookie);
  const visitor = (await connectVisitor(s)).socket;
  const opened = await emitAck<Ack<{ conversation: { id: string } }>>(visitor, "conversation:open", { clientId: "c", message: { clientId: "m", body: "seed" } });
  if (!opened.ok) throw new Error(opened.error.message);
  const before = await snapshot(s);
  const rand = seededRandom(SEED);
  const { value, pick } = fuzzer(rand);
  let sent = 0;

  const sockets: [Socket, string[]][] = [
    [agent, Object.keys(SOCKET_EVENTS.agent)],
    [visitor, Object.keys(SOCKET_EVENTS.visitor)],
  ];
  for (const [socket, events] of sockets) {
    for (const event of events) {
      for (let i = 0; i < PER_EVENT; i++) {
        // Packets over MAX_PACKET_BYTES end the connection by design (checked once below).
        let payload = value();
        while ((JSON.stringify(payload)?.length ?? 0) > 60_000) payload = value();
        // reads answer ok for a payload that happens to be valid (e.g. {} for a list); nothing may change
        const ack = await emitAck<Ack<unknown>>(socket, event, payload);
        sent++;
        const where = `${event} #${i} ${JSON.stringify(payload)?.slice(0, 200)}`;
        if (ack.ok) expect(MAY_ACCEPT, where).toContain(event);
        else expect(CODES, where).toContain(ack.error.code);
        expect(socket.connected, `${event} #${i} disconnected the socket`).toBe(true);
      }
    }
  }

  const bodies = (): string | Uint8Array<ArrayBuffer> => {
    const r = rand();
    if (r < 0.15) return new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]); // invalid UTF-8 in a string
    if (r < 0.25) return pick(["{", "[1,", "nul", '{"a":}', "\u0000", '"\\ud800"']);
    if (r < 0.3) return `{"a":"${"x".repeat(80_000)}"}`; // over the body limit
    return JSON.stringify(value()) ?? "null";
  };
  for (const key of Object.keys(HTTP_ROUTES)) {
    const [method, template] = key.split(" ");
    // sign-out would end the admin's session: a change by design, not a fuzz finding
    if (method === "OPTIONS" || key === "POST /api/v1/auth/logout") continue;
    for (let i = 0; i < PER_ROUTE; i++) {
      // already percent-encoded: "%ED%A0%80" is a lone surrogate as (invalid) UTF-8, "%" a broken escape
      const path = template.replace(/:([a-zA-Z]+)/g, () => pick(["nope", "%ED%A0%80x", "%", "..", "c".repeat(200), "__proto__", "%FF%FE"]));
      const query = `?${pick(["q", "cursor", "site", "__proto__", "from", "tag", "rating", "to"])}=${uriOf(String(value()).slice(0, 500))}`;
      const hasBody = method !== "GET" && method !== "DELETE";
      const res = await fetch(`${s.url}${path}${method === "GET" ? query : ""}`, {
        method,
        headers: { cookie, "x-parley-csrf": "1", ...(hasBody ? { "content-type": "application/json" } : {}) },
        body: hasBody ? bodies() : undefined,
      });
      sent++;
      const text = await res.text();
      const where = `${key} #${i} ${res.status} ${text.slice(0, 200)}`;
      expect(res.status, where).toBeLessThan(500);
      if (res.status >= 400) expect(CODES, where).toContain((JSON.parse(text) as { error: { code: string } }).error.code);
    }
  }

  expect(sent).toBeGreaterThan(3000);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(await snapshot(s)).toEqual(before);
  // an oversize packet drops only the connection that sent it
  const big = (await connectVisitor(s)).socket;
  const dropped = new Promise<string>((resolve) => big.once("disconnect", (reason) => resolve(reason)));
  big.emit("message:send", { conversationId: "x", clientId: "y", body: "z".repeat(MAX_PACKET_BYTES * 2) });
  expect(await dropped).toBe("transport close");
  expect(visitor.connected && agent.connected).toBe(true);

  // still serving
  expect((await fetch(`${s.url}/healthz`)).status).toBeLessThan(500);
  expect(await emitAck(visitor, "messages:since", { conversationId: opened.data.conversation.id, afterSeq: 0 })).toMatchObject({ ok: true });
});
