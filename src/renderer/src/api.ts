import {
  type ApiClient,
  type BallastBridge,
  type MethodInput,
  type MethodName,
  type MethodOutput,
  type PushEvent,
} from '../../shared/api';
import { type ErrorCode } from '../../shared/errors';

/*
 * The renderer's only door to the main side. The transport is chosen once, at start: the preload's
 * bridge when Ballast runs as the desktop app, same-origin HTTP when `ballast serve` hosts the UI in a
 * browser. Both speak the same contract, so views never know which one they are using.
 *
 * Only types are imported from src/shared: the zod schemas stay out of the renderer bundle because
 * outputs were already validated by the server; errors are still parsed defensively.
 */

/** An `{ ok: false }` result (or a transport failure) surfaced as an exception a view can show. */
export class ApiCallError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly method: string;
  constructor(method: string, code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiCallError';
    this.method = method;
    this.code = code;
    this.details = details;
  }
}

export type TransportKind = 'ipc' | 'http';

export interface BallastClient extends ApiClient {
  readonly transport: TransportKind;
  /** Ask the main side to stop a long call started with this callId. */
  cancel(callId: string): Promise<{ cancelled: boolean }>;
}

/** Raw transport: send a call, get back whatever Result-shaped value the other side produced. */
export interface Transport {
  readonly kind: TransportKind;
  invoke(method: MethodName, input: unknown, callId: string): Promise<unknown>;
  onEvent(listener: (event: PushEvent) => void): () => void;
}

// A Record over ErrorCode: a code added to the contract fails the build here until it is listed,
// so a new server error is never shown to the PM as INTERNAL.
const ERROR_CODES: Record<ErrorCode, true> = {
  BAD_INPUT: true,
  NOT_FOUND: true,
  INVALID_STATE: true,
  IMPORT_REJECTED: true,
  INSUFFICIENT_DATA: true,
  NUMERICAL: true,
  INFEASIBLE: true,
  CANCELLED: true,
  CONFIRMATION_REQUIRED: true,
  DB_TOO_NEW: true,
  STORAGE: true,
  UNAUTHORIZED: true,
  UNKNOWN_METHOD: true,
  INTERNAL: true,
};
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_CODES));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Turns a Result from either transport into a value or an ApiCallError, whatever shape the error has. */
export function unwrapResult(method: string, raw: unknown): unknown {
  if (isRecord(raw) && raw.ok === true && 'value' in raw) return raw.value;
  if (isRecord(raw) && raw.ok === false) {
    const error = isRecord(raw.error) ? raw.error : {};
    const code = typeof error.code === 'string' && KNOWN_CODES.has(error.code) ? (error.code as ErrorCode) : 'INTERNAL';
    const message =
      typeof error.message === 'string' && error.message.trim() !== ''
        ? error.message
        : `${method} failed without an explanation (code ${String(error.code ?? 'unknown')}).`;
    throw new ApiCallError(method, code, message, error.details);
  }
  throw new ApiCallError(method, 'INTERNAL', `${method} returned an answer Ballast cannot read.`);
}

export function isPushEvent(value: unknown): value is PushEvent {
  if (!isRecord(value)) return false;
  if (value.type === 'progress') {
    return typeof value.callId === 'string' && typeof value.step === 'string' && typeof value.current === 'number' && typeof value.total === 'number';
  }
  return value.type === 'state-changed' && typeof value.entity === 'string';
}

export function newCallId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID needs a secure context; 127.0.0.1 and file:// are, but keep a fallback for odd embeddings.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function ipcTransport(bridge: BallastBridge): Transport {
  return {
    kind: 'ipc',
    async invoke(method, input, callId) {
      const fn = bridge.methods[method];
      if (typeof fn !== 'function') {
        return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `This version of Ballast has no "${method}" command.` } };
      }
      return fn(input, callId);
    },
    onEvent: (listener) => bridge.onEvent(listener),
  };
}

const TOKEN_KEY = 'ballast.token';

/**
 * The per-launch token arrives once in the URL printed by `ballast serve`. Keep it for this tab only
 * (sessionStorage) and take it out of the address bar so it is not bookmarked, shared or kept in history.
 */
export function takeBrowserToken(win: Window): string | null {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return win.sessionStorage.getItem(TOKEN_KEY);
}

export interface HttpTransportOptions {
  token: string | null;
  fetchImpl?: typeof fetch;
  /** EventSource constructor; absent where there is none (unit tests). */
  eventSource?: new (url: string) => EventSource;
  baseUrl?: string;
}

export function httpTransport(opts: HttpTransportOptions): Transport {
  const fetchImpl = opts.fetchImpl ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const base = opts.baseUrl ?? '';
  const listeners = new Set<(event: PushEvent) => void>();
  let source: EventSource | null = null;
  let hadError = false;

  const emit = (event: PushEvent) => {
    for (const listener of listeners) listener(event);
  };

  const openEvents = () => {
    if (source || !opts.eventSource || !opts.token) return;
    source = new opts.eventSource(`${base}/api/events?token=${encodeURIComponent(opts.token)}`);
    source.onmessage = (message: MessageEvent) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (isPushEvent(parsed)) emit(parsed);
    };
    source.onerror = () => {
      hadError = true;
    };
    source.onopen = () => {
      // EventSource reconnects by itself, but anything that changed while it was away is lost: refresh all.
      if (hadError) {
        hadError = false;
        for (const entity of ['proposals', 'portfolio', 'imports', 'audit'] as const) emit({ type: 'state-changed', entity });
      }
    };
  };

  return {
    kind: 'http',
    async invoke(method, input, callId) {
      if (!opts.token) {
        return {
          ok: false,
          error: {
            code: 'UNAUTHORIZED',
            message: 'This page was opened without its access token. Open the link printed by "ballast serve" again.',
          },
        };
      }
      // A file travels as an upload (streamed to a temporary file on the server), never as a path and
      // not inside the JSON call: the server refuses paths, and keeps JSON bodies small (issue 11).
      let envelope: { input: unknown; callId: string; upload?: string } = { input, callId };
      if (UPLOAD_METHODS.has(method) && hasInlineFile(input)) {
        const uploaded = await uploadFile(fetchImpl, base, opts.token, input.fileName, input.contentBase64);
        if ('failure' in uploaded) return uploaded.failure;
        const { contentBase64: _inline, ...rest } = input;
        envelope = { input: rest, callId, upload: uploaded.uploadId };
      }
      let response: Response;
      try {
        response = await fetchImpl(`${base}/api/call/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${opts.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(envelope),
        });
      } catch {
        return {
          ok: false,
          error: { code: 'INTERNAL', message: 'Cannot reach the Ballast server. Is "ballast serve" still running?' },
        };
      }
      try {
        return (await response.json()) as unknown;
      } catch {
        return {
          ok: false,
          error: { code: 'INTERNAL', message: `The Ballast server answered HTTP ${response.status} without a readable result.` },
        };
      }
    },
    onEvent(listener) {
      listeners.add(listener);
      openEvents();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
  };
}

/** Contract methods that take a file; over HTTP their bytes go to /api/upload first. */
const UPLOAD_METHODS: ReadonlySet<string> = new Set(['imports.preview', 'imports.prices', 'imports.positions', 'indicators.import']);

function hasInlineFile(input: unknown): input is { fileName: string; contentBase64: string } & Record<string, unknown> {
  return isRecord(input) && typeof input.contentBase64 === 'string' && typeof input.fileName === 'string';
}

export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function uploadFile(
  fetchImpl: typeof fetch,
  base: string,
  token: string,
  fileName: string,
  contentBase64: string,
): Promise<{ uploadId: string } | { failure: unknown }> {
  let response: Response;
  try {
    response = await fetchImpl(`${base}/api/upload?fileName=${encodeURIComponent(fileName)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
      body: new Blob([base64ToBytes(contentBase64)]),
    });
  } catch {
    return { failure: { ok: false, error: { code: 'INTERNAL', message: 'Cannot reach the Ballast server to upload the file. Is "ballast serve" still running?' } } };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return { failure: { ok: false, error: { code: 'INTERNAL', message: `The Ballast server answered the upload with HTTP ${response.status} and no readable result.` } } };
  }
  if (isRecord(body) && body.ok === true && isRecord(body.value) && typeof body.value.uploadId === 'string') return { uploadId: body.value.uploadId };
  if (response.status === 413) {
    // The server's refusal names the format and its limit; keep it when it is there.
    const message = isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string' ? body.error.message : `${fileName} is larger than the server accepts for this kind of file.`;
    return { failure: { ok: false, error: { code: 'BAD_INPUT', message } } };
  }
  return { failure: body };
}

export function createClient(transport: Transport): BallastClient {
  const call = async <M extends MethodName>(name: M, input: MethodInput<M>, opts?: { callId?: string }): Promise<MethodOutput<M>> => {
    const raw = await transport.invoke(name, input, opts?.callId ?? newCallId());
    return unwrapResult(name, raw) as MethodOutput<M>;
  };
  return {
    transport: transport.kind,
    call,
    onEvent: (listener) => transport.onEvent(listener),
    cancel: (callId) => call('jobs.cancel', { callId }),
  };
}

/** Picks the transport for this window: the preload bridge if present, else same-origin HTTP. */
export function createDefaultClient(win: Window = window): BallastClient {
  if (win.ballast && win.ballast.transport === 'ipc') return createClient(ipcTransport(win.ballast));
  return createClient(
    httpTransport({ token: takeBrowserToken(win), eventSource: typeof EventSource === 'undefined' ? undefined : EventSource }),
  );
}
