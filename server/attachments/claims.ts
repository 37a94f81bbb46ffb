// Attachments joining a message, inside the message writer's transaction. The writer holds the
// write lock on the conversation rows of its batch before calling this, and an attachment can only
// be claimed in its own conversation, so the check here and the conditional update below cannot
// race another claim. A batch without attachment ids costs no statement at all.
import { Prisma } from "../db/generated/sqlite/client.ts";
import type { SqlRunner } from "../db/sql.ts";
import { DomainError } from "../errors.ts";
import type { AttachmentDto, AuthorKind } from "../protocol.ts";
import { toAttachmentDto, type AttachmentRow } from "./dto.ts";

interface ClaimInput {
  conversationId: string;
  authorKind: AuthorKind;
  authorId: string | null;
  attachmentIds?: string[];
}

interface Candidate {
  conversationId: string;
  uploaderKind: string;
  uploaderId: string;
  messageId: string | null;
  dto: AttachmentDto;
}

/**
 * An attachment the batch had reserved was gone or taken when the batch wrote (e.g. the orphan
 * sweep deleted it meanwhile). The writer retries the batch item by item, so only the message
 * that named it fails.
 */
export class ClaimConflict extends DomainError {
  constructor() {
    super("conflict", "An attachment was claimed or removed meanwhile; upload it again");
  }
}

export interface AttachmentClaims {
  /** why this input's attachments cannot go on a message (null: they can; they are reserved for it) */
  refuse(input: ClaimInput): DomainError | null;
  /** records that `messageId` is the message `input` became; returns its attachments */
  bind(messageId: string, input: ClaimInput): AttachmentDto[];
  /** sets messageId on every bound attachment; throws ClaimConflict (rolling the batch back) if any was taken meanwhile */
  commit(tx: SqlRunner): Promise<ReadonlyMap<string, AttachmentDto[]>>;
}

const NONE: AttachmentClaims = {
  refuse: () => null,
  bind: () => [],
  commit: async () => new Map(),
};

export async function attachmentClaims(tx: SqlRunner, inputs: readonly ClaimInput[]): Promise<AttachmentClaims> {
  const ids = [...new Set(inputs.flatMap((i) => i.attachmentIds ?? []))];
  if (ids.length === 0) return NONE;
  const rows = await tx.$queryRaw<(AttachmentRow & Omit<Candidate, "dto">)[]>`SELECT "id", "name", "mime", "size", "durationMs", "conversationId", "uploaderKind", "uploaderId", "messageId"
    FROM "Attachment" WHERE "id" IN (${Prisma.join(ids)})`;
  const found = new Map<string, Candidate>(rows.map((r) => [r.id, { ...r, dto: toAttachmentDto(r) }]));
  const reserved = new Set<string>();
  const bound = new Map<string, string[]>();
  return {
    refuse(input) {
      const wanted = input.attachmentIds ?? [];
      if (new Set(wanted).size !== wanted.length) return new DomainError("bad_request", "An attachment is listed twice");
      for (const id of wanted) {
        const a = found.get(id);
        // One answer for unknown, someone else's and another conversation's: ids cannot be probed.
        if (!a || a.conversationId !== input.conversationId || a.uploaderKind !== input.authorKind || a.uploaderId !== input.authorId) {
          return new DomainError("bad_request", "Unknown attachment; upload the file again");
        }
        if (a.messageId !== null || reserved.has(id)) return new DomainError("bad_request", "That attachment is already on another message");
      }
      for (const id of wanted) reserved.add(id);
      return null;
    },
    bind(messageId, input) {
      const wanted = input.attachmentIds ?? [];
      if (wanted.length === 0) return [];
      bound.set(messageId, wanted);
      return wanted.map((id) => (found.get(id) as Candidate).dto);
    },
    async commit(t) {
      const out = new Map<string, AttachmentDto[]>();
      for (const [messageId, wanted] of bound) {
        const count = await t.$executeRaw`UPDATE "Attachment" SET "messageId" = ${messageId} WHERE "id" IN (${Prisma.join(wanted)}) AND "messageId" IS NULL`;
        if (count !== wanted.length) throw new ClaimConflict();
        out.set(messageId, wanted.map((id) => (found.get(id) as Candidate).dto));
      }
      return out;
    },
  };
}
