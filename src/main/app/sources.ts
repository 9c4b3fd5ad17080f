import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import { BallastError } from '../../shared/errors';

/**
 * Where an import's bytes come from: an upload (base64 in the call) or a local file (CLI, desktop file
 * dialog). Local files are read in chunks, never whole, unless a format needs the whole text at once
 * (XML, SWIFT), and then only below a size limit.
 */
export type FileSource = { contentBase64: string; path?: undefined } | { path: string; contentBase64?: undefined };

/** Read size for streamed files: large enough to amortise the syscalls, small enough to stay cache-friendly. */
export const CHUNK_BYTES = 1 << 20;
/** Formats parsed as one document (XML, OFX, MT535) are refused above this size; no real statement comes close. */
export const WHOLE_FILE_LIMIT = 64 * 1024 * 1024;

export interface OpenedSource {
  /** Total size in bytes (for progress). */
  size: number;
  /** Calls `onChunk` for each piece of the file in order; returns when the file is read, or when `onChunk` returns false. */
  forEachChunk(onChunk: (chunk: Uint8Array, bytesSoFar: number) => boolean | void): void;
  /** The first bytes (format detection). */
  head(bytes: number): Uint8Array;
  /** The whole file; BAD_INPUT above `limit`. */
  readAll(limit?: number): Uint8Array;
  close(): void;
}

export function sourceLabel(source: FileSource): string {
  return source.path ?? 'the uploaded file';
}

function cannotRead(path: string, err: unknown): BallastError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? (err as Error).message);
  return new BallastError('BAD_INPUT', `Cannot read ${path}: ${why}.`, { path });
}

export function openSource(source: FileSource): OpenedSource {
  if (source.contentBase64 !== undefined) {
    const bytes = Buffer.from(source.contentBase64, 'base64');
    return {
      size: bytes.length,
      forEachChunk(onChunk) {
        for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
          const chunk = bytes.subarray(at, Math.min(bytes.length, at + CHUNK_BYTES));
          if (onChunk(chunk, at + chunk.length) === false) return;
        }
      },
      head: (n) => bytes.subarray(0, n),
      readAll(limit = WHOLE_FILE_LIMIT) {
        if (bytes.length > limit) throw tooLarge('the uploaded file', bytes.length, limit);
        return bytes;
      },
      close() {},
    };
  }
  const path = source.path;
  let fd: number;
  let opened: BigIntStats;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw cannotRead(path, err);
  }
  try {
    opened = fstatSync(fd, { bigint: true });
    if (!opened.isFile()) throw cannotRead(path, Object.assign(new Error('not a file'), { code: 'EISDIR' }));
  } catch (err) {
    closeSync(fd);
    throw err instanceof BallastError ? err : cannotRead(path, err);
  }
  const size = Number(opened.size);
  const readAt = (buffer: Uint8Array, position: number, length = buffer.length, at = 0): number => {
    try {
      return readSync(fd, buffer, at, length, position);
    } catch (err) {
      throw cannotRead(path, err);
    }
  };
  // An import reads its file several times (its hash first, then its lines, and again for a repeat's confirmation or
  // the staged way): each read must see the bytes the hash was taken of, or the import would record one file's hash
  // beside another's holdings — and refuse the real file later as already imported. A file still being written (a
  // custodian's drop, a spreadsheet being saved) is refused after every read that saw it change.
  const unchanged = (bytesRead: number | null) => {
    let now: BigIntStats;
    try {
      now = fstatSync(fd, { bigint: true });
    } catch (err) {
      throw cannotRead(path, err);
    }
    if (now.size !== opened.size || now.mtimeNs !== opened.mtimeNs || (bytesRead !== null && bytesRead !== size)) {
      throw changedWhileRead(path, opened, now);
    }
  };
  return {
    size,
    forEachChunk(onChunk) {
      const buffer = new Uint8Array(CHUNK_BYTES);
      let position = 0;
      for (;;) {
        const n = readAt(buffer, position);
        if (n === 0) break;
        position += n;
        // A copy: the consumer may keep the chunk (e.g. a partial line) after the buffer is reused.
        if (onChunk(buffer.slice(0, n), position) === false) {
          unchanged(null);
          return;
        }
      }
      unchanged(position);
    },
    head(n) {
      const buffer = new Uint8Array(Math.min(n, size));
      const read = readAt(buffer, 0);
      unchanged(null);
      return buffer.subarray(0, read);
    },
    readAll(limit = WHOLE_FILE_LIMIT) {
      if (size > limit) throw tooLarge(path, size, limit);
      const buffer = new Uint8Array(size);
      let position = 0;
      while (position < size) {
        const n = readAt(buffer, position, size - position, position);
        if (n === 0) break;
        position += n;
      }
      unchanged(position);
      return buffer.subarray(0, position);
    },
    close() {
      closeSync(fd);
    },
  };
}

function changedWhileRead(path: string, before: BigIntStats, now: BigIntStats): BallastError {
  const what =
    now.size !== before.size
      ? `it was ${before.size.toLocaleString('en-US')} bytes and is now ${now.size.toLocaleString('en-US')}`
      : now.mtimeNs !== before.mtimeNs
        ? `it was written to at ${now.mtime.toISOString()}`
        : 'it is no longer as long as it was';
  return new BallastError(
    'BAD_INPUT',
    `${path} changed while Ballast was reading it (${what}); nothing was imported. Import it again once whatever writes it has finished.`,
    { path, sizeBefore: Number(before.size), sizeNow: Number(now.size) },
  );
}

function tooLarge(what: string, size: number, limit: number): BallastError {
  const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(0)} MB`;
  return new BallastError('BAD_INPUT', `${what} is ${mb(size)}; files of this format are read whole and must stay under ${mb(limit)}.`, { size, limit });
}

/** SHA-256 of the whole source, read in chunks (a re-imported file is recognised before it is parsed). */
export function sha256Of(opened: OpenedSource, onProgress?: (bytes: number) => void): string {
  const hash = createHash('sha256');
  opened.forEachChunk((chunk, soFar) => {
    hash.update(chunk);
    onProgress?.(soFar);
  });
  return hash.digest('hex');
}
