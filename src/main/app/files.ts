import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { BallastError } from '../../shared/errors';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Writes a file so that readers see either nothing or the whole of it: a temporary file in the same
 * folder, fsync, then a hard link to the final name, unlink of the temporary name, fsync the folder. An
 * existing file is never overwritten (a trade list that silently replaced another could send the wrong
 * orders) — not even one created by another process after the first check: `link` fails when the name
 * exists, atomically, where `rename` would have replaced it (issue 10). On a file system without hard links
 * the content is written straight into the final name opened with O_EXCL: still never over another file,
 * though a reader could then see it before it is complete.
 */
export function writeFileAtomic(target: string, content: string | Uint8Array): { path: string; sha256: string; bytes: number } {
  const finalPath = path.resolve(target);
  const dir = path.dirname(finalPath);
  mkdirSync(dir, { recursive: true });
  // Fails early with a clear message; the link below is what makes the refusal race-free.
  if (existsSync(finalPath)) throw alreadyExists(finalPath);
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const tmp = path.join(dir, `.${path.basename(finalPath)}.${randomBytes(6).toString('hex')}.tmp`);
  writeNew(tmp, data);
  try {
    linkSync(tmp, finalPath);
  } catch (err) {
    unlinkSync(tmp);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw alreadyExists(finalPath);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    writeNew(finalPath, data);
    fsyncDir(dir);
    return { path: finalPath, sha256: sha256Hex(data), bytes: data.length };
  }
  unlinkSync(tmp);
  fsyncDir(dir);
  return { path: finalPath, sha256: sha256Hex(data), bytes: data.length };
}

function alreadyExists(finalPath: string): BallastError {
  return new BallastError('INVALID_STATE', `${finalPath} already exists; choose another file name.`);
}

/** Creates `file` (O_EXCL: never an existing one), writes all of `data` and fsyncs it; removes it on failure. */
function writeNew(file: string, data: Uint8Array): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(file);
    throw err;
  }
  try {
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(file);
    throw err;
  }
  closeSync(fd);
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
