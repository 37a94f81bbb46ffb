// A real webhook receiver on 127.0.0.1 (port 0) for the tests: it verifies each delivery's
// signature the way the README tells integrators to, keeps every request and a log
// de-duplicated by event id, and can fail on purpose. Waiting is event-driven, never a sleep.
import { createHmac, timingSafeEqual } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebhookEnvelope } from "../../server/protocol.ts";

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  envelope: WebhookEnvelope;
  /** the signature checked out against `secret` */
  verified: boolean;
  status: number;
}

/** The README's check, written independently of the server's code. */
export function verify(secret: string, headers: IncomingHttpHeaders, raw: string): boolean {
  const timestamp = String(headers["x-parley-timestamp"] ?? "");
  const signature = String(headers["x-parley-signature"] ?? "");
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = "sha256=" + createHmac("sha256", secret).update(`${timestamp}.${raw}`).digest("hex");
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

export class Receiver {
  readonly requests: Received[] = [];
  /** event id -> first envelope accepted with a 2xx */
  readonly log = new Map<string, WebhookEnvelope>();
  connections = 0;
  secret = "";
  /** answers with this status (instead of 204) while it returns a number */
  failWith: (envelope: WebhookEnvelope, attempt: number) => number | null = () => null;
  private readonly events = new EventEmitter();
  private readonly attemptsPerEvent = new Map<string, number>();
  private server: Server | null = null;
  url = "";

  async start(path = "/hooks/parley"): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const envelope = JSON.parse(raw) as WebhookEnvelope;
        const attempt = (this.attemptsPerEvent.get(envelope.id) ?? 0) + 1;
        this.attemptsPerEvent.set(envelope.id, attempt);
        const status = this.failWith(envelope, attempt) ?? 204;
        const rec: Received = { headers: req.headers, raw, envelope, verified: verify(this.secret, req.headers, raw), status };
        this.requests.push(rec);
        if (status < 300 && rec.verified && !this.log.has(envelope.id)) this.log.set(envelope.id, envelope);
        res.statusCode = status;
        res.end();
        this.events.emit("request", rec);
      });
    });
    this.server.on("connection", () => this.connections++);
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  /** Resolves once `check()` holds, re-checking after every request. */
  until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off("request", listener);
        reject(new Error(`receiver: condition not met within ${timeoutMs} ms (${this.requests.length} requests, ${this.log.size} events)`));
      }, timeoutMs);
      const listener = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.events.off("request", listener);
        resolve();
      };
      this.events.on("request", listener);
    });
  }

  ofType<T extends WebhookEnvelope["type"]>(type: T): WebhookEnvelope<T>[] {
    return [...this.log.values()].filter((e): e is WebhookEnvelope<T> => e.type === type);
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
