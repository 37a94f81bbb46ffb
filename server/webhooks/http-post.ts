// One outbound webhook request: the destination is checked (destination.ts) and the socket is
// pinned to the checked address, with one deadline over DNS, connect and response, and no
// redirects (a 3xx is an answer like any other non-2xx).
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { checkDestination, type Resolver } from "./destination.ts";

export interface PostOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface PostOptions {
  allowHosts: readonly string[];
  timeoutMs: number;
  resolve?: Resolver;
  /** aborts the request (shutdown) */
  signal?: AbortSignal;
}

/** Response bytes read before the connection is dropped: the body is not used. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export async function postJson(rawUrl: string, headers: Record<string, string>, body: string, opts: PostOptions): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  const why = () => (deadline.aborted ? `timed out after ${opts.timeoutMs} ms` : "aborted");
  const aborted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Error(why())), { once: true }));
  aborted.catch(() => undefined);
  try {
    const dest = await Promise.race([checkDestination(rawUrl, opts), aborted]);
    if (!dest.ok) return { statusCode: null, error: `refused: ${dest.reason}`, durationMs: elapsed() };
    const { address, family } = dest.address;
    // The socket connects to the address that was checked, whatever the name resolves to now.
    const pinned: LookupFunction = (_host, options, callback) => {
      if (options.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    };
    const statusCode = await new Promise<number>((resolve, reject) => {
      const client = dest.url.protocol === "https:" ? https : http;
      const req = client.request(
        {
          protocol: dest.url.protocol,
          hostname: dest.host,
          port: dest.url.port || undefined,
          path: `${dest.url.pathname}${dest.url.search}`,
          method: "POST",
          headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
          lookup: pinned,
          agent: false,
          signal,
        },
        (res) => {
          let seen = 0;
          res.on("data", (chunk: Buffer) => {
            seen += chunk.length;
            if (seen > MAX_RESPONSE_BYTES) res.destroy();
          });
          res.on("close", () => resolve(res.statusCode ?? 0));
          res.on("error", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", (err) => reject(signal.aborted ? new Error(why()) : err));
      req.end(body);
    });
    const error = statusCode >= 200 && statusCode < 300 ? null : statusCode >= 300 && statusCode < 400 ? `HTTP ${statusCode} (redirects are not followed)` : `HTTP ${statusCode}`;
    return { statusCode, error, durationMs: elapsed() };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { statusCode: null, error: e.code ? `${e.code}` : (e.message ?? "request failed"), durationMs: elapsed() };
  }
}
