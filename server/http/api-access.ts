// Who may call the REST API: an API token holding the route's scope, or an admin's console
// session. Each caller gets its own request budget, so one runaway script slows only itself
// down: a token bucket in this process (bursts, no I/O when refused) and a window counted in the
// database, which every process shares.
import type { Request } from "express";
import type { Db } from "../db/client.ts";
import { KeyedBuckets } from "../auth/rate-limit.ts";
import { hitWindow } from "../auth/abuse.ts";
import { DomainError } from "../errors.ts";
import { callerOf, type Caller } from "./authn.ts";

export const API_SCOPES = ["conversations:read", "conversations:write", "webhooks:read", "webhooks:write"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const API_RATE_BURST = 60;
export const API_RATE_PER_SECOND = 10;
/** the shared window: what one process's bucket would let through in it */
export const API_RATE_WINDOW_MS = 10_000;
const API_RATE_PER_WINDOW = API_RATE_BURST + API_RATE_PER_SECOND * (API_RATE_WINDOW_MS / 1000);
const TOO_MANY = "Too many requests; slow down";

export class ApiAccess {
  private readonly buckets = new KeyedBuckets(API_RATE_BURST, API_RATE_PER_SECOND);

  constructor(private readonly db: Db) {}

  async require(req: Request, scope: ApiScope): Promise<Caller> {
    const caller = await callerOf(this.db, req);
    if (!caller) throw new DomainError("unauthorized", "Send an API token (Authorization: Bearer pk_...) or sign in as an admin");
    if (caller.kind === "agent" && caller.role !== "admin") throw new DomainError("forbidden", "Only admins can use this API from the console");
    if (caller.kind === "token" && !caller.scopes.includes(scope) && !caller.scopes.includes("*")) {
      throw new DomainError("forbidden", `This token lacks the ${scope} scope`);
    }
    const key = caller.kind === "token" ? `t:${caller.tokenId}` : `a:${caller.agentId}`;
    if (!this.buckets.take(key)) throw new DomainError("rate_limited", TOO_MANY);
    await hitWindow(this.db, `api:${key}`, API_RATE_WINDOW_MS, API_RATE_PER_WINDOW, TOO_MANY);
    return caller;
  }
}

/** For logs: who did it, without the credential. */
export function actorOf(caller: Caller): { by: string } {
  return { by: caller.kind === "token" ? `token:${caller.tokenId}` : `agent:${caller.agentId}` };
}
