import path from 'node:path';
import { BallastError } from '../../shared/errors';

/*
 * Who may name a file on this computer. A contract call that carries a `path` (an import read from disk,
 * an export written to a chosen file) is a request to read or write the local file system, so it is
 * honoured only where the person at the keyboard chose that path:
 *
 * - the CLI: the user typed it in their own shell, with their own rights (`LOCAL_FILE_ACCESS`);
 * - the desktop app: only a path its own native file dialog returned (`grantedFileAccess('desktop', …)`);
 *   the renderer may suggest one, never decide;
 * - browser mode: only the temporary file the server itself made from an upload. Anyone holding the
 *   token, or script in any page that obtained it, must not be able to read /etc/passwd or write into
 *   ~/.ssh through the server.
 *
 * The transports pass their FileAccess to the dispatcher, which checks every call after its input is
 * parsed and before any handler runs.
 */

export type FileAccess =
  | { readonly kind: 'local' }
  | { readonly kind: 'granted'; readonly transport: 'desktop' | 'http'; readonly paths: ReadonlySet<string> };

/** In-process callers: the CLI and tests. */
export const LOCAL_FILE_ACCESS: FileAccess = { kind: 'local' };

/** Exactly these files (resolved), nothing else. */
export function grantedFileAccess(transport: 'desktop' | 'http', paths: Iterable<string> = []): FileAccess {
  return { kind: 'granted', transport, paths: new Set([...paths].map((p) => path.resolve(p))) };
}

/** The file paths a parsed input names (today: a top-level `path`, as imports and exports take it). */
export function pathsIn(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const value = (input as { path?: unknown }).path;
  return typeof value === 'string' ? [value] : [];
}

const REFUSAL: Record<'desktop' | 'http', string> = {
  http: 'File paths are not accepted in browser mode: upload the file instead, and exports are written to the exports folder (download them from there).',
  desktop: 'A file path is accepted only from a Ballast file dialog; choose the file again.',
};

/** UNAUTHORIZED unless every path the input names is allowed to this caller. */
export function assertFileAccess(method: string, input: unknown, access: FileAccess): void {
  if (access.kind === 'local') return;
  for (const p of pathsIn(input)) {
    if (!access.paths.has(path.resolve(p))) {
      throw new BallastError('UNAUTHORIZED', `${method}: ${REFUSAL[access.transport]}`, { method, transport: access.transport });
    }
  }
}

/** Is `file` inside `folder` (after resolving both; symlinks are the caller's concern)? */
export function isInside(folder: string, file: string): boolean {
  const root = path.resolve(folder);
  const target = path.resolve(file);
  const relative = path.relative(root, target);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
