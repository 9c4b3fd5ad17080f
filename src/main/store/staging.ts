import { stmt, type Db } from './internal';

/** Lines per row of the scratch table: one INSERT and one JSON text per page instead of per line. */
const PAGE_LINES = 2000;

/** One identifier of a staged line (see ImportStagingRepo.addKeys). */
export interface StagedKey {
  group: string;
  kind: string;
  value: string;
  line: number;
  field: string;
}

const KEYS_PER_STATEMENT = 100;
const KEYS_SQL = (rows: number) =>
  `INSERT INTO temp.import_stage_keys (grp, kind, value, line, field) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?)').join(', ')}`;

/** A staged line as stored: its group, then either the payload itself (-1) or a shape id and the shape's values. */
type Encoded = [group: string | null, shape: number, values: unknown];

/**
 * A per-connection scratch table (SQLite TEMP: private to this connection, never in the database file)
 * where a streamed import parks its parsed lines until the parser has seen the whole file. Some facts
 * a line depends on arrive only at the end — the as-of date of an account's statement, the problems
 * that reject a statement as a whole — so lines are written here as they are read and replayed in file
 * order once the file is finished, without ever holding every line in memory.
 *
 * Lines are parked a page (PAGE_LINES) at a time, and an object is stored as the values of its keys under a
 * shape (the key list, kept once in memory), so neither a statement per line nor the key names of every
 * line go through SQLite and JSON (issue 10: staging each line as its own JSON row and reading it back was
 * a seventh of an import). What comes back is what JSON would give back: the same values, keys whose value
 * is `undefined` left out.
 */
export class ImportStagingRepo {
  private ready = false;
  private page: Encoded[] = [];
  private readonly shapes: string[][] = [];
  private readonly shapeIds = new Map<string, number>();
  private lines = 0;
  private lastShape = -1;

  constructor(private readonly db: Db) {}

  private ensure(): void {
    if (this.ready) return;
    // The scratch tables are written once and read once in order: a small page cache does, and keeps an
    // import's memory flat (the build's default is 16 MB per database).
    this.db.pragma('temp.cache_size = -2000');
    this.db.exec(`CREATE TEMP TABLE IF NOT EXISTS import_stage (seq INTEGER PRIMARY KEY, grp TEXT, payload TEXT NOT NULL);
      CREATE TEMP TABLE IF NOT EXISTS import_stage_keys (grp TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, line INTEGER NOT NULL, field TEXT NOT NULL)`);
    this.ready = true;
  }

  /**
   * Parks the identifier keys of staged lines (statement, kind, value, line, field), so repeats are found
   * by SQL at the end (`repeatedKeys`) instead of a map per line in memory.
   */
  addKeys(keys: readonly StagedKey[]): void {
    this.ensure();
    const width = KEYS_PER_STATEMENT;
    const params: unknown[] = [];
    let i = 0;
    if (keys.length >= width) {
      const many = stmt(this.db, KEYS_SQL(width));
      for (; i + width <= keys.length; i += width) {
        params.length = 0;
        for (let k = i; k < i + width; k++) {
          const key = keys[k]!;
          params.push(key.group, key.kind, key.value, key.line, key.field);
        }
        many.run(params);
      }
    }
    if (i < keys.length) {
      params.length = 0;
      for (let k = i; k < keys.length; k++) {
        const key = keys[k]!;
        params.push(key.group, key.kind, key.value, key.line, key.field);
      }
      stmt(this.db, KEYS_SQL(keys.length - i)).run(params);
    }
  }

  /** Every parked key whose (statement, kind, value) occurs more than once; SQLite groups, so the file's keys never sit in memory. */
  *repeatedKeys(): Generator<StagedKey> {
    this.ensure();
    const rows = stmt(
      this.db,
      `SELECT k.grp AS "group", k.kind, k.value, k.line, k.field FROM temp.import_stage_keys k
       JOIN (SELECT grp, kind, value FROM temp.import_stage_keys GROUP BY grp, kind, value HAVING count(*) > 1) r
         ON r.grp = k.grp AND r.kind = k.kind AND r.value = k.value
       ORDER BY k.line`,
    ).all() as StagedKey[];
    yield* rows;
  }

  /**
   * Empties the table (start and end of every import). Creates it again if need be: a transaction that
   * created it and then rolled back (an import that started over another way) took it away.
   */
  clear(): void {
    this.ready = false;
    this.ensure();
    stmt(this.db, 'DELETE FROM temp.import_stage').run();
    stmt(this.db, 'DELETE FROM temp.import_stage_keys').run();
    this.page = [];
    this.shapes.length = 0;
    this.shapeIds.clear();
    this.lines = 0;
    this.lastShape = -1;
  }

  /**
   * Runs `fn` as one transaction that writes only the temp table: DEFERRED, so it takes no lock on the
   * main database (the staging of a long file never blocks other writers) and commits cheaply.
   */
  batch<T>(fn: () => T): T {
    this.ensure();
    return this.db
      .transaction(() => {
        const result = fn();
        this.flush();
        return result;
      })
      .deferred();
  }

  /** Parks one line; `omit` names a key of the payload that is not stored (e.g. the group it already went under). */
  add(group: string | null, payload: unknown, omit?: string): void {
    this.ensure();
    const encoded = this.encode(group, payload, omit);
    this.page.push(encoded);
    this.lines += 1;
    if (this.page.length >= PAGE_LINES) this.flush();
  }

  /**
   * Staged lines in the order they were added, a page at a time: the caller writes to the database
   * between pages, which an open better-sqlite3 iterator would not allow.
   */
  *replay(): Generator<{ group: string | null; payload: unknown }> {
    this.ensure();
    this.flush();
    const next = stmt(this.db, 'SELECT seq, payload FROM temp.import_stage WHERE seq > ? ORDER BY seq LIMIT 1');
    let after = 0;
    for (;;) {
      const row = next.get(after) as { seq: number; payload: string } | undefined;
      if (row === undefined) return;
      after = row.seq;
      for (const [group, shape, values] of JSON.parse(row.payload) as Encoded[]) {
        yield { group, payload: shape < 0 ? values : this.decode(shape, values as unknown[]) };
      }
    }
  }

  count(): number {
    this.ensure();
    return this.lines;
  }

  private flush(): void {
    if (this.page.length === 0) return;
    stmt(this.db, 'INSERT INTO temp.import_stage (grp, payload) VALUES (NULL, ?)').run(JSON.stringify(this.page));
    this.page = [];
  }

  private encode(group: string | null, payload: unknown, omit?: string): Encoded {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || Object.getPrototypeOf(payload) !== Object.prototype) {
      return [group, -1, payload];
    }
    const record = payload as Record<string, unknown>;
    let keys = Object.keys(record);
    if (keys.some((key) => record[key] === undefined || key === omit)) keys = keys.filter((key) => record[key] !== undefined && key !== omit);
    // Lines of one file nearly always share the previous line's keys: compare with it before building a signature.
    let shape = this.lastShape;
    const last = shape < 0 ? undefined : this.shapes[shape];
    if (last === undefined || last.length !== keys.length || last.some((key, i) => key !== keys[i])) {
      const signature = keys.join('\u0000');
      shape = this.shapeIds.get(signature) ?? -1;
      if (shape < 0) {
        shape = this.shapes.length;
        this.shapes.push(keys);
        this.shapeIds.set(signature, shape);
      }
      this.lastShape = shape;
    }
    const values = new Array<unknown>(keys.length);
    for (let i = 0; i < keys.length; i++) values[i] = record[keys[i]!];
    return [group, shape, values];
  }

  private decode(shape: number, values: unknown[]): Record<string, unknown> {
    const keys = this.shapes[shape]!;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) out[keys[i]!] = values[i];
    return out;
  }
}
