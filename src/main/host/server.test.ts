import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushEvent } from '../../shared/api';
import { jobHandlers } from '../app/jobs';
import { createRuntime, type Runtime } from '../app/runtime';
import { InlineJobRunner } from '../jobs/inline';
import { startHost, type RunningHost } from './server';

/*
 * Browser-mode transport: the contract over HTTP on 127.0.0.1, guarded by Host, Origin and a token.
 * Calls go to a real runtime's dispatcher; push events come from a bus the test drives.
 */

const TOKEN = 'test-token-0123456789abcdef';
const INDEX_HTML = '<!doctype html><title>Ballast</title><div id="root"></div>';
const SECRET = 'root:x:0:0:SECRET-OUTSIDE-RENDERER';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('browser-mode host', () => {
  let dir: string;
  let runtime: Runtime;
  let host: RunningHost;
  const listeners = new Set<(e: PushEvent) => void>();
  const push = (e: PushEvent) => listeners.forEach((l) => l(e));
  const callIds: (string | undefined)[] = [];

  /** http.request, so Host, Origin and raw (un-normalised) paths reach the server as written. */
  function raw(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: host.port, method: opts.method ?? 'GET', path: opts.path, headers: { Host: `127.0.0.1:${host.port}`, ...opts.headers } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${host.url}api/call/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-host-'));
    const rendererDir = path.join(dir, 'renderer');
    mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), INDEX_HTML);
    writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    // A file beside the renderer folder that no request may reach.
    writeFileSync(path.join(dir, 'secret.txt'), SECRET);
    runtime = createRuntime({
      dbPath: path.join(dir, 'db', 'ballast.db'),
      resourcesDir: path.resolve(__dirname, '..', '..', '..', 'resources'),
      workerFile: 'unused',
      jobs: new InlineJobRunner(jobHandlers),
    });
    host = await startHost({
      call: (m, input, callId) => {
        callIds.push(callId);
        return runtime.dispatcher.call(m, input, callId);
      },
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      rendererDir,
      token: TOKEN,
    });
  });

  afterAll(async () => {
    await host?.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only', () => {
    const address = host.server.address();
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/`);
  });

  describe('token', () => {
    it('refuses a call without a token', async () => {
      const res = await fetch(`${host.url}api/call/app.info`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    });

    it.each([
      ['a wrong token', `Bearer ${TOKEN.replace(/.$/, 'X')}`],
      ['a prefix of the token', `Bearer ${TOKEN.slice(0, 10)}`],
      ['the token without Bearer', TOKEN],
      ['an empty bearer', 'Bearer '],
    ])('refuses %s', async (_label, authorization) => {
      const res = await api('app.info', { input: {} }, { Authorization: authorization });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    });

    it('answers a call with the right token', async () => {
      const res = await api('app.info', { input: {}, callId: 'c-1' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { ok: boolean; value: { name: string; schemaVersion: number } };
      expect(body.ok).toBe(true);
      expect(body.value.name).toBe('Ballast');
      expect(callIds.at(-1)).toBe('c-1');
    });

    it('a call without input and without callId still goes through the dispatcher', async () => {
      const res = await api('accounts.list', {});
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, value: [] });
      expect(callIds.at(-1)).toBeUndefined();
    });
  });

  describe('Host and Origin', () => {
    it('refuses a foreign Host header (DNS rebinding)', async () => {
      for (const path of ['/api/call/app.info', '/', '/index.html']) {
        const res = await raw({
          method: path.startsWith('/api') ? 'POST' : 'GET',
          path,
          headers: { Host: `evil.com:${host.port}`, 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
          body: path.startsWith('/api') ? '{}' : undefined,
        });
        expect(res.status, path).toBe(403);
        expect(res.body).not.toContain('Ballast</title>');
        expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      }
    });

    it('refuses a Host naming another port', async () => {
      const res = await raw({ path: '/', headers: { Host: `127.0.0.1:${host.port + 1}` } });
      expect(res.status).toBe(403);
    });

    it('accepts localhost as Host', async () => {
      const res = await raw({ path: '/', headers: { Host: `localhost:${host.port}` } });
      expect(res.status).toBe(200);
    });

    it('refuses a foreign Origin even with the right token', async () => {
      const res = await raw({
        method: 'POST',
        path: '/api/call/app.info',
        headers: { Origin: 'http://evil.com', 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
        body: '{}',
      });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      const https = await raw({ path: '/', headers: { Origin: `https://127.0.0.1:${host.port}` } });
      expect(https.status).toBe(403);
      const nullOrigin = await raw({ path: '/', headers: { Origin: 'null' } });
      expect(nullOrigin.status).toBe(403);
    });

    it('accepts its own Origin', async () => {
      const res = await raw({
        method: 'POST',
        path: '/api/call/app.info',
        headers: { Origin: `http://127.0.0.1:${host.port}`, 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
        body: '{"input":{}}',
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ ok: true });
    });
  });

  describe('static files', () => {
    it('serves index.html with the CSP and hardening headers', async () => {
      for (const p of ['/', '/index.html']) {
        const res = await fetch(`${host.url}${p.slice(1)}`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe(INDEX_HTML);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("default-src 'self'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("object-src 'none'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe-eval');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      }
      const js = await fetch(`${host.url}assets/app.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    });

    it.each([
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '//etc/passwd',
      '/%2fetc%2fpasswd',
      '/assets',
      '/missing.html',
      '/index.html%00.js',
      '/%E0%A4%A',
      '/%',
    ])('%s → 404, never file content', async (p) => {
      const res = await raw({ path: p });
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('root:');
      expect(res.body).not.toContain('SECRET');
    });

    it('refuses methods other than GET/HEAD on static paths', async () => {
      const res = await raw({ method: 'DELETE', path: '/index.html' });
      expect(res.status).toBe(405);
    });
  });

  describe('API request checks', () => {
    it('bad JSON → 400 BAD_INPUT', async () => {
      const res = await api('app.info', '{"input": {');
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    });

    it.each(['null', '42', '"text"', '[1,2]'])('a JSON body %s that is not an object → 400 BAD_INPUT', async (text) => {
      const res = await api('app.info', text);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    });

    it('a malformed percent-escape in the method name → 400 BAD_INPUT', async () => {
      const res = await api('%E0%A4%A', { input: {} });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    });

    it('non-JSON content type → 415', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await api('app.info', '{}', { 'Content-Type': type });
        expect(res.status, type).toBe(415);
        expect(await res.json()).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
      }
    });

    it('GET on a call → 405', async () => {
      const res = await fetch(`${host.url}api/call/app.info`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(405);
      expect(await res.json()).toMatchObject({ ok: false });
    });

    it('contract errors map to HTTP statuses and keep the Result body', async () => {
      const unknown = await api('no.such.method', { input: {} });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });

      const bad = await api('proposals.get', { input: { proposalId: -1 } });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });

      const missing = await api('proposals.get', { input: { proposalId: 42 } });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

      const rejected = await api('imports.prices', { input: { fileName: 'e.csv', contentBase64: '' } });
      expect(rejected.status).toBe(400);
      expect(await rejected.json()).toMatchObject({ ok: false, error: { code: 'IMPORT_REJECTED' } });
    });

    it('a percent-encoded method name is decoded', async () => {
      const res = await api('app%2Einfo', { input: {} });
      expect(res.status).toBe(200);
    });

    it('an over-long callId is dropped rather than trusted', async () => {
      const res = await api('app.info', { input: {}, callId: 'x'.repeat(101) });
      expect(res.status).toBe(200);
      expect(callIds.at(-1)).toBeUndefined();
    });
  });

  it('refuses a body over the limit without calling the method, and keeps serving', async () => {
    let calls = 0;
    const small = await startHost({
      call: async () => {
        calls++;
        return { ok: true, value: null };
      },
      subscribe: () => () => undefined,
      rendererDir: dir,
      token: TOKEN,
      maxBodyBytes: 64,
    });
    try {
      const outcome = await fetch(`${small.url}api/call/app.info`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ input: { pad: 'x'.repeat(10_000) } }),
      }).then(
        (res) => res.status,
        () => 'connection closed',
      );
      expect(outcome).toBe(413);
      expect(calls).toBe(0);
      const ok = await fetch(`${small.url}api/call/app.info`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: '{}' });
      expect(ok.status).toBe(200);
      expect(calls).toBe(1);
    } finally {
      await small.close();
    }
  });

  describe('server-sent events', () => {
    it('refuses a subscription without the token', async () => {
      expect((await raw({ path: '/api/events' })).status).toBe(401);
      expect((await raw({ path: '/api/events?token=nope' })).status).toBe(401);
    });

    it('delivers pushed events to a subscriber, and unsubscribes when it leaves', async () => {
      const event: PushEvent = { type: 'progress', callId: 'sse-1', method: 'proposals.create', step: 'Risk model', current: 3, total: 10 };
      const received = await new Promise<{ contentType: string | undefined; event: unknown }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: host.port, path: `/api/events?token=${encodeURIComponent(TOKEN)}`, headers: { Host: `127.0.0.1:${host.port}` } },
          (res) => {
            expect(res.statusCode).toBe(200);
            let buffer = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buffer += chunk;
              if (buffer.includes(': connected')) {
                // Connected: now push, and push only once.
                if (!buffer.includes('data:')) queueMicrotask(() => push(event));
              }
              const line = buffer.split('\n').find((l) => l.startsWith('data: '));
              if (line) {
                resolve({ contentType: res.headers['content-type'], event: JSON.parse(line.slice(6)) });
                req.destroy();
              }
            });
          },
        );
        req.on('error', (e) => (e.message.includes('aborted') || e.message.includes('socket hang up') ? undefined : reject(e)));
        req.end();
        setTimeout(() => reject(new Error('no event within 5 s')), 5_000);
      });
      expect(received.contentType).toBe('text/event-stream');
      expect(received.event).toEqual(event);
      // The server notices the closed connection and drops the listener.
      for (let i = 0; i < 50 && listeners.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(listeners.size).toBe(0);
    });
  });
});
