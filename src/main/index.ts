import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, type WebContents } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../shared/api';
import { createRuntime, type Runtime } from './app/runtime';
import { isAllowedExternalUrl, isAllowedNavigation, isTrustedRendererUrl } from './security';

// The Electron shell is deliberately thin: windows, security handlers and the IPC transport. All
// behaviour lives in the app layer, which the browser mode and the CLI share.

app.setName('Ballast');
const rendererFile = path.join(__dirname, '..', 'renderer', 'index.html');
const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(rendererFile).href;

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
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, rendererUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternal(url);
    return { action: 'deny' };
  });
}

let runtime: Runtime | null = null;

async function start(): Promise<void> {
  const dbPath = process.env.BALLAST_DB ?? path.join(app.getPath('userData'), 'ballast.db');
  const binding = electronSqliteBinding();
  // Workers inherit the environment: they must load the same Electron-ABI binding.
  if (binding) process.env.BALLAST_SQLITE_BINDING = binding;
  runtime = createRuntime({
    dbPath,
    resourcesDir: app.isPackaged ? path.join(process.resourcesPath, 'resources') : path.join(__dirname, '..', '..', 'resources'),
    workerFile: path.join(__dirname, 'worker.js'),
  });

  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  app.on('web-contents-created', (_e, contents) => harden(contents));

  ipcMain.handle(IPC_CALL_CHANNEL, async (event, name: unknown, input: unknown, callId: unknown) => {
    if (!isTrustedRendererUrl(event.senderFrame?.url, rendererUrl)) {
      return { ok: false, error: { code: 'UNAUTHORIZED', message: 'Calls are accepted from the Ballast window only.' } };
    }
    if (typeof name !== 'string' || (callId !== undefined && typeof callId !== 'string')) {
      return { ok: false, error: { code: 'BAD_INPUT', message: 'Malformed call.' } };
    }
    return runtime!.dispatcher.call(name, input, callId as string | undefined);
  });

  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Ballast',
    show: false,
    webPreferences: {
      preload: path.join(__dirname, '..', 'preload', 'index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  runtime.subscribe((event) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, event);
  });
  win.once('ready-to-show', () => win.show());
  Menu.setApplicationMenu(Menu.buildFromTemplate([{ role: 'fileMenu' }, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }]));
  if (process.env.ELECTRON_RENDERER_URL) await win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else await win.loadFile(rendererFile);
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
