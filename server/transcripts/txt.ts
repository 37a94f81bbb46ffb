// Plain-text transcript: a short header, then each message as a "[time] Name (role):" line with
// its body indented by two spaces, so a body line can never pass for a message header.
import type { TranscriptDto, TranscriptMessageDto } from "../protocol.ts";
import type { TranscriptGrant } from "./access.ts";
import { attachmentLabel } from "../attachments/dto.ts";

export const BODY_INDENT = "  ";

/** "2026-11-22 20:53:25 UTC": readable, unambiguous, the same on every machine. */
export function readableTime(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
}

/** Names and tags go on one header line: control characters there could forge another line. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ");
}

export function authorLabel(m: TranscriptMessageDto): string {
  const name = oneLine(m.authorName ?? (m.authorKind === "visitor" ? "Visitor" : m.authorKind === "agent" ? "Agent" : "Parley"));
  const role = m.note ? `${m.authorKind}, private note` : m.authorKind;
  return `${name} (${role})`;
}

export function transcriptText(t: TranscriptDto, audience: TranscriptGrant["audience"]): string {
  const c = t.conversation;
  const lines: string[] = [`Conversation with ${oneLine(t.site.name)}`, `Started: ${readableTime(c.createdAt)}`];
  if (c.closedAt) lines.push(`Closed: ${readableTime(c.closedAt)}`);
  if (t.agents.length) lines.push(`Agents: ${t.agents.map((a) => oneLine(a.name)).join(", ")}`);
  if (audience === "staff") {
    const who = oneLine([t.visitor.name, t.visitor.email ? `<${t.visitor.email}>` : null].filter(Boolean).join(" "));
    lines.push(`Visitor: ${who || "anonymous"}`, `Conversation id: ${c.id}`, `Status: ${c.status}`);
    if (c.tags.length) lines.push(`Tags: ${oneLine(c.tags.join(", "))}`);
  }
  if (c.rating !== null) lines.push(`Rating: ${c.rating}/5`);
  lines.push("");
  for (const m of t.messages) {
    lines.push(`[${readableTime(m.createdAt)}] ${authorLabel(m)}:`);
    for (const bodyLine of m.body.split("\n")) lines.push(BODY_INDENT + bodyLine);
    for (const a of m.attachments) lines.push(`${BODY_INDENT}[attachment: ${oneLine(attachmentLabel(a))}]`);
    lines.push("");
  }
  return lines.join("\n");
}
