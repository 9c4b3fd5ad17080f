import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  safeStorage,
  session,
  shell,
  type MenuItemConstructorOptions,
  type WebContents,
} from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../shared/api';
import { grantedFileAccess } from './app/file-access';
import { createRuntime, type Runtime } from './app/runtime';
import {
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  applicationMenuTemplate,
  chooseRendererUrl,
  denyDevicePermission,
  denyPermissionCheck,
  denyPermissionRequest,
  fileDialogRequest,
  isAllowedExternalUrl,
  isAllowedNavigation,
  isTrustedIpcSender,
  loadOrCreateAnchorKey,
  mainWindowOptions,
  resolveAppAsset,
} from './security';

// The Electron shell is deliberately thin: windows, security handlers and the IPC transport. All
// behaviour lives in the app layer, which the browser mode and the CLI share; every security decision
// is a pure function in ./security with its unit test.

app.setName('Ballast');
// Every renderer sandboxed, whatever a future window's options say.
app.enableSandbox();
// Must precede 'ready': app:// is a standard, secure origin of its own (./security/protocol.ts).
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

const rendererDir = path.join(__dirname, '..', 'renderer');
const devTools = !app.isPackaged;
const rendererUrl = chooseRendererUrl({ isPackaged: app.isPackaged, devServerUrl: process.env.ELECTRON_RENDERER_URL });

/** better-sqlite3 built against Electron's ABI (scripts/build-electron-native.mjs); tests keep the Node build. */
function electronSqliteBinding(): string | undefined {
  const candidates = [
    path.join(process.resourcesPath ?? '', 'native', 'better_sqlite3.node'),
    path.join(__dirname, '..', '..', 'native', 'electron', 'better_sqlite3.node'),
  ];
  return candidates.find((c) => existsSync(c));
}

function openExternal(url: string): void {
  if (isAllowedExternalUrl(url)) void shell.openExternal(url);
}

function harden(contents: WebContents): void {
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (!isAllowedNavigation(url, rendererUrl)) event.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-frame-navigate', (event) => guard(event, event.url));
  // A server redirect is a navigation the page did not ask for: same rule.
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternal(url);
    return { action: 'deny' };
  });
  if (!devTools) contents.on('devtools-opened', () => contents.closeDevTools());
}

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler(denyPermissionRequest);
  ses.setPermissionCheckHandler(denyPermissionCheck);
  ses.setDevicePermissionHandler(denyDevicePermission);
  // The desktop app never downloads: trade lists are written by main, through its own dialogs.
  ses.on('will-download', (event) => event.preventDefault());
  // The renderer's files, and nothing else on the disk, with the CSP as a response header.
  protocol.handle(APP_SCHEME, async (request) => {
    const resolved = resolveAppAsset(request.url, request.method, rendererDir);
    if (resolved.status !== 200) return new Response(null, { status: resolved.status, headers: resolved.headers });
    return new Response(request.method === 'HEAD' ? null : await readFile(resolved.file), { status: 200, headers: resolved.headers });
  });
}

let runtime: Runtime | null = null;

async function start(): Promise<void> {
  const dbPath = process.env.BALLAST_DB ?? path.join(app.getPath('userData'), 'ballast.db');
  const binding = electronSqliteBinding();
  // Workers inherit the environment: they must load the same Electron-ABI binding.
  if (binding) process.env.BALLAST_SQLITE_BINDING = binding;
  const anchorKey = loadOrCreateAnchorKey(path.join(app.getPath('userData'), 'audit-anchor-key.bin'), safeStorage);
  if (anchorKey.reason) console.warn(`Ballast: audit anchors stay unsigned: ${anchorKey.reason}.`);
  runtime = createRuntime({
    dbPath,
    resourcesDir: app.isPackaged ? path.join(process.resourcesPath, 'resources') : path.join(__dirname, '..', '..', 'resources'),
    workerFile: path.join(__dirname, 'worker.js'),
    anchorKey: anchorKey.key,
  });

  hardenSession();
  app.on('web-contents-created', (_e, contents) => harden(contents));

  const win = new BrowserWindow(mainWindowOptions({ preload: path.join(__dirname, '..', 'preload', 'index.js'), devTools }));

  ipcMain.handle(IPC_CALL_CHANNEL, async (event, name: unknown, input: unknown, callId: unknown) => {
    const frame = event.senderFrame;
    if (event.sender.id !== win.webContents.id || !isTrustedIpcSender({ frameUrl: frame?.url, isMainFrame: frame !== null && frame.parent === null }, rendererUrl)) {
      return { ok: false, error: { code: 'UNAUTHORIZED', message: 'Calls are accepted from the Ballast window only.' } };
    }
    if (typeof name !== 'string' || (callId !== undefined && typeof callId !== 'string')) {
      return { ok: false, error: { code: 'BAD_INPUT', message: 'Malformed call.' } };
    }
    // A path from the renderer is only a suggestion: the PM confirms it in a native dialog, and only the
    // path chosen there is granted to this one call (./security/window.ts, app/file-access.ts).
    const request = fileDialogRequest(name, input);
    if (!request) return runtime!.dispatcher.call(name, input, callId as string | undefined, grantedFileAccess('desktop'));
    const chosen =
      request.kind === 'save'
        ? (await dialog.showSaveDialog(win, { title: request.title, defaultPath: request.suggested, filters: request.filters, properties: ['createDirectory', 'showOverwriteConfirmation'] })).filePath
        : (await dialog.showOpenDialog(win, { title: request.title, defaultPath: request.suggested, properties: ['openFile'] })).filePaths[0];
    if (!chosen) return { ok: false, error: { code: 'CANCELLED', message: 'No file was chosen; nothing was done.' } };
    return runtime!.dispatcher.call(name, { ...(input as object), path: chosen }, callId as string | undefined, grantedFileAccess('desktop', [chosen]));
  });

  runtime.subscribe((event) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, event);
  });
  win.once('ready-to-show', () => win.show());
  Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenuTemplate({ isMac: process.platform === 'darwin', devTools }) as MenuItemConstructorOptions[]));
  await win.loadURL(rendererUrl);
}

app
  .whenReady()
  .then(start)
  .catch((err: unknown) => {
    // e.g. a database written by a newer Ballast (DB_TOO_NEW): say so in plain words and stop.
    dialog.showErrorBox('Ballast could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });

app.on('window-all-closed', () => {
  void runtime?.close().finally(() => app.quit());
});
