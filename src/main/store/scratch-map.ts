import { stmt, type Db } from './internal';

/** Entries written to the table at a time. */
const WRITE_BATCH = 1000;

/**
 * A key → text map in a scratch table of this connection (SQLite TEMP: private to it, never in the database
 * file), for what an operation must remember about more items than memory should hold — a preview's planned
 * securities (issue 10). Pages beyond the temporary database's small cache go to SQLite's temporary file, so
 * memory stays flat however many entries there are. New entries are kept in memory and written WRITE_BATCH at a
 * time, in one transaction of the temporary database (no lock on the database file). Empty when made; `clear`
 * empties it.
 */
export class ScratchMap {
  private readonly pending = new Map<string, string>();
  private readonly table: string;

  constructor(
    private readonly db: Db,
    name: string,
  ) {
    if (!/^[a-z_]+$/.test(name)) throw new Error(`ScratchMap: "${name}" is not a table name (lower-case letters and _)`);
    this.table = `temp.scratch_${name}`;
    this.db.pragma('temp.cache_size = -2000');
    this.db.exec(`CREATE TEMP TABLE IF NOT EXISTS scratch_${name} (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`);
    this.clear();
  }

  get(key: string): string | undefined {
    const waiting = this.pending.get(key);
    if (waiting !== undefined) return waiting;
    return stmt(this.db, `SELECT value FROM ${this.table} WHERE key = ?`).pluck().get(key) as string | undefined;
  }

  set(key: string, value: string): void {
    this.pending.set(key, value);
    if (this.pending.size >= WRITE_BATCH) this.flush();
  }

  clear(): void {
    this.pending.clear();
    stmt(this.db, `DELETE FROM ${this.table}`).run();
  }

  private flush(): void {
    const write = stmt(this.db, `INSERT OR REPLACE INTO ${this.table} (key, value) VALUES (?, ?)`);
    this.db.transaction(() => {
      for (const [key, value] of this.pending) write.run(key, value);
    })();
    this.pending.clear();
  }
}
