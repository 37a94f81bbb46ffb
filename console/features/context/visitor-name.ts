import type { VisitorDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";

/** The visitor's name, or "Visitor 3fa2" from the id so anonymous chats can be told apart. */
export function visitorName(v: VisitorDto): string {
  return v.name ?? t("visitor.anonymousId", { id: v.id.slice(-4) });
}
