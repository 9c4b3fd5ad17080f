import { describe, expect, it, vi } from 'vitest';
import { ApiCallError, createClient, httpTransport, ipcTransport, isPushEvent, takeBrowserToken, unwrapResult } from './api';
import { type BallastBridge } from '../../shared/api';

describe('unwrapResult', () => {
  it('returns the value of an ok result', () => {
    expect(unwrapResult('app.info', { ok: true, value: { a: 1 } })).toEqual({ a: 1 });
  });

  it('throws the server error with code, message and details', () => {
    const details = { issues: [{ line: 3, field: 'quantity', reason: 'not a number' }] };
    try {
      unwrapResult('imports.positions', { ok: false, error: { code: 'IMPORT_REJECTED', message: 'bad.csv: line 3', details } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiCallError);
      const e = error as ApiCallError;
      expect([e.code, e.message, e.details, e.method]).toEqual(['IMPORT_REJECTED', 'bad.csv: line 3', details, 'imports.positions']);
    }
  });

  it('reads malformed errors defensively', () => {
    expect(() => unwrapResult('m', { ok: false, error: { code: 'WHAT', message: '' } })).toThrow(/m failed without an explanation/);
    expect(() => unwrapResult('m', { ok: false })).toThrow(ApiCallError);
    expect(() => unwrapResult('m', 'nonsense')).toThrow(/cannot read/);
    try {
      unwrapResult('m', { ok: false, error: { code: 42, message: 'x' } });
    } catch (error) {
      expect((error as ApiCallError).code).toBe('INTERNAL');
    }
  });
});

describe('isPushEvent', () => {
  it('accepts the two event shapes and nothing else', () => {
    expect(isPushEvent({ type: 'progress', callId: 'c', method: 'demo.load', step: 's', current: 1, total: 2 })).toBe(true);
    expect(isPushEvent({ type: 'state-changed', entity: 'audit' })).toBe(true);
    expect(isPushEvent({ type: 'progress', callId: 'c' })).toBe(false);
    expect(isPushEvent({ type: 'other' })).toBe(false);
    expect(isPushEvent(null)).toBe(false);
  });
});

describe('http transport', () => {
  it('posts input and callId with the bearer token, and unwraps the JSON result whatever the status', async () => {
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify({ ok: false, error: { code: 'BAD_INPUT', message: 'a rejection needs a comment' } }), { status: 400 }));
    const client = createClient(httpTransport({ token: 'tok', fetchImpl }));
    await expect(client.call('proposals.reject', { proposalId: 1, by: 'me', comment: '' }, { callId: 'call-1' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: 'a rejection needs a comment',
    });
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/call/proposals.reject');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ Authorization: 'Bearer tok', 'Content-Type': 'application/json' });
    expect(JSON.parse(String(init.body))).toEqual({ input: { proposalId: 1, by: 'me', comment: '' }, callId: 'call-1' });
  });

  it('explains an unreachable server and a missing token in plain words', async () => {
    const down = createClient(httpTransport({ token: 'tok', fetchImpl: async () => Promise.reject(new TypeError('fetch failed')) }));
    await expect(down.call('app.info', {})).rejects.toThrow(/Cannot reach the Ballast server/);
    const noToken = createClient(httpTransport({ token: null, fetchImpl: vi.fn() }));
    await expect(noToken.call('app.info', {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('reports a non-JSON answer with its HTTP status', async () => {
    const client = createClient(httpTransport({ token: 't', fetchImpl: async () => new Response('<html>', { status: 502 }) }));
    await expect(client.call('app.info', {})).rejects.toThrow(/HTTP 502/);
  });

  it('cancel calls jobs.cancel with the callId', async () => {
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify({ ok: true, value: { cancelled: true } })));
    const client = createClient(httpTransport({ token: 't', fetchImpl }));
    await expect(client.cancel('abc')).resolves.toEqual({ cancelled: true });
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/call/jobs.cancel');
    expect(JSON.parse(String(init.body)).input).toEqual({ callId: 'abc' });
  });
});

describe('ipc transport', () => {
  it('calls the named preload method with input and callId', async () => {
    const info = vi.fn(async () => ({ ok: true as const, value: { name: 'Ballast' } }));
    const bridge = { transport: 'ipc', methods: { 'app.info': info }, onEvent: () => () => {} } as unknown as BallastBridge;
    const client = createClient(ipcTransport(bridge));
    expect(client.transport).toBe('ipc');
    await expect(client.call('app.info', {}, { callId: 'x' })).resolves.toEqual({ name: 'Ballast' });
    expect(info).toHaveBeenCalledWith({}, 'x');
    await expect(client.call('audit.verify', {})).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
  });
});

describe('takeBrowserToken', () => {
  function fakeWindow(href: string) {
    const store = new Map<string, string>();
    const win = {
      location: { href },
      sessionStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
      history: { state: null, replaceState: vi.fn() },
    };
    return { win: win as unknown as Window, store };
  }

  it('keeps the token for the tab and removes it from the address bar', () => {
    const { win, store } = fakeWindow('http://127.0.0.1:4100/?token=s3cret&view=x#a');
    expect(takeBrowserToken(win)).toBe('s3cret');
    expect([...store.values()]).toEqual(['s3cret']);
    expect(win.history.replaceState).toHaveBeenCalledWith(null, '', '/?view=x#a');
  });

  it('falls back to the stored token after a reload', () => {
    const { win, store } = fakeWindow('http://127.0.0.1:4100/');
    store.set('ballast.token', 'kept');
    expect(takeBrowserToken(win)).toBe('kept');
    expect(win.history.replaceState).not.toHaveBeenCalled();
  });
});
