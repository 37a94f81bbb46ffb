// Checks a webhook URL before any connection: scheme, no credentials, and every address its host
// resolves to (refused unless the admin allowed it). The caller connects to the address returned
// here, never resolving again, so DNS cannot change the answer between check and connect.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { allowedByList, refusalReason } from "./address-guard.ts";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export type Destination = { ok: true; url: URL; host: string; address: ResolvedAddress } | { ok: false; reason: string };

/** Scheme and shape only (no DNS): what a URL must be before it is even looked up. */
export function urlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a valid URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "only http and https URLs are allowed";
  if (url.username || url.password) return "credentials in the URL are not allowed; use the signing secret";
  if (!url.hostname) return "the URL has no host";
  return null;
}

export async function checkDestination(raw: string, opts: { allowHosts: readonly string[]; resolve?: Resolver }): Promise<Destination> {
  const problem = urlProblem(raw);
  if (problem) return { ok: false, reason: problem };
  const url = new URL(raw);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: ResolvedAddress[];
  const family = isIP(host);
  if (family) {
    addresses = [{ address: host, family: family === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await (opts.resolve ?? systemResolver)(host);
    } catch (err) {
      return { ok: false, reason: `could not resolve ${host} (${(err as { code?: string }).code ?? "DNS error"})` };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} has no address` };
  // Every address must pass: a name that resolves to one public and one internal address
  // would otherwise let the connection pick the internal one.
  for (const a of addresses) {
    const reason = refusalReason(a.address);
    if (reason && !allowedByList(opts.allowHosts, host, a.address)) {
      return { ok: false, reason: `${host} resolves to ${a.address} (${reason}); an admin can allow it with PARLEY_WEBHOOK_ALLOW_HOSTS` };
    }
  }
  return { ok: true, url, host, address: addresses[0] };
}
