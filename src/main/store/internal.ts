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

/** One better-sqlite3 transaction function per connection that runs the function it is given. */
type Runner = BetterSqlite3.Transaction<(fn: () => unknown) => unknown>;
const runners = new WeakMap<Db, Runner>();

/**
 * `db.transaction(fn)` makes a new wrapper (four functions and their properties) on every call, which cost more
 * than the savepoint itself for each snapshot and account a large import writes (issue 10); this one is made once
 * per connection and handed the function to run. The transaction is the same.
 */
function runner(db: Db): Runner {
  let r = runners.get(db);
  if (r === undefined) {
    r = db.transaction((fn: () => unknown) => fn());
    runners.set(db, r);
  }
  return r;
}

/** Told how long a write has waited so far for another connection (or process) to release the write lock. */
export type WriteWaitListener = (waitedMs: number) => void;

/** The first try for the write lock is short, so a waiter can say at once that it is waiting; then slices of a second. */
const FIRST_TRY_MS = 250;
const WAIT_SLICE_MS = 1000;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY' || code === 'SQLITE_BUSY_TIMEOUT';
}

/**
 * Runs `fn` atomically. Outside a transaction it takes the write lock up front (BEGIN IMMEDIATE) so a
 * read-then-write cannot fail half-way with SQLITE_BUSY when a worker connection wrote in between;
 * inside one, better-sqlite3 turns it into a savepoint.
 *
 * Writers queue instead of failing (issue 10): while another connection — another worker, another `ballast`
 * process — holds the write lock, BEGIN IMMEDIATE is retried for as long as it takes, in slices of SQLite's own
 * busy wait, and `onWait` hears how long it has been waiting. Only the BEGIN is retried: once `fn` has
 * started, an error is the caller's (nothing was written, the transaction rolled back).
 */
export function writeTransaction<T>(db: Db, fn: () => T, onWait?: WriteWaitListener): T {
  if (db.inTransaction) return runner(db).immediate(fn) as T;
  const base = db.pragma('busy_timeout', { simple: true }) as number;
  const started = Date.now();
  let slice = Math.min(base, FIRST_TRY_MS);
  for (;;) {
    let began = false;
    db.pragma(`busy_timeout = ${slice}`);
    try {
      return runner(db).immediate(() => {
        began = true;
        db.pragma(`busy_timeout = ${base}`);
        return fn();
      }) as T;
    } catch (err) {
      if (began || !isBusy(err)) throw err;
    } finally {
      if (!began) db.pragma(`busy_timeout = ${base}`);
    }
    onWait?.(Date.now() - started);
    slice = Math.max(slice, WAIT_SLICE_MS);
  }
}

/**
 * For a function whose only write is ONE statement (SQLite makes a statement all-or-nothing by itself): inside a
 * transaction it runs as it is, without the savepoint writeTransaction would open around it — a savepoint per call
 * was a third of the cost of each security a large import creates and of each audit entry (issue 10). Outside
 * one, it is writeTransaction.
 */
export function singleStatementWrite<T>(db: Db, fn: () => T, onWait?: WriteWaitListener): T {
  return db.inTransaction ? fn() : writeTransaction(db, fn, onWait);
}

export function requireTransaction(db: Db, what: string): void {
  if (!db.inTransaction) {
    // A bulk insert outside a transaction commits (and fsyncs) per row and is not all-or-nothing.
    throw new Error(`${what} must run inside store.transaction()`);
  }
}

let nowMs = Number.NaN;
let nowText = '';

/**
 * UTC ISO-8601 with milliseconds and 'Z', as `IsoTimestamp` in the contract expects. Made once per millisecond: a file
 * over 100,000 accounts asks for it three times an account, and formatting a Date each time took 0.4 s (issue 10).
 */
export function nowIso(): string {
  const ms = Date.now();
  if (ms !== nowMs) {
    nowText = new Date(ms).toISOString();
    nowMs = ms;
  }
  return nowText;
}

export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error('value cannot be stored as JSON');
  return text;
}

export function fromJsonText(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}
