import type BetterSqlite3 from 'better-sqlite3';

export type Db = BetterSqlite3.Database;
export type Statement = BetterSqlite3.Statement<unknown[], unknown>;

const statementCache = new WeakMap<Db, Map<string, Statement>>();

/**
 * Prepared statements are compiled once per connection and reused: repositories are called in loops
 * (one price row, one position) and compiling SQL each time would dominate the cost.
 */
export function stmt(db: Db, sql: string): Statement {
  let perDb = statementCache.get(db);
  if (!perDb) {
    perDb = new Map();
    statementCache.set(db, perDb);
  }
  let prepared = perDb.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    perDb.set(sql, prepared);
  }
  return prepared;
}

/**
 * Runs `fn` atomically. Outside a transaction it takes the write lock up front (BEGIN IMMEDIATE) so a
 * read-then-write cannot fail half-way with SQLITE_BUSY when a worker connection wrote in between;
 * inside one, better-sqlite3 turns it into a savepoint.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

export function requireTransaction(db: Db, what: string): void {
  if (!db.inTransaction) {
    // A bulk insert outside a transaction commits (and fsyncs) per row and is not all-or-nothing.
    throw new Error(`${what} must run inside store.transaction()`);
  }
}

/** UTC ISO-8601 with milliseconds and 'Z', as `IsoTimestamp` in the contract expects. */
export function nowIso(): string {
  return new Date().toISOString();
}

export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error('value cannot be stored as JSON');
  return text;
}

export function fromJsonText(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}
