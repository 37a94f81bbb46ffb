// The client's address for sockets, read the way Express reads req.ip with `trust proxy:
// loopback`: a proxy on this machine is trusted to name the client (the last X-Forwarded-For
// entry, the one it added itself); anyone else is who they connect from.
import { isLoopback } from "./abuse.ts";

export function socketClientIp(handshake: { address: string; headers: Record<string, string | string[] | undefined> }): string {
  const direct = handshake.address;
  if (!isLoopback(direct)) return direct;
  const header = handshake.headers["x-forwarded-for"];
  const value = Array.isArray(header) ? header.join(",") : header;
  const last = value?.split(",").map((s) => s.trim()).filter(Boolean).pop();
  return last && last.length <= 64 ? last : direct;
}
