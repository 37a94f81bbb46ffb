// The SSRF guard's decision: may Parley send a request to this address? Loopback, private,
// link-local (with the cloud metadata address), unique-local, multicast, reserved and
// documentation ranges are refused, including IPv4 hidden in IPv6 (mapped, compatible, NAT64,
// 6to4). Pure functions over address strings, so the decision is tested without any connection.
import { isIP } from "node:net";

type Bytes = number[];

function v4Bytes(ip: string): Bytes | null {
  const parts = ip.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

function v6Bytes(input: string): Bytes | null {
  const ip = input.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (isIP(ip) !== 6) return null;
  let tail: Bytes = [];
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted) {
    const v4 = v4Bytes(dotted[1]);
    if (!v4) return null;
    tail = v4;
    text = ip.slice(0, -dotted[1].length) + "0:0";
  }
  const [head, rest] = text.includes("::") ? text.split("::") : [text, null];
  const groups = (s: string) => (s ? s.split(":") : []);
  const h = groups(head);
  const r = rest === null ? [] : groups(rest);
  const missing = 8 - h.length - r.length;
  const all = rest === null ? h : [...h, ...Array<string>(missing).fill("0"), ...r];
  if (all.length !== 8) return null;
  const bytes = all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** 4 or 16 bytes, or null when `ip` is not an address. */
export function addressBytes(ip: string): Bytes | null {
  return v4Bytes(ip) ?? v6Bytes(ip);
}

interface Range {
  bytes: Bytes;
  prefix: number;
  label: string;
}

function range(cidr: string, label: string): Range {
  const [addr, bits] = cidr.split("/");
  const bytes = addressBytes(addr);
  if (!bytes) throw new Error(`bad range ${cidr}`);
  return { bytes, prefix: Number(bits), label };
}

export function inRange(bytes: Bytes, r: Pick<Range, "bytes" | "prefix">): boolean {
  if (bytes.length !== r.bytes.length) return false;
  for (let bit = 0; bit < r.prefix; bit++) {
    const mask = 0x80 >> bit % 8;
    if ((bytes[bit >> 3] & mask) !== (r.bytes[bit >> 3] & mask)) return false;
  }
  return true;
}

const METADATA = "169.254.169.254";

const V4: Range[] = [
  range("0.0.0.0/8", "this-network"),
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "shared address space"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local"),
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "IETF protocol assignments"),
  range("192.0.2.0/24", "documentation"),
  range("192.88.99.0/24", "6to4 relay"),
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "benchmarking"),
  range("198.51.100.0/24", "documentation"),
  range("203.0.113.0/24", "documentation"),
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved"),
];

const V6: Range[] = [
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("100::/64", "discard-only"),
  range("2001::/23", "IETF protocol assignments"),
  range("2001:db8::/32", "documentation"),
  range("64:ff9b:1::/48", "local-use NAT64"),
  range("fc00::/7", "unique-local"),
  range("fe80::/10", "link-local"),
  range("fec0::/10", "site-local"),
  range("ff00::/8", "multicast"),
];

/** IPv6 forms that carry an IPv4 address, and where it sits. */
const EMBEDDED: { range: Range; at: number }[] = [
  { range: range("::ffff:0:0/96", "IPv4-mapped"), at: 12 },
  { range: range("::/96", "IPv4-compatible"), at: 12 },
  { range: range("64:ff9b::/96", "NAT64"), at: 12 },
  { range: range("2002::/16", "6to4"), at: 2 },
];

/** Why `ip` is refused ("loopback", "IPv4-mapped private" ...), or null when it is a public address. */
export function refusalReason(ip: string): string | null {
  const bytes = addressBytes(ip);
  if (!bytes) return "not an IP address";
  if (bytes.length === 4) {
    if (bytes.join(".") === METADATA) return "cloud metadata (link-local)";
    return V4.find((r) => inRange(bytes, r))?.label ?? null;
  }
  const own = V6.find((r) => inRange(bytes, r));
  if (own) return own.label;
  for (const e of EMBEDDED) {
    if (!inRange(bytes, e.range)) continue;
    const inner = refusalReason(bytes.slice(e.at, e.at + 4).join("."));
    if (inner) return `${e.range.label} ${inner}`;
  }
  return null;
}

/** The IPv4 address inside an IPv4-mapped IPv6 one, else the address as given. */
function comparable(ip: string): Bytes | null {
  const bytes = addressBytes(ip);
  if (bytes?.length === 16 && inRange(bytes, EMBEDDED[0].range)) return bytes.slice(12);
  return bytes;
}

/**
 * The admin's explicit allowance: an entry is a host name (as written in the URL), an address,
 * or a CIDR range of addresses.
 */
export function allowedByList(entries: readonly string[], hostname: string, ip: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const addr = comparable(ip);
  return entries.some((raw) => {
    const entry = raw.replace(/^\[|\]$/g, "").toLowerCase();
    if (entry === host) return true;
    if (!addr) return false;
    const slash = entry.lastIndexOf("/");
    if (slash > 0) {
      const base = comparable(entry.slice(0, slash));
      const prefix = Number(entry.slice(slash + 1));
      return base !== null && Number.isInteger(prefix) && inRange(addr, { bytes: base, prefix });
    }
    const exact = comparable(entry);
    return exact !== null && exact.length === addr.length && exact.every((b, i) => b === addr[i]);
  });
}
