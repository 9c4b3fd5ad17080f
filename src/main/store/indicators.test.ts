import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BallastError } from '../../shared/errors';
import { Indicator } from '../../shared/indicators';
import { openDatabase, type Store } from './db';

let store: Store;
beforeEach(() => {
  store = openDatabase(':memory:');
});
afterEach(() => store.close());

const vix = { name: 'VIX', unit: 'level' as const, role: 'input' as const, description: 'CBOE volatility index' };
const points = (pairs: [string, number][]) => pairs.map(([date, value]) => ({ date, value }));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BallastError);
    return (error as BallastError).code;
  }
  throw new Error('expected a BallastError');
}

describe('indicators', () => {
  it('creates a series with its observations and lists it in the contract shape', () => {
    const r = store.indicators.upsertSeries(vix, points([['2024-01-03', 13.2], ['2024-01-02', 12.5], ['2024-01-04', 14]]));
    expect(r.created).toBe(true);
    expect(r.written).toBe(3);
    expect(r.indicator).toMatchObject({ name: 'VIX', unit: 'level', role: 'input', description: 'CBOE volatility index', count: 3, firstDate: '2024-01-02', lastDate: '2024-01-04' });
    expect(store.indicators.list()).toEqual([r.indicator]);
    expect(Indicator.parse(r.indicator)).toEqual(r.indicator);
    expect(store.indicators.values('VIX')).toEqual(points([['2024-01-02', 12.5], ['2024-01-03', 13.2], ['2024-01-04', 14]]));
    expect(store.indicators.values('VIX', { from: '2024-01-03', to: '2024-01-03' })).toEqual(points([['2024-01-03', 13.2]]));
  });

  it('a second import adds new dates, corrects changed ones and counts only real changes', () => {
    store.indicators.upsertSeries(vix, points([['2024-01-02', 12.5], ['2024-01-03', 13.2]]));
    const again = store.indicators.upsertSeries({ ...vix, description: undefined }, points([['2024-01-02', 12.5], ['2024-01-03', 13.3], ['2024-01-04', 14]]));
    expect(again.created).toBe(false);
    expect(again.written).toBe(2);
    expect(again.indicator.description).toBe('CBOE volatility index');
    expect(store.indicators.values('VIX').map((p) => p.value)).toEqual([12.5, 13.3, 14]);
    expect(store.indicators.upsertSeries(vix, points([['2024-01-02', 12.5]])).written).toBe(0);
  });

  it('refuses a unit change, a second cash rate, and bad rows — writing nothing', () => {
    store.indicators.upsertSeries({ name: 'TBILL-13W', unit: 'percent', role: 'cash-rate' }, points([['2024-01-02', 5.2]]));
    expect(codeOf(() => store.indicators.upsertSeries({ name: 'TBILL-13W', unit: 'fraction', role: 'cash-rate' }, points([['2024-01-03', 0.052]])))).toBe('INVALID_STATE');
    expect(codeOf(() => store.indicators.upsertSeries({ name: 'SOFR', unit: 'percent', role: 'cash-rate' }, points([['2024-01-03', 5.3]])))).toBe('INVALID_STATE');
    expect(store.indicators.get('SOFR')).toBeNull();
    // A bad row half-way: neither the new series nor its first rows remain.
    expect(() => store.indicators.upsertSeries(vix, points([['2024-01-02', 12.5], ['2024-02-30', 13]]))).toThrow(/CHECK/);
    expect(() => store.indicators.upsertSeries(vix, points([['2024-01-02', 12.5], ['2024-01-03', Number.NaN]]))).toThrow(/NOT NULL/);
    expect(store.indicators.get('VIX')).toBeNull();
    expect(() => store.indicators.upsertSeries({ ...vix, name: 'vix' }, [])).toThrow(/CHECK/);
    expect(store.indicators.list().map((i) => i.name)).toEqual(['TBILL-13W']);
  });

  it('joins the caller transaction: a later failure rolls the series back', () => {
    expect(() =>
      store.transaction(() => {
        store.indicators.upsertSeries(vix, points([['2024-01-02', 12.5]]));
        throw new Error('later step failed');
      }),
    ).toThrow(/later step/);
    expect(store.indicators.list()).toEqual([]);
  });

  it('may change role and description, and switch the cash rate once the old one is an input', () => {
    store.indicators.upsertSeries({ name: 'TBILL-13W', unit: 'percent', role: 'cash-rate' }, []);
    store.indicators.upsertSeries({ name: 'TBILL-13W', unit: 'percent', role: 'input', description: null }, []);
    expect(store.indicators.upsertSeries({ name: 'SOFR', unit: 'percent', role: 'cash-rate', description: 'SOFR' }, []).indicator.role).toBe('cash-rate');
    expect(store.indicators.cashRateIndicator()?.name).toBe('SOFR');
    expect(store.indicators.get('TBILL-13W')).toMatchObject({ role: 'input', description: null, count: 0, firstDate: null, lastDate: null });
  });

  describe('aligned: causal carry-forward', () => {
    beforeEach(() => {
      // Weekly VIX, daily spread with a gap, a series that starts late.
      store.indicators.upsertSeries(vix, points([['2024-01-05', 13], ['2024-01-12', 14], ['2024-01-19', 12]]));
      store.indicators.upsertSeries({ name: 'TERM_SPREAD', unit: 'percent', role: 'input' }, points([['2024-01-08', -0.4], ['2024-01-09', -0.35], ['2024-01-15', -0.3]]));
    });

    it('each date gets the last observation on or before it, NaN before the first', () => {
      const dates = ['2024-01-04', '2024-01-05', '2024-01-08', '2024-01-10', '2024-01-12', '2024-01-16', '2024-01-18'];
      const values = store.indicators.aligned(['TERM_SPREAD', 'VIX'], dates);
      expect(values).toHaveLength(14);
      const rows = Array.from({ length: 7 }, (_, t) => Array.from(values.subarray(t * 2, t * 2 + 2)));
      expect(rows).toEqual([
        [NaN, NaN],
        [NaN, 13],
        [-0.4, 13],
        [-0.35, 13],
        [-0.35, 14],
        [-0.3, 14],
        [-0.3, 14],
      ]);
    });

    it('never looks ahead: values up to a date do not depend on observations after it', () => {
      const dates = ['2024-01-05', '2024-01-10', '2024-01-16'];
      const before = store.indicators.aligned(['VIX', 'TERM_SPREAD'], dates);
      // Later observations, and a change to one after the last date, leave the aligned values as they were.
      store.indicators.upsertSeries(vix, points([['2024-01-17', 40], ['2024-01-19', 99]]));
      store.indicators.upsertSeries({ name: 'TERM_SPREAD', unit: 'percent', role: 'input' }, points([['2024-01-16', 1.5]]));
      const after = store.indicators.aligned(['VIX', 'TERM_SPREAD'], dates);
      expect(Array.from(after.subarray(0, 4))).toEqual(Array.from(before.subarray(0, 4)));
      // On 2024-01-16 itself the new same-day observation is known.
      expect(after[5]).toBe(1.5);
    });

    it('handles an empty calendar and refuses unsorted dates, duplicate and unknown names', () => {
      expect(store.indicators.aligned(['VIX'], [])).toEqual(new Float64Array(0));
      expect(codeOf(() => store.indicators.aligned(['VIX'], ['2024-01-05', '2024-01-05']))).toBe('BAD_INPUT');
      expect(codeOf(() => store.indicators.aligned(['VIX', 'VIX'], ['2024-01-05']))).toBe('BAD_INPUT');
      expect(() => store.indicators.aligned(['CREDIT'], ['2024-01-05'])).toThrow(/There is no indicator CREDIT\. Indicators: TERM_SPREAD, VIX\./);
    });
  });

  it('cashRate converts percent to an annualised fraction on the calendar, null without a cash-rate series', () => {
    expect(store.indicators.cashRate(['2024-01-02'])).toBeNull();
    store.indicators.upsertSeries({ name: 'TBILL-13W', unit: 'percent', role: 'cash-rate' }, points([['2024-01-02', 5.2], ['2020-03-25', -0.07]]));
    const rate = store.indicators.cashRate(['2020-03-24', '2020-03-26', '2024-01-03']);
    expect(rate?.name).toBe('TBILL-13W');
    expect(Array.from(rate?.values ?? [])).toEqual([NaN, -0.07 / 100, 5.2 / 100]);
  });
});
