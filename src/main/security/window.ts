/*
 * The desktop window's and session's security settings as plain data and pure functions, so the unit
 * tests assert exactly what src/main/index.ts hands to Electron (no Electron binary needed to run them).
 */

export interface WindowSecurityOptions {
  /** Built preload script. */
  preload: string;
  /** DevTools only in development (an unpacked build); never in a packaged app. */
  devTools: boolean;
}

/** BrowserWindow options of the Ballast window. */
export function mainWindowOptions(options: WindowSecurityOptions) {
  return {
    width: 1400,
    height: 900,
    title: 'Ballast',
    show: false,
    webPreferences: {
      preload: options.preload,
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
      spellcheck: false,
      devTools: options.devTools,
    },
  } as const;
}

type MenuRole =
  | 'appMenu'
  | 'fileMenu'
  | 'editMenu'
  | 'windowMenu'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'reload'
  | 'forceReload'
  | 'toggleDevTools';

export interface MenuItemSpec {
  role?: MenuRole;
  label?: string;
  type?: 'separator';
  submenu?: MenuItemSpec[];
}

/**
 * The application menu. Electron's stock "View" menu carries Reload and Toggle Developer Tools; a
 * packaged app gets a View menu without them (a reload would drop a half-filled approval, and DevTools
 * would hand anyone at the keyboard a console inside the trusted renderer).
 */
export function applicationMenuTemplate(options: { isMac: boolean; devTools: boolean }): MenuItemSpec[] {
  const view: MenuItemSpec[] = [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }];
  if (options.devTools) view.push({ type: 'separator' }, { role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' });
  return [...(options.isMac ? [{ role: 'appMenu' as const }] : []), { role: 'fileMenu' }, { role: 'editMenu' }, { label: 'View', submenu: view }, { role: 'windowMenu' }];
}

/** Both permission handlers answer no: Ballast needs no camera, notifications, clipboard-read, HID … */
export const denyPermissionCheck = (): boolean => false;
export const denyPermissionRequest = (_webContents: unknown, _permission: string, callback: (granted: boolean) => void): void => callback(false);
export const denyDevicePermission = (): boolean => false;

/**
 * The desktop app's own file dialogs are the only source of file paths over IPC (app/file-access.ts).
 * A call that carries a path is not refused outright: the path is taken as a suggestion, a native dialog
 * opens on it, and only what the PM picks there is used — the renderer proposes, the person decides.
 */
export type FileDialogRequest =
  | { kind: 'save'; suggested: string; title: string; filters: { name: string; extensions: string[] }[] }
  | { kind: 'open'; suggested: string; title: string };

export function fileDialogRequest(method: string, input: unknown): FileDialogRequest | null {
  if (typeof input !== 'object' || input === null) return null;
  const { path, format } = input as { path?: unknown; format?: unknown };
  if (typeof path !== 'string' || path === '') return null;
  if (method === 'exports.create') {
    const fix = format === 'fix44';
    return {
      kind: 'save',
      suggested: path,
      title: 'Save the trade list',
      filters: [fix ? { name: 'FIX 4.4 messages', extensions: ['fix', 'txt'] } : { name: 'CSV basket', extensions: ['csv'] }],
    };
  }
  if (['imports.preview', 'imports.prices', 'imports.positions', 'indicators.import'].includes(method)) {
    return { kind: 'open', suggested: path, title: 'Choose the file to import' };
  }
  // Any other method with a path gets no dialog, and so no grant: the dispatcher refuses it.
  return null;
}
