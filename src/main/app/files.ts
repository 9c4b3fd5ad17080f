import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { BallastError } from '../../shared/errors';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Writes a file so that readers see either nothing or the whole of it: a temporary file in the same
 * folder, fsync, rename over the final name, fsync the folder. An existing file is never overwritten
 * (a trade list that silently replaced another could send the wrong orders).
 */
export function writeFileAtomic(target: string, content: string | Uint8Array): { path: string; sha256: string; bytes: number } {
  const finalPath = path.resolve(target);
  const dir = path.dirname(finalPath);
  mkdirSync(dir, { recursive: true });
  if (existsSync(finalPath)) {
    throw new BallastError('INVALID_STATE', `${finalPath} already exists; choose another file name.`);
  }
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const tmp = path.join(dir, `.${path.basename(finalPath)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, finalPath);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
  fsyncDir(dir);
  return { path: finalPath, sha256: sha256Hex(data), bytes: data.length };
}

function fsyncDir(dir: string): void {
  // Directory fsync makes the rename durable on POSIX; Windows cannot open directories, which is fine.
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
