// The checks every chat message passes (auth/policy.ts for who may write where, auth/abuse.ts for
// how fast), made by the message writer once per batch inside its transaction: a batch of any
// size costs at most two statements here (open sites, memberships; the visitor's count rides on
// the conversation row), where the same checks per message cost three round trips each and broke
// group commit. Nothing is cached,
// so a membership or block change elsewhere holds for the very next batch.
import type { AbuseLimits } from "../auth/abuse.ts";
import { agentsSeeSites } from "../auth/policy.ts";
import type { BatchGuard } from "../conversations/message-writer.ts";
import { DomainError } from "../errors.ts";

const MINUTE = 60_000;

/** A conversation the poster may not see is "not found", as in policy.conversationFor. */
const missing = () => new DomainError("not_found", "No such conversation");

/** `now`: the clock the minutes are read from (tests pin it) */
export function messageGuard(limits: Pick<AbuseLimits, "messagesPerMinute">, now: () => number = Date.now): BatchGuard {
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

    // Visitors: messages per conversation per clock minute, on the conversation's row (the
    // writer stores the window with the batch). Counting the stored messages instead read every
    // message of each conversation in the batch.
    const minute = Math.floor(now() / MINUTE);
    items.forEach((item, i) => {
      if (item.input.poster.kind !== "visitor" || verdicts[i] || item.retry) return;
      const w = item.window;
      // Only a later minute opens a new window: a process whose clock runs behind the one that
      // stored the window (several servers) must not reset it again and again.
      if (minute > w.minute) Object.assign(w, { minute, count: 0 });
      if (w.count >= limits.messagesPerMinute) verdicts[i] = new DomainError("rate_limited", "You are sending messages too fast; wait a moment");
      else w.count += 1;
    });
    return verdicts;
  };
}
