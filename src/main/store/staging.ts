import { stmt, type Db } from './internal';

/**
 * A per-connection scratch table (SQLite TEMP: private to this connection, never in the database file)
 * where a streamed import parks its parsed lines until the parser has seen the whole file. Some facts
 * a line depends on arrive only at the end — the as-of date of an account's statement, the problems
 * that reject a statement as a whole — so lines are written here as they are read and replayed in file
 * order once the file is finished, without ever holding every line in memory.
 */
export class ImportStagingRepo {
  private ready = false;

  constructor(private readonly db: Db) {}

  private ensure(): void {
    if (this.ready) return;
    this.db.exec('CREATE TEMP TABLE IF NOT EXISTS import_stage (seq INTEGER PRIMARY KEY, grp TEXT, payload TEXT NOT NULL)');
    this.ready = true;
  }

  /** Empties the table (start and end of every import). */
  clear(): void {
    this.ensure();
    stmt(this.db, 'DELETE FROM temp.import_stage').run();
  }

  /**
   * Runs `fn` as one transaction that writes only the temp table: DEFERRED, so it takes no lock on the
   * main database (the staging of a long file never blocks other writers) and commits cheaply.
   */
  batch<T>(fn: () => T): T {
    this.ensure();
    return this.db.transaction(fn).deferred();
  }

  add(group: string | null, payload: unknown): void {
    stmt(this.db, 'INSERT INTO temp.import_stage (grp, payload) VALUES (?, ?)').run(group, JSON.stringify(payload));
  }

  /** First staged line of each group (e.g. account), for messages addressed to a statement. */
  firstOfGroups(): Map<string | null, unknown> {
    this.ensure();
    const rows = stmt(this.db, 'SELECT grp, payload FROM temp.import_stage WHERE seq IN (SELECT min(seq) FROM temp.import_stage GROUP BY grp)').all() as {
      grp: string | null;
      payload: string;
    }[];
    return new Map(rows.map((r) => [r.grp, JSON.parse(r.payload) as unknown]));
  }

  /**
   * Staged lines in the order they were added, a page at a time: the caller writes to the database
   * between pages, which an open better-sqlite3 iterator would not allow.
   */
  *replay(pageSize = 2000): Generator<{ group: string | null; payload: unknown }> {
    this.ensure();
    const page = stmt(this.db, 'SELECT seq, grp, payload FROM temp.import_stage WHERE seq > ? ORDER BY seq LIMIT ?');
    let after = 0;
    for (;;) {
      const rows = page.all(after, pageSize) as { seq: number; grp: string | null; payload: string }[];
      if (rows.length === 0) return;
      for (const row of rows) yield { group: row.grp, payload: JSON.parse(row.payload) as unknown };
      after = rows[rows.length - 1]!.seq;
    }
  }

  count(): number {
    this.ensure();
    return stmt(this.db, 'SELECT count(*) FROM temp.import_stage').pluck().get() as number;
  }
}
