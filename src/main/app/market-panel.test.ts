import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from '../store';
import type { PriceInput } from '../store/prices';
import { seedBasics } from '../store/testing';
import { loadMarketPanel } from './market-panel';

let store: Store;
beforeEach(() => {
  store = openDatabase(':memory:');
  const { spy, tlt } = seedBasics(store);
  // Two calendars with gaps on each side (holidays, a vendor gap of a week in TLT), SPY with adjusted closes.
  const rows: PriceInput[] = [];
  const day = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
  for (let d = 0; d < 60; d++) {
    if (d % 7 !== 3) rows.push({ securityId: spy.id, date: day(d), close: 100 + d, adjClose: 99 + d });
    if (d % 5 !== 1 && (d < 40 || d > 47)) rows.push({ securityId: tlt.id, date: day(d), close: 90 - d / 10 });
  }
  store.transaction(() => store.prices.insertMany(rows));
});
afterEach(() => store.close());

describe('loadMarketPanel', () => {
  it('reads a window ending at `to` with the same values, carries and last observations as a full read', () => {
    for (const to of [undefined, '2024-02-12', '2024-02-15']) {
      const full = loadMarketPanel(store, { tickers: ['TLT', 'SPY'], ...(to ? { to } : {}) });
      const T = full.panel.dates.length;
      for (const lastDates of [1, 2, 6, 10, 25, T, T + 5]) {
        const window = loadMarketPanel(store, { tickers: ['TLT', 'SPY'], lastDates, ...(to ? { to } : {}) });
        const keep = Math.min(lastDates, T);
        expect(window.panel.dates).toEqual(full.panel.dates.slice(T - keep));
        expect(Array.from(window.panel.prices.data)).toEqual(Array.from(full.panel.prices.data.slice((T - keep) * 2)));
        expect(window.lastObserved).toEqual(full.lastObserved);
      }
    }
  });
});
