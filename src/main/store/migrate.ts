import { BallastError } from '../../shared/errors';
import type { Db } from './internal';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Written into the file header so a stranger's SQLite file is never mistaken for ours ('BALS'). */
export const BALLAST_APPLICATION_ID = 0x42414c53;

const MIGRATION_FILE = /(?:^|\/)(\d{4})-([a-z0-9][a-z0-9-]*)\.sql$/;

/**
 * Turns `{ './migrations/0001-init.sql': sql }` into an ordered list, refusing gaps and duplicates:
 * a missing or doubled number would otherwise give two installs different schemas under the same
 * user_version.
 */
export function parseMigrations(files: Record<string, string>): Migration[] {
  const list: Migration[] = [];
  for (const [path, sql] of Object.entries(files)) {
    const match = MIGRATION_FILE.exec(path);
    if (!match) throw new Error(`migration file name must look like NNNN-name.sql: ${path}`);
    list.push({ version: Number(match[1]), name: `${match[1]}-${match[2]}`, sql });
  }
  list.sort((a, b) => a.version - b.version);
  list.forEach((migration, index) => {
    if (migration.version === list[index - 1]?.version) {
      throw new Error(`two migrations are numbered ${migration.version}`);
    }
    if (migration.version !== index + 1) {
      throw new Error(`migrations must be numbered 1, 2, 3 … without gaps; expected ${index + 1}, found ${migration.name}`);
    }
    const code = migration.sql.replace(/--[^\n]*/g, '');
    if (/\bBEGIN(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE|TRANSACTION))?\s*;|\b(COMMIT|ROLLBACK|END\s+TRANSACTION|PRAGMA\s+user_version)\b/i.test(code)) {
      throw new Error(`migration ${migration.name} must not manage transactions or user_version; the runner does`);
    }
  });
  return list;
}

export const migrations: readonly Migration[] = parseMigrations(
  import.meta.glob('./migrations/*.sql', { query: '?raw', import: 'default', eager: true }) as Record<string, string>,
);

/** The schema version this build writes and understands. */
export const LATEST_SCHEMA_VERSION = migrations.length;

export function readSchemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Refuses files this build must not touch, before anything is written: a database from a newer
 * Ballast (its schema may hold data this build would misread or destroy) and SQLite files that are not
 * Ballast databases at all.
 */
export function assertOpenable(db: Db, file: string, known: number = LATEST_SCHEMA_VERSION): number {
  const version = readSchemaVersion(db);
  if (version > known) {
    throw new BallastError(
      'DB_TOO_NEW',
      `This database was written by a newer version of Ballast (schema ${version}; this version knows ${known}). ` +
        `Update Ballast to open ${file}, or choose another database file.`,
      { file, schemaVersion: version, knownSchemaVersion: known },
    );
  }
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const foreign =
    (applicationId !== 0 && applicationId !== BALLAST_APPLICATION_ID) ||
    (applicationId === 0 && (version > 0 || (db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number) > 0));
  if (foreign) {
    throw new BallastError('BAD_INPUT', `${file} is an SQLite database, but not one written by Ballast; choose another file.`, {
      file,
    });
  }
  return version;
}

/**
 * Applies every pending migration in one transaction, so a failure leaves the file at its old version.
 * Foreign keys are switched off around it (SQLite ignores that pragma inside a transaction) because a
 * future migration may need the rebuild-a-table procedure; `foreign_key_check` then proves the result
 * is consistent before commit.
 */
export function migrate(db: Db, list: readonly Migration[] = migrations): { from: number; to: number; applied: string[] } {
  const target = list.length;
  db.pragma('foreign_keys = OFF');
  try {
    return db
      .transaction(() => {
        // Re-read under the write lock: another process may have migrated since we looked.
        const from = readSchemaVersion(db);
        if (from > target) {
          throw new BallastError('DB_TOO_NEW', `This database was written by a newer version of Ballast (schema ${from}; this version knows ${target}).`, {
            schemaVersion: from,
            knownSchemaVersion: target,
          });
        }
        const pending = list.slice(from);
        for (const migration of pending) {
          try {
            db.exec(migration.sql);
          } catch (err) {
            throw new Error(`migration ${migration.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          }
        }
        const violations = db.pragma('foreign_key_check') as unknown[];
        if (violations.length > 0) {
          throw new Error(`migrations left ${violations.length} foreign-key violations: ${JSON.stringify(violations.slice(0, 5))}`);
        }
        if (pending.length > 0) {
          db.pragma(`application_id = ${BALLAST_APPLICATION_ID}`);
          db.pragma(`user_version = ${target}`);
        }
        return { from, to: Math.max(from, target), applied: pending.map((m) => m.name) };
      })
      .immediate();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
