import { describe, expect, it } from 'vitest';
import { BallastError } from '../../shared/errors';
import { parseDemoManifest, parseDemoSecurities } from './demo-manifest';

const security = { ticker: 'SPY', name: 'SPDR S&P 500 ETF Trust', assetClass: 'equity', currency: 'USD', isin: 'US78462F1030', cusip: '78462F103', sedol: null };

describe('parseDemoSecurities', () => {
  it('accepts valid entries and defaults missing CUSIP/SEDOL to null', () => {
    expect(parseDemoSecurities(JSON.stringify([{ ...security, cusip: undefined, sedol: undefined }]))).toEqual([{ ...security, cusip: null }]);
  });

  it.each([
    [{ isin: 'US78462F1031' }, '0.isin'],
    [{ cusip: '78462F104' }, '0.cusip'],
    [{ assetClass: 'stocks' }, '0.assetClass'],
    [{ extra: true }, '0'],
  ])('rejects %j, naming the field', (change, field) => {
    try {
      parseDemoSecurities(JSON.stringify([{ ...security, ...change }]));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BallastError);
      expect((error as BallastError).code).toBe('IMPORT_REJECTED');
      expect((error as BallastError).details).toMatchObject({ fileName: 'securities.json', issues: [{ line: 0, field }] });
    }
  });

  it('reads bundled indicator series, defaulting to none, and checks their name, role and unit', () => {
    const base = { accountId: 'DEMO', accountName: 'Demo', baseCurrency: 'USD', pricesFile: 'p.csv', positionsFile: 'h.csv', securitiesFile: 's.json' };
    expect(parseDemoManifest(JSON.stringify(base)).indicators).toEqual([]);
    const tbill = { file: 't.csv', name: 'tbill-13w', role: 'cash-rate', unit: 'percent', description: 'T-bill' };
    expect(parseDemoManifest(JSON.stringify({ ...base, indicators: [tbill] })).indicators).toEqual([{ ...tbill, name: 'TBILL-13W' }]);
    for (const [change, field] of [
      [{ name: 'not a name!' }, 'indicators.0.name'],
      [{ role: 'rate' }, 'indicators.0.role'],
      [{ unit: 'bps' }, 'indicators.0.unit'],
    ] as const) {
      expect(() => parseDemoManifest(JSON.stringify({ ...base, indicators: [{ ...tbill, ...change }] }))).toThrow(new RegExp(field.replace(/\./g, '\\.')));
    }
  });

  it('rejects a ticker listed twice and text that is not JSON', () => {
    expect(() => parseDemoSecurities(JSON.stringify([security, security]))).toThrow(/listed twice/);
    expect(() => parseDemoManifest('{')).toThrow(/demo\.json: not valid JSON/);
  });
});
