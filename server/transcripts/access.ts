// Who may read which transcript. Agents see the sites they belong to, admins every site, API
// tokens with the transcripts scope everything (they are created by admins), and a visitor only
// the plain text of a conversation their own token opened.
import type { Db } from "../db/client.ts";
import { DomainError } from "../errors.ts";
import type { TranscriptFormat } from "./formats.ts";

export const TRANSCRIPT_SCOPE = "transcripts:read";

export type TranscriptReader =
  | { kind: "agent"; agentId: string; role: "admin" | "agent" }
  | { kind: "token"; tokenId: string; scopes: string[] }
  | { kind: "visitor"; visitorId: string; siteId: string };

// Site membership lives in the authorization policy; re-exported for the export code.
export { canAgentSeeSite, visibleSiteIds } from "../auth/policy.ts";
import { canAgentSeeSite } from "../auth/policy.ts";

export function hasTranscriptScope(scopes: readonly string[]): boolean {
  return scopes.includes(TRANSCRIPT_SCOPE) || scopes.includes("*");
}

export interface TranscriptGrant {
  /** private notes go into the transcript */
  notes: boolean;
  /** what the reader may see of agent-side data (tags, visitor contact details) */
  audience: "staff" | "visitor";
}

/** Decides whether `reader` may read this conversation in `format`; throws forbidden otherwise. */
export async function authorizeTranscript(
  db: Db,
  reader: TranscriptReader,
  conversation: { siteId: string; visitorId: string },
  format: TranscriptFormat,
  wantsNotes: boolean,
): Promise<TranscriptGrant> {
  switch (reader.kind) {
    case "agent":
      if (!(await canAgentSeeSite(db, reader, conversation.siteId))) throw new DomainError("forbidden", "You are not an agent of this conversation's site");
      return { notes: wantsNotes, audience: "staff" };
    case "token":
      if (!hasTranscriptScope(reader.scopes)) throw new DomainError("forbidden", `This token lacks the ${TRANSCRIPT_SCOPE} scope`);
      // Notes are for agents only: a script's token never carries them out.
      return { notes: false, audience: "staff" };
    case "visitor":
      if (reader.siteId !== conversation.siteId || reader.visitorId !== conversation.visitorId) {
        throw new DomainError("forbidden", "This is not your conversation");
      }
      if (format !== "txt") throw new DomainError("forbidden", "Visitors can download the plain-text transcript only");
      return { notes: false, audience: "visitor" };
  }
}
