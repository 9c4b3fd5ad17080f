import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BallastError } from '../../shared/errors';
import { KeyFingerprints, type RunStore } from '../io/key-fingerprints';

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
    writeFully(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(file);
    throw err;
  }
  closeSync(fd);
}

/**
 * Writes all of `data` (writeSync may write less than asked): at the file's current position, or from byte
 * `position` when one is given.
 */
export function writeFully(fd: number, data: Uint8Array, position?: number): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset, position === undefined ? null : position + offset);
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

/**
 * An append-only scratch file, read back at any position and gone after close(): where data too large to keep in
 * memory waits during one job. Created in the system's temporary folder under a name nobody else can have taken
 * (O_EXCL, 0600) and unlinked at once, so it has no name while in use and a job killed outright leaves nothing
 * behind (the system frees it with the process; on a file system that cannot unlink an open file, close() deletes it).
 */
export function scratchFile(prefix: string): RunStore {
  const file = path.join(tmpdir(), `${prefix}${process.pid}-${randomBytes(8).toString('hex')}`);
  let fd: number;
  try {
    fd = openSync(file, 'wx+', 0o600);
  } catch (err) {
    throw scratchError(file, err);
  }
  let named = true;
  try {
    unlinkSync(file);
    named = false;
  } catch {
    // Deleted by close() instead.
  }
  let size = 0;
  let open = true;
  return {
    append(bytes) {
      try {
        writeFully(fd, bytes, size);
      } catch (err) {
        throw scratchError(file, err);
      }
      size += bytes.length;
    },
    read(into, position) {
      if (position < 0 || position + into.length > size) throw new RangeError(`scratch read of ${into.length} bytes at ${position} is outside its ${size}`);
      for (let got = 0; got < into.length; ) {
        const n = readSync(fd, into, got, into.length - got, position + got);
        if (n === 0) throw scratchError(file, new Error('the file ended early'));
        got += n;
      }
    },
    close() {
      if (!open) return;
      open = false;
      try {
        closeSync(fd);
      } finally {
        if (named) rmSync(file, { force: true });
      }
    },
  };
}

function scratchError(file: string, err: unknown): BallastError {
  const reason = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : (err as Error).message;
  return new BallastError('INTERNAL', `Could not use the scratch file ${file}: ${reason}. Free space in the temporary folder and try again; nothing was imported.`);
}

/**
 * Fingerprints for a file's keys whose memory does not grow with the file: past 512 Ki keys (4 MB) the sorted runs go
 * to a scratch file (issue 10: a 5M-row positions preview keeps two sets). dispose() them when done.
 */
export function fileFingerprints(): KeyFingerprints {
  return new KeyFingerprints({ runStore: () => scratchFile('ballast-fingerprints-') });
}
