import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './urls';

/*
 * The renderer is served from app://ballast/ by a protocol handler (src/main/index.ts) rather than loaded
 * over file://: a file:// page shares its origin with every file on the disk, gets file-protocol extra
 * privileges (fused off in packaged builds), and cannot be sent real response headers. Here every
 * response carries the CSP as a header — including frame-ancestors, which a <meta> policy cannot set —
 * and only files inside the built renderer folder are ever served.
 */

/** registerSchemesAsPrivileged entry: a standard, secure origin of its own; CSP applies (no bypass). */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, bypassCSP: false, stream: false, allowServiceWorkers: false, codeCache: true },
} as const;

/**
 * The renderer's policy (the same as its <meta> tag and the browser-mode header), plus what only a header
 * can say: never framed, no form posts.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // ECharts' tooltip is HTML built with style="" attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': APP_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), bluetooth=(), payment=()',
    'Cache-Control': 'no-store',
  };
}

export type AppAssetResolution = { status: 200; file: string; headers: Record<string, string> } | { status: 404 | 405; headers: Record<string, string> };

const notFound = (status: 404 | 405 = 404): AppAssetResolution => ({ status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });

/**
 * Maps an app:// request to a file of the built renderer. The URL is parsed (so "..", "%2e%2e" and
 * backslashes are normalised or refused) and the result must still lie inside `rendererRoot`: nothing
 * else on the disk can be reached through the protocol.
 */
export function resolveAppAsset(requestUrl: string, method: string, rendererRoot: string): AppAssetResolution {
  if (method !== 'GET' && method !== 'HEAD') return notFound(405);
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return notFound();
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username !== '' || url.password !== '') return notFound();
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return notFound();
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return notFound();
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const root = path.resolve(rendererRoot);
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) return notFound();
  if (!existsSync(file) || !statSync(file).isFile()) return notFound();
  return { status: 200, file, headers: appResponseHeaders(MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream') };
}
