import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorMac } from '../app/anchors';
import { loadOrCreateAnchorKey, type SafeStorageLike } from './anchor-key';
import { APP_CSP, APP_SCHEME_PRIVILEGES, resolveAppAsset } from './protocol';
import { applicationMenuTemplate, denyDevicePermission, denyPermissionCheck, denyPermissionRequest, fileDialogRequest, mainWindowOptions } from './window';

/*
 * The Electron checklist of issue 11, asserted over the pure functions and data the shell hands to
 * Electron (src/main/index.ts), so it runs without an Electron binary; e2e/electron.spec.ts checks the
 * same things in a real window where one exists.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');

describe('window options', () => {
  const production = mainWindowOptions({ preload: '/app/out/preload/index.js', devTools: false });

  it('isolates and sandboxes the renderer, with no Node anywhere', () => {
    expect(production.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
    });
  });

  it('has DevTools only in development', () => {
    expect(production.webPreferences.devTools).toBe(false);
    expect(mainWindowOptions({ preload: 'p', devTools: true }).webPreferences.devTools).toBe(true);
  });

  it('the menu offers DevTools and reload only in development', () => {
    const roles = (items: ReturnType<typeof applicationMenuTemplate>): string[] => items.flatMap((i) => [...(i.role ? [i.role] : []), ...roles(i.submenu ?? [])]);
    for (const isMac of [false, true]) {
      const prod = roles(applicationMenuTemplate({ isMac, devTools: false }));
      expect(prod).not.toContain('toggleDevTools');
      expect(prod).not.toContain('reload');
      expect(prod).not.toContain('forceReload');
      // Electron's stock View menu would bring DevTools back.
      expect(prod).not.toContain('viewMenu');
      expect(prod).toEqual(expect.arrayContaining(['fileMenu', 'editMenu', 'windowMenu', 'zoomIn']));
      expect(roles(applicationMenuTemplate({ isMac, devTools: true }))).toContain('toggleDevTools');
    }
  });
});

describe('session', () => {
  it('denies every permission check, request and device', () => {
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'hid', 'serial', 'usb', 'openExternal']) {
      expect(denyPermissionCheck()).toBe(false);
      let granted: boolean | null = null;
      denyPermissionRequest(null, permission, (g) => (granted = g));
      expect(granted, permission).toBe(false);
    }
    expect(denyDevicePermission()).toBe(false);
  });

  it('src/main/index.ts wires every handler (no Electron here to observe them)', () => {
    const shell = readFileSync(path.join(repoRoot, 'src', 'main', 'index.ts'), 'utf8');
    for (const wiring of [
      'setPermissionCheckHandler(denyPermissionCheck)',
      'setPermissionRequestHandler(denyPermissionRequest)',
      'setDevicePermissionHandler(denyDevicePermission)',
      "contents.on('will-redirect', guard)",
      "contents.on('will-navigate', guard)",
      "contents.on('will-frame-navigate'",
      "contents.on('will-attach-webview'",
      'setWindowOpenHandler',
      'protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])',
      'protocol.handle(APP_SCHEME',
      'app.enableSandbox()',
      'chooseRendererUrl({ isPackaged: app.isPackaged',
      'mainWindowOptions({',
      'isTrustedIpcSender(',
      'await win.loadURL(rendererUrl)',
    ]) {
      expect(shell, wiring).toContain(wiring);
    }
    // Nothing loads over file:// and nothing reads ELECTRON_RENDERER_URL except through chooseRendererUrl.
    expect(shell).not.toMatch(/loadFile\(|pathToFileURL/);
    expect(shell.match(/ELECTRON_RENDERER_URL/g)).toHaveLength(1);
  });
});

describe('app:// protocol', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'ballast-app-protocol-'));
    mkdirSync(path.join(root, 'renderer', 'assets'), { recursive: true });
    writeFileSync(path.join(root, 'renderer', 'index.html'), '<!doctype html>');
    writeFileSync(path.join(root, 'renderer', 'assets', 'index.js'), '1');
    writeFileSync(path.join(root, 'secret.txt'), 'SECRET');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const resolve = (url: string, method = 'GET') => resolveAppAsset(url, method, path.join(root, 'renderer'));

  it('is a standard, secure scheme that does not bypass CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ scheme: 'app', privileges: { standard: true, secure: true, bypassCSP: false, allowServiceWorkers: false } });
  });

  it('serves the renderer with the CSP as a header, frame-ancestors included', () => {
    for (const url of ['app://ballast/', 'app://ballast/index.html']) {
      const r = resolve(url);
      expect(r.status).toBe(200);
      if (r.status !== 200) continue;
      expect(r.file).toBe(path.join(root, 'renderer', 'index.html'));
      expect(r.headers['Content-Type']).toBe('text/html; charset=utf-8');
      expect(r.headers['Content-Security-Policy']).toBe(APP_CSP);
      expect(r.headers['X-Content-Type-Options']).toBe('nosniff');
    }
    expect(APP_CSP).toContain("frame-ancestors 'none'");
    expect(APP_CSP).toContain("default-src 'self'");
    expect(APP_CSP).toContain("script-src 'self'");
    expect(APP_CSP).toContain("object-src 'none'");
    expect(APP_CSP).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(resolve('app://ballast/assets/index.js')).toMatchObject({ status: 200, headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
  });

  it.each([
    'app://ballast/../secret.txt',
    'app://ballast/%2e%2e/secret.txt',
    'app://ballast/..%2fsecret.txt',
    'app://ballast/assets/..%2f..%2fsecret.txt',
    'app://ballast/..%5csecret.txt',
    'app://ballast/%2fetc%2fpasswd',
    'app://ballast//etc/passwd',
    'app://ballast/index.html%00.js',
    'app://ballast/%E0%A4%A',
    'app://ballast/assets',
    'app://ballast/missing.html',
    'app://evil/index.html',
    'app://user@ballast/index.html',
    'file:///etc/passwd',
    'not a url',
  ])('%s → 404, never a file outside the renderer', (url) => {
    const r = resolve(url);
    expect(r.status).toBe(404);
    expect('file' in r).toBe(false);
  });

  it('answers GET and HEAD only', () => {
    expect(resolve('app://ballast/index.html', 'POST').status).toBe(405);
    expect(resolve('app://ballast/index.html', 'HEAD').status).toBe(200);
  });
});

describe('file paths over IPC come from the desktop app’s own dialogs', () => {
  it('turns a path in an export or import into a dialog request; no path, no dialog', () => {
    expect(fileDialogRequest('exports.create', { proposalId: 1, format: 'csv', path: '/home/pm/x.csv' })).toMatchObject({ kind: 'save', suggested: '/home/pm/x.csv' });
    expect(fileDialogRequest('exports.create', { proposalId: 1, format: 'fix44', path: '/home/pm/x.fix' })).toMatchObject({ kind: 'save', filters: [{ extensions: ['fix', 'txt'] }] });
    for (const method of ['imports.preview', 'imports.prices', 'imports.positions', 'indicators.import']) {
      expect(fileDialogRequest(method, { fileName: 'a.csv', path: '/etc/passwd' })).toMatchObject({ kind: 'open', suggested: '/etc/passwd' });
    }
    expect(fileDialogRequest('exports.create', { proposalId: 1, format: 'csv' })).toBeNull();
    expect(fileDialogRequest('imports.prices', { fileName: 'a.csv', contentBase64: '' })).toBeNull();
    // A method that has no business with files gets no dialog, so no grant, so the dispatcher refuses it.
    expect(fileDialogRequest('audit.list', { path: '/etc/passwd' })).toBeNull();
    expect(fileDialogRequest('exports.create', null)).toBeNull();
  });
});

describe('packaged build (package.json "build")', () => {
  const build = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { build: Record<string, unknown> }).build;

  it('flips the fuses with electron-builder', () => {
    expect(build.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
  });

  it('keeps every line of app code inside the integrity-checked asar', () => {
    expect(build.asar).not.toBe(false);
    const unpacked = ([] as string[]).concat((build.asarUnpack as string[] | string | undefined) ?? []);
    expect(unpacked.filter((p) => p.startsWith('out/'))).toEqual([]);
  });
});

describe('audit anchor key in the OS keychain (safeStorage)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-anchor-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A stand-in for safeStorage: "encrypts" by reversing and tagging, so the file never holds the plain secret. */
  const fakeStorage = (backend = 'gnome_libsecret', available = true): SafeStorageLike => ({
    isEncryptionAvailable: () => available,
    encryptString: (text) => Buffer.from(`enc:${[...text].reverse().join('')}`),
    decryptString: (bytes) => {
      const text = bytes.toString();
      if (!text.startsWith('enc:')) throw new Error('not ours');
      return [...text.slice(4)].reverse().join('');
    },
    getSelectedStorageBackend: () => backend,
  });

  it('creates the key once, stores it only encrypted (0600), and loads the same key again', () => {
    const file = path.join(dir, 'key.bin');
    const first = loadOrCreateAnchorKey(file, fakeStorage(), 'linux');
    expect(first.key).not.toBeNull();
    const stored = readFileSync(file);
    expect(stored.toString()).toMatch(/^enc:/);
    expect(stored.toString()).not.toContain(Buffer.from(first.key!.secret).toString('hex'));
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = loadOrCreateAnchorKey(file, fakeStorage(), 'linux');
    expect(again.key!.id).toBe(first.key!.id);
    expect(anchorMac(again.key!, 3, 'a'.repeat(64))).toBe(anchorMac(first.key!, 3, 'a'.repeat(64)));
  });

  it('stays unsigned without a real keychain, and never replaces a key it cannot read', () => {
    expect(loadOrCreateAnchorKey(path.join(dir, 'none.bin'), fakeStorage('gnome_libsecret', false), 'linux').key).toBeNull();
    expect(loadOrCreateAnchorKey(path.join(dir, 'basic.bin'), fakeStorage('basic_text'), 'linux')).toMatchObject({ key: null, reason: expect.stringMatching(/basic_text/) });
    const file = path.join(dir, 'foreign.bin');
    writeFileSync(file, 'someone else');
    expect(loadOrCreateAnchorKey(file, fakeStorage(), 'linux')).toMatchObject({ key: null, reason: expect.stringMatching(/could not be decrypted/) });
    expect(readFileSync(file, 'utf8')).toBe('someone else');
  });
});
