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
 * Where a request comes from. Browsers leave Origin out of same-origin GETs (the iframe's
 * long-polling handshake), so then its Referer tells; anything cross-origin carries Origin.
 */
export function requestOrigin(origin: string | undefined, referer: string | undefined): string | undefined {
  if (origin !== undefined) return origin;
  return referer ? (normalizeOrigin(referer) ?? undefined) : undefined;
}
