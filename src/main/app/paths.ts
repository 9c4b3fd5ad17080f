import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Where things live. The default database sits in the same folder Electron uses as `userData` for
 * an app named "Ballast", so the CLI, browser mode and the desktop app share one store by default.
 * `BALLAST_DB` overrides it (tests, scripts).
 */
export function userDataDir(): string {
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(homedir(), 'AppData', 'Roaming'), 'Ballast');
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'Ballast');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config'), 'Ballast');
}

export function defaultDbPath(): string {
  return process.env.BALLAST_DB ?? path.join(userDataDir(), 'ballast.db');
}

/*
 * `mainDir` is the folder of the bundled entry points (out/main): the entry passes its own __dirname,
 * since shared code is emitted into out/main/chunks. resources/ and out/renderer sit relative to it.
 */
export function defaultResourcesDir(mainDir: string): string {
  return process.env.BALLAST_RESOURCES ?? path.resolve(mainDir, '..', '..', 'resources');
}

export function workerFileIn(mainDir: string): string {
  return path.join(mainDir, 'worker.js');
}

export function rendererDirIn(mainDir: string): string {
  return path.resolve(mainDir, '..', 'renderer');
}

/** Default folder for exported trade lists: beside the database. */
export function exportsDirFor(dbPath: string): string {
  return path.join(path.dirname(dbPath), 'exports');
}
