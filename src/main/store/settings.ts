import { stmt, type Db } from './internal';

/** Key/value settings; values are strings (callers store JSON when they need structure). */
export class SettingsRepo {
  constructor(private readonly db: Db) {}

  get(key: string): string | null {
    return (stmt(this.db, 'SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  }

  set(key: string, value: string): void {
    stmt(this.db, 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
      key,
      value,
    );
  }

  delete(key: string): boolean {
    return stmt(this.db, 'DELETE FROM settings WHERE key = ?').run(key).changes > 0;
  }

  all(): Record<string, string> {
    const rows = stmt(this.db, 'SELECT key, value FROM settings ORDER BY key').all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }
}
