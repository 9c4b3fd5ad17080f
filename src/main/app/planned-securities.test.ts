import { describe, expect, it } from 'vitest';
import { memoryStore as store } from '../store/testing';
import { PLANNED_IN_MEMORY, PlannedSecurities } from './holdings-import';
import { previewImportJob, type CsvPaths } from './imports';

/*
 * Issue 10: a preview remembers the securities it would create; past PLANNED_IN_MEMORY they go to a scratch table,
 * so a file creating hundreds of thousands of them does not grow the preview's memory. Whatever is held where,
 * the preview must match later lines to them exactly as before.
 */

const job = { dbPath: ':memory:', signal: { aborted: false }, progress: () => undefined };

const security = (ticker: string, isin: string | null = null) => ({
  id: null,
  ticker,
  name: `${ticker} Inc`,
  currency: 'USD',
  isin,
  cusip: null,
  sedol: null,
  figi: null,
});

describe('PlannedSecurities', () => {
  it('answers every key it was given, held in memory or in the scratch table, and nothing after dispose', () => {
    const planned = new PlannedSecurities(store(), 3);
    const all = Array.from({ length: 2100 }, (_, i) => security(`T${i}`, i % 2 ? null : `US${String(i).padStart(9, '0')}0`));
    for (const s of all) {
      planned.set('ticker', s.ticker, s);
      if (s.isin !== null) planned.set('isin', s.isin, s);
    }
    for (const s of all) {
      expect(planned.get('ticker', s.ticker)).toEqual(s);
      if (s.isin !== null) expect(planned.get('isin', s.isin)).toEqual(s);
      // The same value under another kind is another key.
      expect(planned.get('cusip', s.ticker)).toBeUndefined();
    }
    expect(planned.get('ticker', 'T2100')).toBeUndefined();
    // Set again, a key answers its latest security, wherever it was held (as a Map would).
    for (const ticker of ['T0', 'T2000']) {
      planned.set('ticker', ticker, security('NEW'));
      expect(planned.get('ticker', ticker)).toEqual(security('NEW'));
    }
    planned.dispose();
    expect(planned.get('ticker', 'T5')).toBeUndefined();
    expect(planned.get('ticker', 'T0')).toBeUndefined();
  });
});

describe('a preview that would create more securities than it keeps in memory', () => {
  it('still matches later lines to the securities it planned, on the direct and the staged path', () => {
    // PLANNED_IN_MEMORY securities fill memory; ZZZ (Apple's ISIN) is planned past them, in the scratch table. A
    // later line gives ZZZ with Microsoft's ISIN: the planned ZZZ must be found, and the clash reported; a line
    // with ZZZ alone matches it.
    const lines = ['Account,Symbol,ISIN,Quantity,Price,Market Value,Currency,As of'];
    for (let i = 0; i < PLANNED_IN_MEMORY; i++) lines.push(`ACC-1,S${i},,1,2.00,2.00,USD,2026-08-03`);
    lines.push('ACC-1,ZZZ,US0378331005,1,2.00,2.00,USD,2026-08-03');
    lines.push('ACC-2,ZZZ,US5949181045,1,2.00,2.00,USD,2026-08-03');
    lines.push('ACC-3,ZZZ,,1,2.00,2.00,USD,2026-08-03');
    const input = { kind: 'positions' as const, fileName: 'many.csv', source: { contentBase64: Buffer.from(lines.join('\n')).toString('base64') }, actor: 'test', createSecurities: true };
    const previews = ([{ direct: true }, { direct: false }] as CsvPaths[]).map((paths) => {
      const s = store();
      const preview = previewImportJob(s, input, job, paths);
      // Nothing is left in the scratch table once the preview is done.
      expect(s.db.prepare("SELECT count(*) FROM temp.sqlite_master WHERE name = 'scratch_planned_securities'").pluck().get()).toBe(1);
      expect(s.db.prepare('SELECT count(*) FROM temp.scratch_planned_securities').pluck().get()).toBe(0);
      return preview;
    });
    expect(previews[0]).toEqual(previews[1]);
    const preview = previews[0]!;
    const clash = preview.issues.filter((i) => i.severity === 'error');
    expect(clash).toHaveLength(1);
    expect(clash[0]!.line).toBe(PLANNED_IN_MEMORY + 3);
    expect(clash[0]!.reason).toMatch(/ZZZ.*US0378331005.*US5949181045/);
    expect(preview.rejectedRows).toBe(1);
    expect(preview.statements.map((s) => [s.accountId, s.positions])).toEqual([
      ['ACC-1', PLANNED_IN_MEMORY + 1],
      ['ACC-3', 1],
    ]);
  });
});
