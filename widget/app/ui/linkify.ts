// Splits message text into plain runs and web links. Only http(s) URLs become links, and the
// text is never parsed as HTML: the caller renders each part as a text node or an <a>.
export interface Part {
  text: string;
  href?: string;
}

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that ends a sentence rather than the URL ("see https://x.example/a.").
const TRAILING = /[.,;:!?)\]}'"]+$/;

export function linkify(text: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index ?? 0;
    const url = match[0].replace(TRAILING, "");
    if (start > at) parts.push({ text: text.slice(at, start) });
    let href: string | undefined;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
    } catch {
      href = undefined;
    }
    parts.push(href ? { text: url, href } : { text: url });
    at = start + url.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}
