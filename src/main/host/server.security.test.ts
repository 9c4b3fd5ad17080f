import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Proposal } from '../../shared/domain';
import { grantedFileAccess } from '../app/file-access';
import { jobHandlers } from '../app/jobs';
import { createRuntime, type Runtime } from '../app/runtime';
import { InlineJobRunner } from '../jobs/inline';
import { sizeInWords, startHost, UPLOAD_LIMITS, uploadLimitFor, type RunningHost } from './server';

/*
 * Issue 11, browser mode. Probed as an attacker holding the token: `imports.preview` with
 * `path: "/etc/passwd"` returned a line of it and its SHA-256, `exports.create` with a path created
 * folders and wrote a file, and any request could hold 256 MiB in memory. Each attack is replayed here
 * against the real handler table; the page's own flows (upload bytes, export into the exports folder,
 * download) keep working.
 */

const TOKEN = 'security-token-0123456789abcdef';
const PASSWD = '/etc/passwd';
const FIXTURES = path.resolve(__dirname, '..', 'io', '__fixtures__');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));
const fixtureText = (name: string) => fixture(name).toString('utf8');
const PRICES_CSV = 'date,AAA,BBB\n2024-01-02,10,20\n2024-01-03,10.5,19.5\n';
/** The start of an IBKR activity statement (CSV): the one position format still read whole. */
const IBKR_ACTIVITY = 'Statement,Header,Field Name,Field Value\nStatement,Data,BrokerName,Interactive Brokers\n';

describe('browser mode cannot read or write the disk', () => {
  let dir: string;
  let runtime: Runtime;
  let host: RunningHost;
  let proposal: Proposal;

  const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${host.url}${p}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const call = async (method: string, input: unknown, extra: Record<string, unknown> = {}) => {
    const res = await post(`api/call/${method}`, { input, ...extra });
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) as { ok: boolean; value?: unknown; error?: { code: string; message: string } } };
  };
  const upload = async (fileName: string, bytes: string, target: RunningHost = host) => {
    const res = await fetch(`${target.url}api/upload?fileName=${encodeURIComponent(fileName)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${TOKEN}` },
      body: bytes,
    }).catch(() => null);
    if (!res) return { status: 0, body: null };
    return { status: res.status, body: (await res.json()) as { ok: boolean; value?: { uploadId: string; bytes: number; sha256: string }; error?: { code: string; message: string } } };
  };
  /** An upload without a Content-Length, in 512-byte pieces: the limit is counted as the bytes arrive. */
  const chunked = (target: RunningHost, fileName: string, bytes: Uint8Array) =>
    fetch(`${target.url}api/upload?fileName=${encodeURIComponent(fileName)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${TOKEN}` },
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 512) controller.enqueue(bytes.subarray(at, at + 512));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).then(
      (res) => res.status,
      () => 0,
    );

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-host-security-'));
    mkdirRenderer(dir);
    runtime = createRuntime({ dbPath: path.join(dir, 'db', 'ballast.db'), resourcesDir: path.resolve(__dirname, '..', '..', '..', 'resources'), workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers) });
    host = await startHost({
      call: (m, input, callId, access) => runtime.dispatcher.call(m, input, callId, access),
      subscribe: (l) => runtime.subscribe(l),
      rendererDir: path.join(dir, 'renderer'),
      token: TOKEN,
    });
    expect((await call('demo.load', {})).body.ok).toBe(true);
    const created = await call('proposals.create', { accountId: 'DEMO', engine: 'baseline' });
    const approved = await call('proposals.approve', { proposalId: (created.body.value as Proposal).id, by: 'Alice PM' });
    proposal = approved.body.value as Proposal;
  });

  afterAll(async () => {
    await host?.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('attack: read a local file through an import', () => {
    const passwdSha = existsSync(PASSWD) ? createHash('sha256').update(readFileSync(PASSWD)).digest('hex') : 'no-passwd-here';

    it.each([
      ['imports.preview', { kind: 'positions', fileName: 'passwd.csv', path: PASSWD }],
      ['imports.preview', { kind: 'prices', fileName: 'passwd.csv', path: PASSWD }],
      ['imports.prices', { fileName: 'passwd.csv', path: PASSWD }],
      ['imports.positions', { fileName: 'passwd.csv', path: PASSWD, accountId: 'DEMO' }],
      ['indicators.import', { fileName: 'passwd.csv', path: PASSWD }],
      ['imports.preview', { kind: 'prices', fileName: 'x.csv', path: '../../../../etc/passwd' }],
    ])('%s with a path is refused, and nothing of the file comes back', async (method, input) => {
      const r = await call(method, input);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      expect(r.body.error!.message).toMatch(/not accepted in browser mode/);
      expect(r.text).not.toContain('root:');
      expect(r.text).not.toContain(passwdSha);
    });

    it('a path next to an upload is refused too (the upload does not open the door)', async () => {
      const up = await upload('prices.csv', PRICES_CSV);
      const r = await call('imports.preview', { kind: 'prices', fileName: 'p.csv', path: PASSWD }, { upload: up.body!.value!.uploadId });
      expect(r.status).toBe(403);
      expect(r.text).not.toContain('root:');
    });

    it('the dispatcher refuses it on its own, for a host wired without the check', async () => {
      for (const input of [{ kind: 'prices', fileName: 'x.csv', path: PASSWD }]) {
        const r = await runtime.dispatcher.call('imports.preview', input, undefined, grantedFileAccess('http'));
        expect(r).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      }
      // …and lets a granted file through, only that one.
      const file = path.join(dir, 'granted.csv');
      writeFileSync(file, PRICES_CSV);
      expect((await runtime.dispatcher.call('imports.preview', { kind: 'prices', fileName: 'g.csv', path: file }, undefined, grantedFileAccess('http', [file]))).ok).toBe(true);
      expect((await runtime.dispatcher.call('imports.preview', { kind: 'prices', fileName: 'g.csv', path: PASSWD }, undefined, grantedFileAccess('http', [file]))).ok).toBe(false);
      expect((await runtime.dispatcher.call('imports.preview', { kind: 'prices', fileName: 'g.csv', path: PASSWD }, undefined, grantedFileAccess('desktop'))).ok).toBe(false);
    });
  });

  describe('attack: write a file anywhere through an export', () => {
    it('exports.create with a path is refused; no folder, no file', async () => {
      const target = path.join(dir, 'attack', 'deep', 'authorized_keys');
      const r = await call('exports.create', { proposalId: proposal.id, format: 'csv', path: target });
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      expect(existsSync(path.join(dir, 'attack'))).toBe(false);
      expect((await call('proposals.get', { proposalId: proposal.id })).body.value).toMatchObject({ status: 'approved', exports: [] });
    });

    it('without a path the server writes into its exports folder under a name it chooses, and the page downloads it', async () => {
      const r = await call('exports.create', { proposalId: proposal.id, format: 'csv' });
      expect(r.status).toBe(200);
      const record = r.body.value as { id: number; path: string; sha256: string };
      const exportsDir = path.join(dir, 'db', 'exports');
      expect(path.dirname(record.path)).toBe(exportsDir);
      expect(path.basename(record.path)).toMatch(/^ballast-proposal-\d+-DEMO-\d{8}T\d{9}Z\.csv$/);
      const download = await call('exports.download', { exportId: record.id });
      expect(download.status).toBe(200);
      const file = download.body.value as { fileName: string; contentBase64: string; sha256: string; mediaType: string };
      expect(file.fileName).toBe(path.basename(record.path));
      expect(file.mediaType).toBe('text/csv');
      expect(Buffer.from(file.contentBase64, 'base64').equals(readFileSync(record.path))).toBe(true);
      expect(file.sha256).toBe(record.sha256);
    });

    it('download serves only untampered files inside the exports folder', async () => {
      // An export the CLI wrote elsewhere (allowed locally) is not served over HTTP.
      const outside = path.join(dir, 'cli-out', 'basket.csv');
      const local = await runtime.dispatcher.invoke('exports.create', { proposalId: proposal.id, format: 'csv', path: outside, confirmReexport: true });
      const refused = await call('exports.download', { exportId: local.id });
      expect(refused.status).toBe(403);
      expect(refused.body.error!.code).toBe('UNAUTHORIZED');
      // A file in the folder changed after it was written is not served either.
      const inside = (await call('exports.create', { proposalId: proposal.id, format: 'fix44', confirmReexport: true })).body.value as { id: number; path: string };
      writeFileSync(inside.path, 'edited');
      const changed = await call('exports.download', { exportId: inside.id });
      expect(changed.body).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
      expect(changed.text).not.toContain('edited');
      expect((await call('exports.download', { exportId: 999_999 })).status).toBe(404);
    });
  });

  describe('uploads: bytes streamed to a temporary file, size-limited per format', () => {
    it('an uploaded price file previews and imports; each upload serves one call and is then deleted', async () => {
      const up = await upload('prices.csv', PRICES_CSV);
      expect(up.status).toBe(200);
      expect(up.body!.value).toMatchObject({ bytes: PRICES_CSV.length, sha256: createHash('sha256').update(PRICES_CSV).digest('hex') });
      const preview = await call('imports.preview', { kind: 'prices', fileName: 'prices.csv' }, { upload: up.body!.value!.uploadId });
      expect(preview.status).toBe(200);
      expect(preview.body.value).toMatchObject({ kind: 'prices', fileName: 'prices.csv', sha256: up.body!.value!.sha256, prices: { tickers: ['AAA', 'BBB'], rows: 4 } });
      // The temporary path never reaches the page.
      expect(preview.text).not.toContain('ballast-uploads-');
      const again = await call('imports.preview', { kind: 'prices', fileName: 'prices.csv' }, { upload: up.body!.value!.uploadId });
      expect(again.status).toBe(404);
      const second = await upload('prices.csv', PRICES_CSV);
      const imported = await call('imports.prices', { fileName: 'prices.csv' }, { upload: second.body!.value!.uploadId });
      expect(imported.body.value).toMatchObject({ status: 'imported', rows: 4 });
    });

    it('refuses an upload id for a method that takes no file, an unknown id, and bytes twice', async () => {
      const up = await upload('prices.csv', PRICES_CSV);
      expect((await call('audit.list', {}, { upload: up.body!.value!.uploadId })).status).toBe(400);
      expect((await call('imports.preview', { kind: 'prices', fileName: 'p.csv' }, { upload: 'nope' })).status).toBe(404);
      const both = await call('imports.preview', { kind: 'prices', fileName: 'p.csv', contentBase64: '' }, { upload: up.body!.value!.uploadId });
      expect(both.status).toBe(400);
    });

    it('needs the token and raw bytes', async () => {
      const noToken = await fetch(`${host.url}api/upload?fileName=a.csv`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: 'x' });
      expect(noToken.status).toBe(401);
      const form = await fetch(`${host.url}api/upload?fileName=a.csv`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${TOKEN}` }, body: 'x' });
      expect(form.status).toBe(415);
      const unnamed = await fetch(`${host.url}api/upload`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${TOKEN}` }, body: 'x' });
      expect(unnamed.status).toBe(400);
    });

    it('limits each upload by the format its first bytes show, as the import reads them, and keeps nothing of a refused one', async () => {
      // Issue 10: Flex, semt.002, MT535 and OFX are read as a stream, so an .xml, .ofx or .txt of theirs gets
      // the streamed limit; the IBKR activity CSV is still parsed whole and keeps the whole-file limit.
      const streamed = [
        'csv/us-broker-synthetic.csv',
        'csv/prices-wide-eu-synthetic.csv',
        'ibkr-flex/synthetic-two-accounts.flex.xml',
        'semt002/synthetic-custody.semt002.xml',
        'mt535/synthetic-two-page.mt535.fin',
        'ofx/synthetic-brokerage-ofx1.ofx',
        'ofx/synthetic-brokerage-ofx2.ofx',
        'ofx/synthetic-quicken.qfx',
      ];
      for (const name of streamed) expect(uploadLimitFor(fixture(name)), name).toMatchObject({ bytes: UPLOAD_LIMITS.streamed, streamed: true });
      expect(uploadLimitFor(Buffer.from(IBKR_ACTIVITY))).toMatchObject({ format: 'ibkr-csv', bytes: UPLOAD_LIMITS.wholeFile, streamed: false });
      expect(UPLOAD_LIMITS.wholeFile).toBe(64 * 1024 * 1024);
      expect([sizeInWords(UPLOAD_LIMITS.wholeFile), sizeInWords(UPLOAD_LIMITS.streamed), sizeInWords(1536), sizeInWords(1000)]).toEqual(['64 MB', '1 GB', '1.5 KB', '1000 bytes']);

      const small = await startHost({
        call: (m, input, callId, access) => runtime.dispatcher.call(m, input, callId, access),
        subscribe: () => () => undefined,
        rendererDir: path.join(dir, 'renderer'),
        token: TOKEN,
        uploadLimits: { streamed: 8192, wholeFile: 1024 },
      });
      try {
        if (process.platform !== 'win32') expect(statSync(small.uploadDir).mode & 0o777).toBe(0o700);
        expect((await upload('a.csv', 'x'.repeat(8000), small)).status).toBe(200);
        const csv = await upload('a.csv', 'x'.repeat(9000), small);
        expect(csv.status).toBe(413);
        expect(csv.body?.error?.message).toBe('a.csv is larger than 8 KB, the most browser mode accepts for a CSV file (read as a stream). Nothing was kept.');
        // Above the whole-file limit, below the streamed one: accepted whatever the name says.
        expect((await upload('flex.xml', fixtureText('ibkr-flex/synthetic-two-accounts.flex.xml'), small)).status).toBe(200);
        expect((await upload('custody.XML', fixtureText('semt002/synthetic-custody.semt002.xml'), small)).status).toBe(200);
        expect((await upload('statement.xml', fixtureText('ofx/synthetic-brokerage-ofx2.ofx'), small)).status).toBe(200);
        const activity = await upload('activity.csv', IBKR_ACTIVITY.repeat(40), small);
        expect(activity.status).toBe(413);
        expect(activity.body?.error?.message).toBe(
          'activity.csv is larger than 1 KB, the most browser mode accepts for an Interactive Brokers activity statement (CSV) (read whole into memory to be parsed). Nothing was kept.',
        );
        expect((await upload('custody.txt', fixtureText('mt535/synthetic-two-page.mt535.fin'), small)).status).toBe(200);
        // Streamed without a Content-Length: the limit is counted as the bytes arrive.
        expect(await chunked(small, 'a.csv', Buffer.from(IBKR_ACTIVITY.repeat(40)))).toBe(413);
        expect(await chunked(small, 'a.xml', Buffer.from(fixtureText('semt002/synthetic-custody.semt002.xml')))).toBe(200);
        // Only the accepted uploads are on disk, owner-only.
        const files = readdirSync(small.uploadDir);
        expect(files).toHaveLength(6);
        if (process.platform !== 'win32') for (const f of files) expect(statSync(path.join(small.uploadDir, f)).mode & 0o777).toBe(0o600);
      } finally {
        await small.close();
      }
      expect(existsSync(small.uploadDir)).toBe(false);
    });

    it('decides on the first 64 KB of a long upload, refusing a declared length over its limit there', async () => {
      const KB = 1024;
      const limited = await startHost({
        call: (m, input, callId, access) => runtime.dispatcher.call(m, input, callId, access),
        subscribe: () => () => undefined,
        rendererDir: path.join(dir, 'renderer'),
        token: TOKEN,
        uploadLimits: { streamed: 256 * KB, wholeFile: 96 * KB },
      });
      const padded = (name: string, bytes: number) => {
        const text = fixtureText(name);
        return text + ' '.repeat(bytes - Buffer.byteLength(text));
      };
      try {
        const activity = await upload('big.csv', IBKR_ACTIVITY.repeat(Math.ceil((128 * KB) / IBKR_ACTIVITY.length)), limited);
        expect([413, 0]).toContain(activity.status);
        if (activity.status === 413) expect(activity.body?.error?.message).toContain('larger than 96 KB, the most browser mode accepts for an Interactive Brokers activity statement (CSV)');
        expect(await chunked(limited, 'big.csv', Buffer.from(IBKR_ACTIVITY.repeat(Math.ceil((128 * KB) / IBKR_ACTIVITY.length))))).toBe(413);
        // An OFX file beyond the whole-file limit is taken: it is read as a stream now.
        const ofx = await upload('big.ofx', padded('ofx/synthetic-brokerage-ofx2.ofx', 128 * KB), limited);
        expect(ofx.status).toBe(200);
        const csv = await upload('big.csv', 'x'.repeat(300 * KB), limited);
        expect([413, 0]).toContain(csv.status);
        if (csv.status === 413) expect(csv.body?.error?.message).toContain('larger than 256 KB, the most browser mode accepts for a CSV file (read as a stream)');
        // A Flex Query beyond the whole-file limit is taken and imported from the upload as a stream.
        const flex = await upload('big.xml', padded('ibkr-flex/synthetic-two-accounts.flex.xml', 200 * KB), limited);
        expect(flex.status).toBe(200);
        const preview = await fetch(`${limited.url}api/call/imports.preview`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify({ input: { kind: 'positions', fileName: 'big.xml' }, upload: flex.body!.value!.uploadId }),
        }).then((res) => res.json() as Promise<{ ok: boolean; value?: { format: string; totalRows: number } }>);
        expect(preview.ok).toBe(true);
        expect(preview.value?.format).toBe('ibkr-flex');
        expect(preview.value?.totalRows).toBeGreaterThan(0);
        // Only the OFX upload, never used by a call, is still waiting.
        expect(readdirSync(limited.uploadDir)).toHaveLength(1);
      } finally {
        await limited.close();
      }
    });
  });

  describe('request bodies: the limit depends on the method', () => {
    it('an ordinary JSON call is refused above 1 MiB, before the method runs', async () => {
      const r = await post('api/call/audit.list', { input: { pad: 'x'.repeat(1024 * 1024 + 10) } });
      expect(r.status).toBe(413);
    });

    it('a file inline as base64 may be larger (16 MiB), but not without bound', async () => {
      const inline = Buffer.from(`date,AAA\n${'2024-01-02,1\n'.repeat(120_000)}`).toString('base64');
      expect(inline.length).toBeGreaterThan(1024 * 1024);
      const ok = await post('api/call/imports.preview', { input: { kind: 'prices', fileName: 'big.csv', contentBase64: inline } });
      expect(ok.status).not.toBe(413);
      const tooBig = await post('api/call/imports.preview', { input: { kind: 'prices', fileName: 'huge.csv', contentBase64: 'A'.repeat(17 * 1024 * 1024) } }).then(
        (res) => res.status,
        () => 0,
      );
      expect([413, 0]).toContain(tooBig);
    });
  });
});

function mkdirRenderer(dir: string): void {
  mkdirSync(path.join(dir, 'renderer'), { recursive: true });
  writeFileSync(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>Ballast</title>');
}
