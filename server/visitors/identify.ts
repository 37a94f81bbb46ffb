// Parley('identify'): the site's own user id for a visitor. Signed ids (HMAC-SHA256 of the id
// with the site's identity secret) mark the visitor as identified; unsigned ones are refused
// when the site requires signing and otherwise kept only as an unverified attribute, so nobody
// can claim another user's identity by guessing an id.
import type { Db } from "../db/client.ts";
import { hmacHex, safeEqualHex } from "../auth/tokens.ts";
import { DomainError } from "../errors.ts";
import type { IdentifyInput } from "../protocol.ts";
import { parseJsonObject } from "../json-text.ts";
import { recordEvent } from "../webhooks/outbox.ts";
import { toVisitorDto, updateVisitor, type VisitorRow } from "./service.ts";

export const UNVERIFIED_ID_ATTRIBUTE = "unverifiedUserId";

export interface IdentifySite {
  identitySecret: string;
  requireIdentity: boolean;
}

export function identityHash(secret: string, id: string): string {
  return hmacHex(secret, id);
}

export async function identifyVisitor(db: Db, visitorId: string, site: IdentifySite, input: IdentifyInput) {
  let verified = false;
  if (input.hash !== undefined) {
    if (!safeEqualHex(input.hash.toLowerCase(), identityHash(site.identitySecret, input.id))) {
      throw new DomainError("forbidden", "The identity hash does not match this id (HMAC-SHA256 of the id with the site's identity secret)");
    }
    verified = true;
  } else if (site.requireIdentity) {
    throw new DomainError("forbidden", "This site requires a signed identify: pass hash = HMAC-SHA256(id, identity secret)");
  }
  return db.$transaction(async (tx) => {
    const before = await tx.visitor.findUniqueOrThrow({ where: { id: visitorId } });
    if (verified) {
      // A verified visitor stays who they are: switching users on one browser needs Parley('reset').
      const claimed = await tx.visitor.updateMany({
        where: { id: visitorId, OR: [{ externalId: null }, { externalId: input.id }] },
        data: { externalId: input.id },
      });
      if (claimed.count === 0) throw new DomainError("conflict", "This visitor is identified as another user; call Parley('reset') first");
    }
    const after = await updateVisitor(tx, visitorId, {
      name: input.name,
      email: input.email,
      attributes: verified ? undefined : { [UNVERIFIED_ID_ATTRIBUTE]: input.id },
    });
    // Host pages identify on every page load: only a change is an event.
    if (identityOf(before) !== identityOf(after)) {
      await recordEvent(tx, "visitor.identified", () => ({ visitor: toVisitorDto(after), userId: after.externalId, verified }));
    }
    return after;
  });
}

function identityOf(v: VisitorRow): string {
  return JSON.stringify([v.externalId, v.name, v.email, parseJsonObject(v.attributes)[UNVERIFIED_ID_ATTRIBUTE] ?? null]);
}
