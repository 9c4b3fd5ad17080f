import { BallastError, type ApiError } from '../../shared/errors';

/**
 * What SQLite's own failures of the database file mean to the person at the desk, by the code better-sqlite3 gives
 * (SQLITE_IOERR_WRITE and the like are matched by their prefix). A statement that fails is undone by SQLite and the
 * transaction around it is rolled back (store.transaction), so the write in progress leaves nothing half-written;
 * earlier transactions of a long job (a tuning run's committed batches) stay, as they are meant to.
 */
const STORAGE_FAILURES: readonly { prefix: string; says: (file: string) => string; atOpen?: true }[] = [
  { prefix: 'SQLITE_FULL', says: (file) => `The disk holding ${file} is full` },
  { prefix: 'SQLITE_READONLY', says: (file) => `${file} cannot be written: the file or its folder is read-only to this user` },
  { prefix: 'SQLITE_CORRUPT', says: (file) => `${file} is damaged (restore it from a backup)` },
  // Met when the file is opened: nothing was being written.
  { prefix: 'SQLITE_NOTADB', says: (file) => `${file} is not a Ballast database, or is damaged (restore it from a backup)`, atOpen: true },
  { prefix: 'SQLITE_IOERR', says: (file) => `The disk failed to read or write ${file}` },
  { prefix: 'SQLITE_CANTOPEN', says: (file) => `${file} cannot be opened`, atOpen: true },
];

/**
 * Maps anything thrown to error data. SQLite's failures of the file itself (a full disk, a read-only or damaged file,
 * an I/O error) are STORAGE, in words, naming the database when `dbPath` is given; any other unexpected exception is
 * INTERNAL with its message.
 */
export function toApiError(err: unknown, dbPath?: string): ApiError {
  if (err instanceof BallastError) return err.toJSON();
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === 'string') {
    const failure = STORAGE_FAILURES.find((f) => code.startsWith(f.prefix));
    if (failure !== undefined) {
      const file = dbPath === undefined || dbPath === ':memory:' ? 'the database' : dbPath;
      return {
        code: 'STORAGE',
        message: `${failure.says(file)} (SQLite: ${err.message}).${failure.atOpen ? '' : ' The write in progress was rolled back; nothing of it was kept.'}`,
        details: { sqlite: code },
      };
    }
  }
  if (err instanceof Error) return { code: 'INTERNAL', message: `Unexpected error: ${err.message}` };
  return { code: 'INTERNAL', message: `Unexpected error: ${String(err)}` };
}
