// A self-contained, printable HTML transcript: no script, no external asset, every user string
// escaped. The only inline style is allowed by its hash in the Content-Security-Policy sent
// with it, so nothing injected could style or script the page either.
import { createHash } from "node:crypto";
import type { TranscriptDto, TranscriptMessageDto } from "../protocol.ts";
import type { TranscriptGrant } from "./access.ts";
import { authorLabel, readableTime } from "./txt.ts";

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: #111; background: #fff; margin: 2rem auto; max-width: 48rem; padding: 0 1rem; }
h1 { font-size: 1.35rem; margin: 0 0 .5rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 1.5rem; color: #333; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
ol.messages { list-style: none; margin: 0; padding: 0; }
li.msg { margin: 0 0 .75rem; padding: .5rem .75rem; border-left: 3px solid #8aa; break-inside: avoid; page-break-inside: avoid; }
li.msg.agent { border-color: #36c; }
li.msg.system { border-color: #999; color: #444; }
li.msg.note { border-color: #c90; background: #fff8e6; }
.head { font-size: .85rem; color: #555; margin-bottom: .2rem; }
.author { font-weight: 600; color: #111; }
.body { white-space: pre-wrap; overflow-wrap: anywhere; }
@page { margin: 15mm; }
@media print { body { margin: 0; max-width: none; } li.msg { border-left-width: 2px; } }
`;

const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

/** Sent with the page: nothing loads, nothing runs, the page cannot be framed. */
export const TRANSCRIPT_HTML_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "sandbox",
].join("; ");

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "\r": "&#13;" };

/** Escapes text for element content and quoted attributes. CR is kept as a character reference,
 *  since the HTML parser would otherwise fold CRLF into LF and the body would not round-trip. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (ch) => ESCAPES[ch]);
}

function metaRow(label: string, value: string): string {
  return `<dt>${escapeHtml(label)}</dt><dd><bdi>${escapeHtml(value)}</bdi></dd>`;
}

function messageItem(m: TranscriptMessageDto): string {
  const classes = ["msg", m.authorKind, ...(m.note ? ["note"] : [])].join(" ");
  return (
    `<li class="${classes}" data-seq="${m.seq}" data-author-kind="${escapeHtml(m.authorKind)}" data-note="${m.note}">` +
    `<div class="head"><bdi class="author">${escapeHtml(authorLabel(m))}</bdi> · <time datetime="${escapeHtml(m.createdAt)}">${escapeHtml(readableTime(m.createdAt))}</time></div>` +
    `<div class="body" dir="auto">${escapeHtml(m.body)}</div>` +
    // attachment URLs are absolute (the file may be read far from Parley); opening one needs a sign-in
    m.attachments.map((a) => `<div class="attachment"><a href="${escapeHtml(a.url)}" rel="noopener noreferrer">${escapeHtml(a.name)}</a> (${a.size} bytes)</div>`).join("") +
    `</li>`
  );
}

export function transcriptHtml(t: TranscriptDto, audience: TranscriptGrant["audience"]): string {
  const c = t.conversation;
  const meta = [metaRow("Site", t.site.name), metaRow("Started", readableTime(c.createdAt))];
  if (c.closedAt) meta.push(metaRow("Closed", readableTime(c.closedAt)));
  if (t.agents.length) meta.push(metaRow("Agents", t.agents.map((a) => a.name).join(", ")));
  if (audience === "staff") {
    meta.push(metaRow("Visitor", [t.visitor.name, t.visitor.email ? `<${t.visitor.email}>` : null].filter(Boolean).join(" ") || "anonymous"));
    meta.push(metaRow("Status", c.status), metaRow("Conversation id", c.id));
    if (c.tags.length) meta.push(metaRow("Tags", c.tags.join(", ")));
  }
  if (c.rating !== null) meta.push(metaRow("Rating", `${c.rating}/5`));
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="referrer" content="no-referrer">` +
    `<title>${escapeHtml(`Transcript – ${t.site.name} – ${readableTime(c.createdAt)}`)}</title>` +
    `<style>${STYLE}</style></head>\n<body><main>` +
    `<h1>Conversation with <bdi>${escapeHtml(t.site.name)}</bdi></h1>` +
    `<dl class="meta">${meta.join("")}</dl>\n` +
    `<ol class="messages">\n${t.messages.map(messageItem).join("\n")}\n</ol></main></body></html>\n`
  );
}
