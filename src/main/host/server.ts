import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PushEvent } from '../../shared/api';
import type { Result } from '../../shared/errors';
import { grantedFileAccess, type FileAccess } from '../app/file-access';
import { WHOLE_FILE_LIMIT } from '../app/sources';
import { detectPositionFormat } from '../io/detect';
import type { PositionFileFormat } from '../io/holdings';

export interface HostOptions {
  /**
   * Dispatches one contract call; the same function the IPC transport and the CLI use. `access` names the
   * only local files the call may touch (none, or the temporary file of its upload): pass it on.
   */
  call(method: string, input: unknown, callId: string | undefined, access: FileAccess): Promise<Result<unknown>>;
  /** Subscribes to push events; returns an unsubscribe function. */
  subscribe(listener: (event: PushEvent) => void): () => void;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  port?: number;
  /** Fixed token for tests; a random one per launch otherwise. */
  token?: string;
  /** Body limit of an ordinary JSON call (default 1 MiB). */
  maxBodyBytes?: number;
  /** Body limit of a call that carries a file inline as base64 or an engine spec (default 16 MiB). */
  maxInlineFileBodyBytes?: number;
  /** Upload limits by file kind (defaults: UPLOAD_LIMITS). */
  uploadLimits?: Partial<UploadLimits>;
}

/**
 * Uploads go to a temporary file, never to memory. Formats the importers read as a stream (CSV, IBKR
 * Flex, semt.002, MT535, OFX) may be large — their limit only bounds the upload's temporary file; the
 * format still parsed as one document (the IBKR activity CSV) is refused above the size its parser accepts.
 */
export interface UploadLimits {
  streamed: number;
  wholeFile: number;
  /** Uploads waiting for their call at once, and their bytes together: a token holder cannot fill the disk. */
  pendingFiles: number;
  pendingBytes: number;
}

export const UPLOAD_LIMITS: UploadLimits = {
  streamed: 1024 * 1024 * 1024,
  wholeFile: WHOLE_FILE_LIMIT,
  pendingFiles: 8,
  pendingBytes: 2 * 1024 * 1024 * 1024,
};

/** An upload not used by a call within this time is deleted. */
const UPLOAD_TTL_MS = 15 * 60 * 1000;

/** Bytes of an upload's start the format is recognised on: what the import looks at (detect.ts). */
const UPLOAD_SNIFF_BYTES = 64 * 1024;

/**
 * Position formats the import reads in chunks (the CSV path and STREAMED_READERS in app/imports.ts);
 * the others go through `readAll`, capped at WHOLE_FILE_LIMIT. Keep the two in step.
 */
const STREAMED_FORMATS: ReadonlySet<PositionFileFormat> = new Set(['csv', 'ibkr-flex', 'semt002', 'mt535', 'ofx']);

/** What the PM calls each kind of file, for the refusal message. */
const FORMAT_NAMES: Record<PositionFileFormat, string> = {
  csv: 'a CSV file',
  'ibkr-csv': 'an Interactive Brokers activity statement (CSV)',
  'ibkr-flex': 'an Interactive Brokers Flex Query (XML)',
  semt002: 'an ISO 20022 semt.002 statement (XML)',
  ofx: 'an OFX file',
  mt535: 'a SWIFT MT535 statement',
};

export interface UploadLimit {
  bytes: number;
  format: PositionFileFormat;
  streamed: boolean;
}

/**
 * The limit of an upload, from its first bytes (up to 64 KB) the way the import recognises the format
 * (detectPositionFormat) — not from its name: a Flex Query, semt.002 or OFX file named .xml streams, an
 * IBKR activity statement named .csv is read whole. Prices and indicator files are CSV.
 */
export function uploadLimitFor(head: Uint8Array, limits: UploadLimits = UPLOAD_LIMITS): UploadLimit {
  const { format } = detectPositionFormat(head);
  const streamed = STREAMED_FORMATS.has(format);
  return { bytes: streamed ? limits.streamed : limits.wholeFile, format, streamed };
}

/** "64 MB", "1 GB", "4 KB" — a limit as the PM reads it (binary multiples, as the parsers count). */
export function sizeInWords(bytes: number): string {
  for (const [unit, size] of [
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ] as const) {
    if (bytes >= size) {
      const n = bytes / size;
      return `${Number.isInteger(n) ? n : n.toFixed(1)} ${unit}`;
    }
  }
  return `${bytes} bytes`;
}

/** The refusal of an upload over its format's limit, naming the format and the limit in words. */
export function uploadTooLargeMessage(fileName: string, limit: UploadLimit): string {
  const how = limit.streamed ? 'read as a stream' : 'read whole into memory to be parsed';
  return `${fileName} is larger than ${sizeInWords(limit.bytes)}, the most browser mode accepts for ${FORMAT_NAMES[limit.format]} (${how}). Nothing was kept.`;
}

/** Methods that take a file (`fileName` + `contentBase64` or an upload) — the only ones an upload may feed. */
export const FILE_METHODS: ReadonlySet<string> = new Set(['imports.preview', 'imports.prices', 'imports.positions', 'indicators.import']);

const JSON_BODY_LIMIT = 1024 * 1024;
const INLINE_FILE_BODY_LIMIT = 16 * 1024 * 1024;
/** Calls whose JSON may be large: a file inline as base64, an engine self-check spec with its data. */
const LARGE_BODY_METHODS: ReadonlySet<string> = new Set([...FILE_METHODS, 'engine.solve']);

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  server: Server;
  /** Private folder of pending uploads (removed by close). */
  uploadDir: string;
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
  const jsonLimit = options.maxBodyBytes ?? JSON_BODY_LIMIT;
  const inlineLimit = Math.max(jsonLimit, options.maxInlineFileBodyBytes ?? INLINE_FILE_BODY_LIMIT);
  const bodyLimitFor = (method: string) => (LARGE_BODY_METHODS.has(method) ? inlineLimit : jsonLimit);
  const uploadLimits: UploadLimits = { ...UPLOAD_LIMITS, ...options.uploadLimits };
  const rendererRoot = path.resolve(options.rendererDir);
  // Private to this process (0700), removed on close; file names inside are chosen here, never by a client.
  const uploadDir = mkdtempSync(path.join(tmpdir(), 'ballast-uploads-'));
  const uploads = new Map<string, { file: string; bytes: number; expires: number }>();
  const dropUpload = (id: string) => {
    const upload = uploads.get(id);
    uploads.delete(id);
    if (upload) rmSync(upload.file, { force: true });
  };
  const sweepUploads = () => {
    const now = Date.now();
    for (const [id, upload] of uploads) if (upload.expires <= now) dropUpload(id);
  };
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

    const tooLarge = (limit: number, message = `The request is larger than ${limit} bytes.`) => {
      // Answer, then drop the connection rather than reading the rest of an oversized upload.
      res.setHeader('Connection', 'close');
      res.on('finish', () => req.destroy());
      return sendJson(res, 413, { ok: false, error: { code: 'BAD_INPUT', message, details: { limitBytes: limit } } });
    };

    if (url.pathname === '/api/upload') {
      if (req.method !== 'POST') return sendJson(res, 405, deny('Use POST.'));
      const auth = req.headers.authorization ?? '';
      if (!tokenOk(auth.startsWith('Bearer ') ? auth.slice(7) : null)) return sendJson(res, 401, deny('Missing or wrong access token.'));
      if (!(req.headers['content-type'] ?? '').startsWith('application/octet-stream')) {
        return sendJson(res, 415, badInput('Send the file as its bytes (Content-Type: application/octet-stream).'));
      }
      const fileName = url.searchParams.get('fileName') ?? '';
      if (fileName === '' || fileName.length > 255) return sendJson(res, 400, badInput('Name the file: /api/upload?fileName=<name>.'));
      // The limit depends on the format, which only the first bytes show (streamToFile): a declared length
      // is checked against it there, at most 64 KB into the body.
      const declared = Number(req.headers['content-length'] ?? 0);
      sweepUploads();
      const pendingBytes = [...uploads.values()].reduce((n, u) => n + u.bytes, 0);
      if (uploads.size >= uploadLimits.pendingFiles || pendingBytes >= uploadLimits.pendingBytes) {
        res.setHeader('Connection', 'close');
        res.on('finish', () => req.destroy());
        return sendJson(res, 429, badInput('Too many uploads are waiting to be imported; import or cancel them first.'));
      }
      const id = randomBytes(18).toString('base64url');
      const file = path.join(uploadDir, id);
      let received: { bytes: number; sha256: string };
      const decided: { limit?: UploadLimit } = {};
      const limitOf = (head: Uint8Array) => (decided.limit = uploadLimitFor(head, uploadLimits)).bytes;
      try {
        received = await streamToFile(req, file, limitOf, declared);
      } catch (err) {
        rmSync(file, { force: true });
        if (err instanceof BodyTooLarge) return tooLarge(decided.limit!.bytes, uploadTooLargeMessage(fileName, decided.limit!));
        throw err;
      }
      uploads.set(id, { file, bytes: received.bytes, expires: Date.now() + UPLOAD_TTL_MS });
      return sendJson(res, 200, { ok: true, value: { uploadId: id, bytes: received.bytes, sha256: received.sha256 } });
    }

    if (url.pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') return sendJson(res, 405, deny('Use POST.'));
      const auth = req.headers.authorization ?? '';
      if (!tokenOk(auth.startsWith('Bearer ') ? auth.slice(7) : null)) return sendJson(res, 401, deny('Missing or wrong access token.'));
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return sendJson(res, 415, { ok: false, error: { code: 'BAD_INPUT', message: 'Send JSON (Content-Type: application/json).' } });
      }
      const method = safeDecode(url.pathname.slice('/api/call/'.length));
      if (method === null) return sendJson(res, 400, { ok: false, error: { code: 'BAD_INPUT', message: 'The method name is not valid URL encoding.' } });
      // The limit depends on the method, known from the URL before a byte of the body is read.
      const maxBody = bodyLimitFor(method);
      let body: { input?: unknown; callId?: unknown; upload?: unknown };
      if (Number(req.headers['content-length'] ?? 0) > maxBody) return tooLarge(maxBody);
      try {
        body = JSON.parse(await readBody(req, maxBody)) as typeof body;
      } catch (err) {
        if (err instanceof BodyTooLarge) return tooLarge(maxBody);
        return sendJson(res, 400, { ok: false, error: { code: 'BAD_INPUT', message: `The request body is not valid JSON (${(err as Error).message}).` } });
      }
      // `null`, numbers and arrays are valid JSON but not a call envelope.
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return sendJson(res, 400, { ok: false, error: { code: 'BAD_INPUT', message: 'The request body must be a JSON object such as {"input": {…}}.' } });
      }
      const callId = typeof body.callId === 'string' && body.callId.length <= 100 ? body.callId : undefined;
      // A path is a request to read or write this computer's disk; over HTTP only the server names one
      // (the temporary file of an upload). The dispatcher checks the same through `access`.
      if (isObject(body.input) && 'path' in body.input) {
        return sendJson(res, 403, {
          ok: false,
          error: {
            code: 'UNAUTHORIZED',
            message: 'File paths are not accepted in browser mode: upload the file instead, and exports are written to the exports folder (download them from there).',
          },
        });
      }
      if (body.upload === undefined) {
        const result = await options.call(method, body.input, callId, grantedFileAccess('http'));
        return sendJson(res, result.ok ? 200 : statusFor(result.error.code), result);
      }
      if (typeof body.upload !== 'string' || !FILE_METHODS.has(method)) {
        return sendJson(res, 400, badInput(`An upload can feed ${[...FILE_METHODS].join(', ')} only, named by the uploadId /api/upload returned.`));
      }
      const input = body.input === undefined ? {} : body.input;
      if (!isObject(input) || 'contentBase64' in input) {
        return sendJson(res, 400, badInput('Give the file either as an upload or as contentBase64, not both.'));
      }
      sweepUploads();
      const upload = uploads.get(body.upload);
      if (!upload) return sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: 'That upload does not exist or has expired; upload the file again.' } });
      // One upload, one call: the file is removed whatever the call's outcome.
      uploads.delete(body.upload);
      try {
        const result = await options.call(method, { ...input, path: upload.file }, callId, grantedFileAccess('http', [upload.file]));
        return sendJson(res, result.ok ? 200 : statusFor(result.error.code), result);
      } finally {
        rmSync(upload.file, { force: true });
      }
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
    uploadDir,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          uploads.clear();
          rmSync(uploadDir, { recursive: true, force: true });
          resolve();
        });
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

function badInput(message: string) {
  return { ok: false, error: { code: 'BAD_INPUT', message } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
      // A refusal of what the call asks (a file path), not of who asks: the token was fine.
      return 403;
    case 'INSUFFICIENT_DATA':
    case 'NUMERICAL':
    case 'INFEASIBLE':
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

/**
 * Writes the request body to a new file (created exclusively, owner-only) as it arrives, hashing it on
 * the way. The limit comes from the body's first UPLOAD_SNIFF_BYTES (or all of it, when shorter):
 * `limitOf(head)`; a declared length above it stops the upload there, else it stops at the limit.
 * Backpressure comes from the synchronous writes: the socket is not read faster than the disk takes it.
 */
function streamToFile(req: IncomingMessage, file: string, limitOf: (head: Uint8Array) => number, declared: number): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    let fd: number | null = openSync(file, 'wx', 0o600);
    const hash = createHash('sha256');
    let size = 0;
    let head: Buffer[] | null = [];
    let limit = Infinity;
    const decide = () => {
      limit = limitOf(Buffer.concat(head!).subarray(0, UPLOAD_SNIFF_BYTES));
      head = null;
      return declared <= limit && size <= limit;
    };
    const finish = (err: Error | null) => {
      if (fd !== null) {
        try {
          if (!err) fsyncSync(fd);
        } finally {
          closeSync(fd);
          fd = null;
        }
      }
      if (err) {
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
        reject(err);
      } else resolve({ bytes: size, sha256: hash.digest('hex') });
    };
    const refuse = () => {
      req.removeAllListeners('data');
      req.pause();
      finish(new BodyTooLarge(`upload larger than ${limit} bytes`));
    };
    req.on('data', (chunk: Buffer) => {
      if (fd === null) return;
      size += chunk.length;
      if (head !== null) {
        head.push(chunk);
        if (size >= UPLOAD_SNIFF_BYTES && !decide()) return refuse();
      } else if (size > limit) return refuse();
      try {
        let offset = 0;
        while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
        hash.update(chunk);
      } catch (err) {
        req.removeAllListeners('data');
        req.pause();
        finish(err as Error);
      }
    });
    req.on('end', () => {
      if (fd === null) return;
      if (head !== null && !decide()) return refuse();
      finish(null);
    });
    req.on('error', (err) => {
      if (fd !== null) finish(err);
    });
    req.on('aborted', () => {
      if (fd !== null) finish(new Error('the upload was interrupted'));
    });
  });
}
