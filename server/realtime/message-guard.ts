// The checks every chat message passes (auth/policy.ts for who may write where, auth/abuse.ts for
// how fast), made by the message writer once per batch inside its transaction: a batch of any
// size costs at most three statements here (visitor counts, open sites, memberships), where the
// same checks per message cost three round trips each and broke group commit. Nothing is cached,
// so a membership or block change elsewhere holds for the very next batch.
import type { AbuseLimits } from "../auth/abuse.ts";
import { agentsSeeSites } from "../auth/policy.ts";
import type { BatchGuard } from "../conversations/message-writer.ts";
import { Prisma } from "../db/generated/sqlite/client.ts";
import { DomainError } from "../errors.ts";

const MINUTE = 60_000;

/** A conversation the poster may not see is "not found", as in policy.conversationFor. */
const missing = () => new DomainError("not_found", "No such conversation");

export function messageGuard(limits: Pick<AbuseLimits, "messagesPerMinute">): BatchGuard {
  return async (tx, items) => {
    const verdicts: (DomainError | null)[] = items.map(({ input, conversation: c }) =>
      input.poster.kind === "visitor" && (c.visitorId !== input.poster.visitorId || c.siteId !== input.poster.siteId) ? missing() : null,
    );

    // Agents: the site must be theirs (admins see every site).
    const agentIdx = items.flatMap((item, i) => (item.input.poster.kind === "agent" && !verdicts[i] ? [i] : []));
    if (agentIdx.length) {
      const pairs = agentIdx.map((i) => {
        const poster = items[i].input.poster as Extract<(typeof items)[number]["input"]["poster"], { kind: "agent" }>;
        return { agent: { agentId: poster.agentId, role: poster.role }, siteId: items[i].conversation.siteId };
      });
      const seen = await agentsSeeSites(tx, pairs);
      agentIdx.forEach((i, k) => {
        if (!seen[k]) verdicts[i] = missing();
      });
    }

    // Visitors: messages per conversation per minute, counted from the stored messages (as
    // abuse.admitVisitorMessage does) plus the ones this batch admits before each.
    const counted = items.flatMap((item, i) => (item.input.poster.kind === "visitor" && !verdicts[i] && !item.retry ? [i] : []));
    if (counted.length) {
      const convIds = [...new Set(counted.map((i) => items[i].conversation.id))];
      // Raw SQL: one per batch with visitor messages, no query-compiler run.
      const recent = await tx.$queryRaw<{ conversationId: string; n: bigint | number }[]>`SELECT "conversationId", COUNT(*) AS "n" FROM "Message"
        WHERE "conversationId" IN (${Prisma.join(convIds)}) AND "authorKind" = 'visitor' AND "createdAt" >= ${new Date(Date.now() - MINUTE)}
        GROUP BY "conversationId"`;
      const tally = new Map(recent.map((r) => [r.conversationId, Number(r.n)]));
      for (const i of counted) {
        const id = items[i].conversation.id;
        const n = tally.get(id) ?? 0;
        if (n >= limits.messagesPerMinute) verdicts[i] = new DomainError("rate_limited", "You are sending messages too fast; wait a moment");
        else tally.set(id, n + 1);
      }
    }
    return verdicts;
  };
}
