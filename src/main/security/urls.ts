/**
 * URL policy for the desktop shell, kept free of electron so it is unit-tested under plain Node.
 * URLs are parsed, never matched by substring.
 */

/** The custom scheme the renderer is served from (src/main/security/protocol.ts); never file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'ballast';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

function parse(raw: string | undefined): URL | null {
  if (!raw) return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** External links open in the user's browser only for http(s) URLs without embedded credentials. */
export function isAllowedExternalUrl(raw: string): boolean {
  const url = parse(raw);
  if (!url) return false;
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.hostname !== '';
}

/** An http URL on this machine's loopback interface: the only place a dev server may be. */
export function isLoopbackHttpUrl(raw: string): boolean {
  const url = parse(raw);
  return url !== null && url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) && url.username === '' && url.password === '';
}

/**
 * Where the window loads the renderer from. A packaged build always uses the app:// protocol: an
 * environment variable must not be able to point a signed app at another origin and have it trusted for
 * IPC. Only an unpacked development build (electron-vite dev) honours ELECTRON_RENDERER_URL, and only
 * for a loopback http URL.
 */
export function chooseRendererUrl(options: { isPackaged: boolean; devServerUrl: string | undefined }): string {
  if (!options.isPackaged && options.devServerUrl !== undefined && isLoopbackHttpUrl(options.devServerUrl)) return options.devServerUrl;
  return APP_ENTRY_URL;
}

/**
 * Is this page the Ballast renderer? For app:// the scheme and host must match (WHATWG gives custom
 * schemes an opaque "null" origin, so origins cannot be compared); for the dev server, the origin.
 * file:// is never trusted: the app does not load from it, so any file page is someone else's.
 */
export function isTrustedRendererUrl(raw: string | undefined, rendererUrl: string): boolean {
  const url = parse(raw);
  const expected = parse(rendererUrl);
  if (!url || !expected) return false;
  if (expected.protocol === `${APP_SCHEME}:`) return url.protocol === expected.protocol && url.host === expected.host && url.username === '' && url.password === '';
  if (expected.protocol === 'http:' || expected.protocol === 'https:') return url.origin === expected.origin;
  return false;
}

/** In-app navigation (and redirects) never leave the renderer's own origin. */
export function isAllowedNavigation(raw: string, rendererUrl: string): boolean {
  return isTrustedRendererUrl(raw, rendererUrl);
}

/**
 * IPC is answered only for the renderer's top frame: an iframe (should one ever exist) or any other
 * page in the same process must not reach the handler table.
 */
export function isTrustedIpcSender(sender: { frameUrl: string | undefined; isMainFrame: boolean }, rendererUrl: string): boolean {
  return sender.isMainFrame && isTrustedRendererUrl(sender.frameUrl, rendererUrl);
}
