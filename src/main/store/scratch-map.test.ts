import { describe, expect, it } from 'vitest';
import { memoryStore as store } from './testing';

describe('ScratchMap', () => {
  it('answers what was set, before and after it is written to its table, and forgets it when cleared', () => {
    const s = store();
    const map = s.scratchMap('test_entries');
    for (let i = 0; i < 2500; i++) map.set(`k${i}`, `v${i}`);
    // 2000 written in two batches, 500 still waiting: both kinds answer.
    expect(s.db.prepare('SELECT count(*) FROM temp.scratch_test_entries').pluck().get()).toBe(2000);
    expect(map.get('k0')).toBe('v0');
    expect(map.get('k2499')).toBe('v2499');
    expect(map.get('k2500')).toBeUndefined();
    map.set('k0', 'again');
    expect(map.get('k0')).toBe('again');
    map.clear();
    expect(map.get('k1')).toBeUndefined();
    expect(s.db.prepare('SELECT count(*) FROM temp.scratch_test_entries').pluck().get()).toBe(0);
  });

  it('is empty when made again, and writes nothing to the database file', () => {
    const s = store();
    s.scratchMap('test_entries').set('a', '1');
    const again = s.scratchMap('test_entries');
    expect(again.get('a')).toBeUndefined();
    expect(s.db.prepare("SELECT count(*) FROM main.sqlite_master WHERE name LIKE 'scratch_%'").pluck().get()).toBe(0);
  });

  it('refuses a name that is not a plain table name', () => {
    expect(() => store().scratchMap('x; DROP TABLE securities')).toThrow(/not a table name/);
  });
});
