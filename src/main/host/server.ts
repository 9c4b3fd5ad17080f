import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { PushEvent } from '../../shared/api';
import type { Result } from '../../shared/errors';

export interface HostOptions {
  /** Dispatches one contract call; the same function the IPC transport and the CLI use. */
  call(method: string, input: unknown, callId: string | undefined): Promise<Result<unknown>>;
  /** Subscribes to push events; returns an unsubscribe function. */
  subscribe(listener: (event: PushEvent) => void): () => void;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  port?: number;
  /** Fixed token for tests; a random one per launch otherwise. */
  token?: string;
  maxBodyBytes?: number;
}

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Browser mode: the built renderer and the contract over HTTP, bound to 127.0.0.1 only. Every
 * request must name this server in Host (defeats DNS rebinding); API calls must carry the per-launch
 * token and, when the browser sends an Origin, it must be this server's own.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const maxBody = options.maxBodyBytes ?? 256 * 1024 * 1024;
  const rendererRoot = path.resolve(options.rendererDir);
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const tokenOk = (candidate: string | null | undefined) => {
    if (!candidate) return false;
    const bytes = Buffer.from(candidate);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: `Unexpected error: ${String(err)}` } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (!allowedHosts().has(req.headers.host ?? '')) {
      return sendJson(res, 403, deny('This server only answers to 127.0.0.1 / localhost (bad Host header).'));
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts().has(origin.replace(/^http:\/\//, ''))) {
      return sendJson(res, 403, deny('Cross-origin requests are refused.'));
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);

    if (url.pathname === '/api/events') {
      if (req.method !== 'GET') return sendJson(res, 405, deny('Use GET.'));
      if (!tokenOk(url.searchParams.get('token'))) return sendJson(res, 401, deny('Missing or wrong access token.'));
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      const unsubscribe = options.subscribe((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      req.on('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
      });
      return;
    }

    if (url.pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') return sendJson(res, 405, deny('Use POST.'));
      const auth = req.headers.authorization ?? '';
      if (!tokenOk(auth.startsWith('Bearer ') ? auth.slice(7) : null)) return sendJson(res, 401, deny('Missing or wrong access token.'));
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return sendJson(res, 415, { ok: false, error: { code: 'BAD_INPUT', message: 'Send JSON (Content-Type: application/json).' } });
      }
      let body: { input?: unknown; callId?: unknown };
      const tooLarge = () => {
        // Answer, then drop the connection rather than reading the rest of an oversized upload.
        res.setHeader('Connection', 'close');
        res.on('finish', () => req.destroy());
        return sendJson(res, 413, { ok: false, error: { code: 'BAD_INPUT', message: `The request is larger than ${maxBody} bytes.` } });
      };
      if (Number(req.headers['content-length'] ?? 0) > maxBody) return tooLarge();
      try {
        body = JSON.parse(await readBody(req, maxBody)) as typeof body;
      } catch (err) {
        if (err instanceof BodyTooLarge) return tooLarge();
        return sendJson(res, 400, { ok: false, error: { code: 'BAD_INPUT', message: `The request body is not valid JSON (${(err as Error).message}).` } });
      }
      // `null`, numbers and arrays are valid JSON but not a call envelope.
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return sendJson(res, 400, { ok: false, error: { code: 'BAD_INPUT', message: 'The request body must be a JSON object such as {"input": {…}}.' } });
      }
      const method = safeDecode(url.pathname.slice('/api/call/'.length));
      if (method === null) return sendJson(res, 400, { ok: false, error: { code: 'BAD_INPUT', message: 'The method name is not valid URL encoding.' } });
      const callId = typeof body.callId === 'string' && body.callId.length <= 100 ? body.callId : undefined;
      const result = await options.call(method, body.input, callId);
      return sendJson(res, result.ok ? 200 : statusFor(result.error.code), result);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, deny('Use GET.'));
    return serveStatic(url.pathname, res);
  }

  function serveStatic(pathname: string, res: ServerResponse): void {
    const decoded = pathname === '/' ? 'index.html' : safeDecode(pathname);
    const file = decoded === null ? null : path.resolve(rendererRoot, decoded.replace(/^\/+/, ''));
    // Resolve, then require the result to stay inside the renderer folder: no traversal by '..' or '%2e%2e'.
    const inside = file !== null && (file === rendererRoot || file.startsWith(rendererRoot + path.sep));
    if (file === null || !inside || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CSP,
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;

  return {
    url,
    port,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** decodeURIComponent, but a malformed escape (`%E0%A4%A`) is the client's mistake, not a server error. */
function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function deny(message: string) {
  return { ok: false, error: { code: 'UNAUTHORIZED', message } };
}

function statusFor(code: string): number {
  switch (code) {
    case 'BAD_INPUT':
    case 'IMPORT_REJECTED':
      return 400;
    case 'NOT_FOUND':
    case 'UNKNOWN_METHOD':
      return 404;
    case 'INVALID_STATE':
    case 'CANCELLED':
      return 409;
    case 'UNAUTHORIZED':
      return 401;
    case 'INSUFFICIENT_DATA':
    case 'NUMERICAL':
      return 422;
    default:
      return 500;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new BodyTooLarge(`request larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
