// Who may call the REST API: an API token holding the route's scope, or an admin's console
// session. Each caller gets its own request budget (per process), so one runaway script slows
// only itself down.
import type { Request } from "express";
import type { Db } from "../db/client.ts";
import { TokenBucket } from "../auth/rate-limit.ts";
import { DomainError } from "../errors.ts";
import { callerOf, type Caller } from "./authn.ts";

export const API_SCOPES = ["conversations:read", "conversations:write", "webhooks:read", "webhooks:write"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const API_RATE_BURST = 60;
export const API_RATE_PER_SECOND = 10;
const MAX_BUCKETS = 10_000;

export class ApiAccess {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly db: Db) {}

  async require(req: Request, scope: ApiScope): Promise<Caller> {
    const caller = await callerOf(this.db, req);
    if (!caller) throw new DomainError("unauthorized", "Send an API token (Authorization: Bearer pk_...) or sign in as an admin");
    if (caller.kind === "agent" && caller.role !== "admin") throw new DomainError("forbidden", "Only admins can use this API from the console");
    if (caller.kind === "token" && !caller.scopes.includes(scope) && !caller.scopes.includes("*")) {
      throw new DomainError("forbidden", `This token lacks the ${scope} scope`);
    }
    this.spend(caller.kind === "token" ? `t:${caller.tokenId}` : `a:${caller.agentId}`);
    return caller;
  }

  private spend(key: string): void {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
      bucket = new TokenBucket(API_RATE_BURST, API_RATE_PER_SECOND);
      this.buckets.set(key, bucket);
    }
    if (!bucket.take()) throw new DomainError("rate_limited", "Too many requests; slow down");
  }
}

/** For logs: who did it, without the credential. */
export function actorOf(caller: Caller): { by: string } {
  return { by: caller.kind === "token" ? `token:${caller.tokenId}` : `agent:${caller.agentId}` };
}
