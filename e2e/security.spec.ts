import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron, expect as baseExpect, test as baseTest, type ElectronApplication } from '@playwright/test';
import { expect, test } from './fixtures';
import { BallastApp } from './pages/BallastApp';
import { electronBinary, makeTempDir, removeDir, repoRoot, sha256File } from './support';

/*
 * Issue 11, the attacks replayed against the built app. Browser mode: a token holder tries to read
 * /etc/passwd through an import and to write a file anywhere through an export, and to make the server
 * hold a huge body; the page's own flows (upload a file, export, download it) keep working. Desktop: the
 * window is served from app:// with the CSP header and no DevTools, where an Electron binary exists.
 */

const PASSWD = '/etc/passwd';

/** A contract call with the token from the URL `ballast serve` printed, as any script holding it could. */
async function apiCall(serverUrl: string, method: string, input: unknown, extra: Record<string, unknown> = {}) {
  const url = new URL(serverUrl);
  const token = url.searchParams.get('token') ?? '';
  const res = await fetch(`${url.origin}/api/call/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ input, ...extra }),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { ok: boolean; value?: unknown; error?: { code: string; message: string } } };
}

test.describe('browser mode cannot read or write the disk', () => {
  test('attack: imports with a local path are refused and reveal nothing of the file', async ({ server }) => {
    const passwdSha = existsSync(PASSWD) ? createHash('sha256').update(readFileSync(PASSWD)).digest('hex') : 'none';
    for (const [method, input] of [
      ['imports.preview', { kind: 'positions', fileName: 'passwd', path: PASSWD }],
      ['imports.preview', { kind: 'prices', fileName: 'passwd', path: PASSWD }],
      ['imports.prices', { fileName: 'passwd', path: PASSWD }],
      ['imports.positions', { fileName: 'passwd', path: PASSWD }],
      ['indicators.import', { fileName: 'passwd', path: PASSWD }],
    ] as const) {
      const r = await apiCall(server.url, method, input);
      expect(r.status, method).toBe(403);
      expect(r.body.error?.code).toBe('UNAUTHORIZED');
      expect(r.text).not.toContain('root:');
      expect(r.text).not.toContain(passwdSha);
    }
  });

  test('attack: an export with a path is refused, no folder or file is created; without one it lands in the exports folder', async ({ server, workDir }) => {
    expect((await apiCall(server.url, 'demo.load', {})).body.ok).toBe(true);
    const created = (await apiCall(server.url, 'proposals.create', { accountId: 'DEMO', engine: 'baseline' })).body.value as { id: number };
    expect((await apiCall(server.url, 'proposals.approve', { proposalId: created.id, by: 'E2E' })).body.ok).toBe(true);
    const target = path.join(workDir, 'attack', 'deep', 'authorized_keys');
    const refused = await apiCall(server.url, 'exports.create', { proposalId: created.id, format: 'csv', path: target });
    expect(refused.status).toBe(403);
    expect(existsSync(path.join(workDir, 'attack'))).toBe(false);
    const written = await apiCall(server.url, 'exports.create', { proposalId: created.id, format: 'csv' });
    const record = written.body.value as { path: string };
    expect(path.dirname(record.path)).toBe(path.join(workDir, 'exports'));
  });

  test('attack: a huge JSON body is refused with 413 before the method runs', async ({ server }) => {
    const url = new URL(server.url);
    const status = await fetch(`${url.origin}/api/call/audit.list`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${url.searchParams.get('token')}` },
      body: JSON.stringify({ input: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
    }).then(
      (res) => res.status,
      () => 0,
    );
    expect([413, 0]).toContain(status);
  });

  test('the import screen uploads bytes (never a path, never base64 inside a call)', async ({ app, page }) => {
    const calls: string[] = [];
    const uploads: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/call/')) calls.push(request.postData() ?? '');
      if (url.pathname === '/api/upload') uploads.push(url.searchParams.get('fileName') ?? '');
    });
    const csv = readFileSync(path.join(repoRoot, 'src', 'main', 'io', '__fixtures__', 'csv', 'us-broker-synthetic.csv'));
    await app.imports.choose('us-broker-synthetic.csv', csv);
    expect(uploads).toContain('us-broker-synthetic.csv');
    const previewCalls = calls.filter((body) => body.includes('"fileName":"us-broker-synthetic.csv"'));
    expect(previewCalls.length).toBeGreaterThan(0);
    for (const body of calls) {
      expect(body).not.toContain('contentBase64');
      expect(body).not.toContain('"path"');
    }
  });

  test('an export is downloaded byte for byte from the exports folder', async ({ app, page, server, workDir }) => {
    await app.welcome.loadDemo();
    await app.proposals.generateWith({ engine: 'baseline' });
    await app.proposals.expectPendingProposal('baseline');
    await app.proposals.approve('E2E Reviewer', 'Approved for the download check.');
    const written = await app.proposals.exportCsv();
    expect(path.dirname(written.path)).toBe(path.join(workDir, 'exports'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
    expect(download.suggestedFilename()).toBe(path.basename(written.path));
    const saved = await download.path();
    expect(readFileSync(saved).equals(readFileSync(written.path))).toBe(true);
    expect(sha256File(saved)).toBe(written.sha256);
    // The anchor of the audit chain sits beside the basket, not in it.
    expect(readdirSync(path.dirname(written.path))).toContain(`${path.basename(written.path)}.anchor.json`);
    expect(server.url).toContain('token=');
  });

  test('pages carry the CSP as a header, never framed', async ({ server }) => {
    const res = await fetch(new URL(server.url).origin + '/');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

const binary = electronBinary();

baseTest.describe('desktop app (Electron) security', () => {
  baseTest.skip(!('path' in binary), `no Electron binary on this machine (${'reason' in binary ? binary.reason : ''}); the same policy is unit-tested in src/main/security/*.security.test.ts`);

  let dir: string;
  let electronApp: ElectronApplication | undefined;
  baseTest.beforeEach(() => {
    dir = makeTempDir('electron-security');
  });
  baseTest.afterEach(async () => {
    await electronApp?.close();
    removeDir(dir);
  });

  baseTest('served from app:// with the CSP header, sandboxed, permissions, pop-ups and navigation denied', async () => {
    if (!('path' in binary)) return;
    electronApp = await electron.launch({
      executablePath: binary.path,
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), path.join(repoRoot, 'out/main/index.js')],
      cwd: repoRoot,
      env: { ...process.env, BALLAST_DB: path.join(dir, 'ballast.db') },
    });
    const page = await electronApp.firstWindow();
    const app = new BallastApp(page);
    await app.ready();
    baseExpect(page.url()).toBe('app://ballast/index.html');
    // Isolated and sandboxed: no Node in the page, and the bridge is the named contract methods only.
    baseExpect(await page.evaluate(() => [typeof (globalThis as { process?: unknown }).process, typeof (globalThis as { require?: unknown }).require])).toEqual(['undefined', 'undefined']);
    baseExpect(await page.evaluate(() => Object.keys((window as unknown as { ballast: object }).ballast).sort())).toEqual(['methods', 'onEvent', 'transport']);
    baseExpect(await electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.isDevToolsOpened())).toBe(false);
    const csp = await page.evaluate(async () => (await fetch('app://ballast/index.html')).headers.get('content-security-policy'));
    baseExpect(csp).toContain("frame-ancestors 'none'");
    baseExpect(await page.evaluate(async () => (await navigator.permissions.query({ name: 'notifications' as PermissionName })).state)).not.toBe('granted');
    baseExpect(await page.evaluate(() => window.open('https://example.com') === null)).toBe(true);
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await baseExpect(page).toHaveURL(/^app:\/\/ballast\//);
  });
});
