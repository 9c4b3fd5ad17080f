/**
 * URL policy for the desktop shell, kept free of electron so it is unit-tested under plain Node.
 * URLs are parsed, never matched by substring.
 */

/** External links open in the user's browser only for http(s) URLs without embedded credentials. */
export function isAllowedExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.hostname !== '';
}

/** The renderer is loaded from one file (or the dev server origin); only that page may call the API. */
export function isTrustedRendererUrl(raw: string | undefined, rendererUrl: string): boolean {
  if (!raw) return false;
  let url: URL;
  let expected: URL;
  try {
    url = new URL(raw);
    expected = new URL(rendererUrl);
  } catch {
    return false;
  }
  if (expected.protocol === 'file:') return url.protocol === 'file:' && url.pathname === expected.pathname;
  return url.origin === expected.origin;
}

/** In-app navigation is never allowed away from the renderer page itself. */
export function isAllowedNavigation(raw: string, rendererUrl: string): boolean {
  return isTrustedRendererUrl(raw, rendererUrl);
}
