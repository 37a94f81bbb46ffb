// Origin checks for the widget: a site's visitors are accepted only from its allowed origins.

/** Normalises "https://Example.com:443/" to "https://example.com"; null when not an origin. */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    return url.origin;
  } catch {
    return null;
  }
}

export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (!origin) return false;
  const o = normalizeOrigin(origin);
  return o !== null && allowed.some((a) => normalizeOrigin(a) === o);
}

/**
 * True when `origin` is the server's own origin as the browser reached it (its host equals the
 * request's Host header): the widget's iframe page, served by Parley itself.
 */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false;
  const o = normalizeOrigin(origin);
  return o !== null && new URL(o).host === host.toLowerCase();
}

/**
 * Where a request comes from. Browsers put Origin on every cross-origin request a page can read
 * the answer of (fetch, XHR, WebSocket) and leave it out only of same-origin GETs (the iframe's
 * long-polling handshake, /demo's config fetch). So a missing Origin is trusted only when the
 * Referer names Parley itself (`host`): a Referer naming any other origin, even an allowed one,
 * comes from a request whose answer that page cannot read (an <img>, a <script>) or from a
 * client that is not a browser, and counts as no origin at all. "null" (sandboxed frames, file:)
 * is not an origin either.
 */
export function requestOrigin(origin: string | undefined, referer: string | undefined, host: string | undefined): string | undefined {
  if (origin !== undefined) return origin;
  const own = referer ? normalizeOrigin(referer) : null;
  return own !== null && sameOrigin(own, host) ? own : undefined;
}
