import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Account, ImportRecord, Security } from '../../shared/domain';
import { openDatabase, type Store } from './db';
import { nowIso } from './internal';
import type { PriceInput } from './prices';
import { seedBasics, SHA_A, SHA_B } from './testing';

let store: Store;
let ids: ReturnType<typeof seedBasics>;
beforeEach(() => {
  store = openDatabase(':memory:');
  ids = seedBasics(store);
});
afterEach(() => store.close());

describe('securities', () => {
  it('upserts by ticker, keeping identifiers a sparser input leaves out', () => {
    const first = store.securities.upsert({ ticker: 'GLD', name: 'Gold', assetClass: 'commodity', currency: 'USD', isin: 'US78463V1070', lotSize: 1 });
    expect(first.created).toBe(true);
    const second = store.securities.upsert({ ticker: 'GLD', name: 'SPDR Gold Shares', assetClass: 'commodity', currency: 'USD', cusip: '78463V107' });
    expect(second.created).toBe(false);
    expect(second.security).toEqual({
      id: first.security.id,
      ticker: 'GLD',
      isin: 'US78463V1070',
      cusip: '78463V107',
      sedol: null,
      figi: null,
      name: 'SPDR Gold Shares',
      assetClass: 'commodity',
      currency: 'USD',
      lotSize: 1,
      // Instrument terms (0006): none stated.
      instrumentType: null, multiplier: null, underlying: null, expiry: null, strike: null, putCall: null,
    });
    expect(Security.parse(second.security)).toMatchObject({ ticker: 'GLD' });
    expect(store.securities.count()).toBe(3);
  });

  it('ensure leaves an existing security alone', () => {
    const r = store.securities.ensure({ ticker: 'SPY', name: 'changed', assetClass: 'other', currency: 'EUR' });
    expect(r).toEqual({ security: ids.spy, created: false });
    expect(store.securities.ensure({ ticker: 'IEF', name: '7-10y', assetClass: 'fixed_income', currency: 'USD' }).created).toBe(true);
  });

  it('finds by any identifier, most specific first', () => {
    store.securities.upsert({ ticker: 'VOD', name: 'Vodafone', assetClass: 'equity', currency: 'GBP', sedol: 'BH4HKS3', figi: 'BBG000C6K6G9' });
    expect(store.securities.findByIsin('US78462F1030')?.ticker).toBe('SPY');
    expect(store.securities.findBySedol('BH4HKS3')?.ticker).toBe('VOD');
    expect(store.securities.findByFigi('BBG000C6K6G9')?.ticker).toBe('VOD');
    expect(store.securities.findByCusip('000000000')).toBeNull();
    expect(store.securities.find({ isin: 'US78462F1030', ticker: 'TLT' })?.ticker).toBe('SPY');
    expect(store.securities.find({ isin: 'XX0000000000', ticker: 'TLT' })?.ticker).toBe('TLT');
    expect(store.securities.find({})).toBeNull();
    expect(store.securities.get(ids.tlt.id)?.ticker).toBe('TLT');
    expect(store.securities.list().map((s) => s.ticker)).toEqual(['SPY', 'TLT', 'VOD']);
  });
});

describe('prices', () => {
  const load = () =>
    store.transaction(() =>
      store.prices.insertMany([
        { securityId: ids.spy.id, date: '2024-01-02', close: 470, adjClose: 468, volume: 1000 },
        { securityId: ids.spy.id, date: '2024-01-03', close: 472, adjClose: 470 },
        { securityId: ids.spy.id, date: '2024-01-05', close: 475, adjClose: 473 },
        { securityId: ids.tlt.id, date: '2024-01-03', close: 98 },
        { securityId: ids.tlt.id, date: '2024-01-04', close: 99 },
      ]),
    );

  it('refuses a bulk insert outside a transaction', () => {
    expect(() => store.prices.insertMany([{ securityId: ids.spy.id, date: '2024-01-02', close: 1 }])).toThrow(/inside store.transaction/);
  });

  it('builds a row-major matrix on the union of dates with NaN for gaps', () => {
    expect(load()).toBe(5);
    const m = store.prices.priceMatrix([ids.tlt.id, ids.spy.id]);
    expect(m.securityIds).toEqual([ids.tlt.id, ids.spy.id]);
    expect(m.dates).toEqual(['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05']);
    // Columns: TLT (close, no adjusted close given), SPY (adjusted close).
    expect(Array.from(m.values)).toEqual([NaN, 468, 98, 470, 99, NaN, NaN, 473]);
    const ranged = store.prices.priceMatrix([ids.spy.id], { from: '2024-01-03', to: '2024-01-04' });
    expect(ranged.dates).toEqual(['2024-01-03']);
    expect(Array.from(ranged.values)).toEqual([470]);
    const empty = store.prices.priceMatrix([]);
    expect(empty.dates).toEqual([]);
    expect(empty.values.length).toBe(0);
    expect(() => store.prices.priceMatrix([ids.spy.id, ids.spy.id])).toThrow(/listed twice/);
  });

  it('reads only the newest dates of the union when asked for a window', () => {
    load();
    const full = store.prices.priceMatrix([ids.tlt.id, ids.spy.id]);
    for (const lastDates of [0, 1, 2, 3, 4, 10]) {
      const m = store.prices.priceMatrix([ids.tlt.id, ids.spy.id], { lastDates });
      const keep = Math.min(lastDates, full.dates.length);
      expect(m.dates).toEqual(full.dates.slice(full.dates.length - keep));
      expect(Array.from(m.values)).toEqual(Array.from(full.values.slice((full.dates.length - keep) * 2)));
    }
    const upTo = store.prices.priceMatrix([ids.tlt.id, ids.spy.id], { to: '2024-01-04', lastDates: 2 });
    expect(upTo.dates).toEqual(['2024-01-03', '2024-01-04']);
    expect(Array.from(upTo.values)).toEqual([98, 470, 99, NaN]);
    expect(() => store.prices.priceMatrix([ids.spy.id], { lastDates: -1 })).toThrow(/lastDates/);
  });

  it('finds the latest price on or before a date', () => {
    load();
    expect(store.prices.latest(ids.spy.id)).toEqual({ securityId: ids.spy.id, date: '2024-01-05', close: 475, adjClose: 473 });
    expect(store.prices.latest(ids.spy.id, '2024-01-04')?.date).toBe('2024-01-03');
    expect(store.prices.latest(ids.spy.id, '2023-12-31')).toBeNull();
    const many = store.prices.latestMany([ids.spy.id, ids.tlt.id, 999], '2024-01-03');
    expect([...many.keys()]).toEqual([ids.spy.id, ids.tlt.id]);
    expect(many.get(ids.tlt.id)).toEqual({ securityId: ids.tlt.id, date: '2024-01-03', close: 98, adjClose: null });
  });

  it('counts, dates each history and replaces or ignores overlapping observations', () => {
    expect(store.prices.any()).toBe(false);
    load();
    expect(store.prices.count()).toBe(5);
    expect(store.prices.any()).toBe(true);
    // A security without prices is left out.
    store.securities.upsert({ ticker: 'GLD', name: 'SPDR Gold', assetClass: 'commodity', currency: 'USD' });
    expect(store.prices.lastDates()).toEqual(new Map([[ids.spy.id, '2024-01-05'], [ids.tlt.id, '2024-01-04']]));
    expect([0, 1, 2, 3].map((n) => store.prices.hasMoreThan(ids.spy.id, n))).toEqual([true, true, true, false]);
    expect([0, 1, 2].map((n) => store.prices.hasMoreThan(ids.tlt.id, n))).toEqual([true, true, false]);
    expect(store.prices.hasMoreThan(999, 0)).toBe(false);
    expect(() => store.prices.hasMoreThan(ids.spy.id, -1)).toThrow(/whole number/);
    expect(store.prices.dates({ from: '2024-01-03' })).toEqual(['2024-01-03', '2024-01-04', '2024-01-05']);
    const ignored = store.transaction(() => store.prices.insertMany([{ securityId: ids.tlt.id, date: '2024-01-03', close: 50 }], { onConflict: 'ignore' }));
    expect(ignored).toBe(0);
    expect(store.prices.latest(ids.tlt.id, '2024-01-03')?.close).toBe(98);
    store.transaction(() => store.prices.insertMany([{ securityId: ids.tlt.id, date: '2024-01-03', close: 97.5, adjClose: 97 }]));
    expect(store.prices.history(ids.tlt.id)).toEqual([
      { date: '2024-01-03', close: 97.5, adjClose: 97, volume: null },
      { date: '2024-01-04', close: 99, adjClose: null, volume: null },
    ]);
    expect(store.prices.count()).toBe(5);
  });

  it('loads twenty years of daily history for a few securities quickly', () => {
    const start = Date.UTC(2004, 0, 1);
    const rows: PriceInput[] = [];
    for (const security of [ids.spy, ids.tlt]) {
      for (let d = 0; d < 5000; d++) {
        rows.push({ securityId: security.id, date: new Date(start + d * 86_400_000).toISOString().slice(0, 10), close: 100 + d / 100 });
      }
    }
    const t0 = performance.now();
    store.transaction(() => store.prices.insertMany(rows));
    const m = store.prices.priceMatrix([ids.spy.id, ids.tlt.id]);
    expect(m.values.length).toBe(10_000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('accounts', () => {
  it('creates, ensures, gets and lists in the contract shape', () => {
    expect(Account.parse(ids.account)).toEqual(ids.account);
    expect(() => store.accounts.create({ id: 'ACC-1', name: 'dup', baseCurrency: 'USD' })).toThrow(/already exists/);
    expect(store.accounts.ensure({ id: 'ACC-1', name: 'other', baseCurrency: 'EUR' })).toEqual({ account: ids.account, created: false });
    const b = store.accounts.ensure({ id: 'B.2', name: 'Second', baseCurrency: 'EUR', createdAt: '2024-01-01T00:00:00.000Z' });
    expect(b).toEqual({ account: { id: 'B.2', name: 'Second', baseCurrency: 'EUR', createdAt: '2024-01-01T00:00:00.000Z' }, created: true });
    expect(store.accounts.list().map((a) => a.id)).toEqual(['ACC-1', 'B.2']);
    expect(store.accounts.get('nope')).toBeNull();
  });
});

describe('imports', () => {
  it('inserts, finds by SHA-256 and lists newest first', () => {
    const prices = store.imports.insert({ kind: 'prices', fileName: 'prices.csv', sha256: SHA_A, format: 'csv', rows: 500, report: { warnings: [] } });
    const positions = store.imports.insert({ kind: 'positions', fileName: 'pos.csv', sha256: SHA_B, format: 'csv', rows: 12, accountId: 'ACC-1' });
    expect(prices).toMatchObject({ id: 1, kind: 'prices', status: 'imported', accountId: null, report: { warnings: [] } });
    expect(ImportRecord.parse(positions)).toMatchObject({ accountId: 'ACC-1', rows: 12 });
    expect(store.imports.findBySha256(SHA_A)?.id).toBe(prices.id);
    expect(store.imports.findBySha256('c'.repeat(64))).toBeNull();
    expect(store.imports.get(positions.id)?.report).toBeNull();
    expect(store.imports.list().map((i) => i.id)).toEqual([positions.id, prices.id]);
  });
});

describe('positions', () => {
  it('stores a snapshot with its rows joined to the securities master', () => {
    const { snapshot, superseded } = store.positions.createSnapshot({
      accountId: 'ACC-1',
      asOf: '2024-01-02',
      cash: '2500.75',
      positions: [
        { securityId: ids.tlt.id, quantity: '300', price: '98.12', marketValue: '29436.00' },
        { securityId: ids.spy.id, quantity: '100.5', costBasis: '40000' },
      ],
      createdAt: '2024-01-02T20:00:00.000Z',
    });
    expect(superseded).toEqual([]);
    expect(snapshot).toEqual({ id: 1, accountId: 'ACC-1', asOf: '2024-01-02', importId: null, cash: '2500.75', supersededBy: null, createdAt: '2024-01-02T20:00:00.000Z' });
    expect(store.positions.rows(snapshot.id)).toEqual([
      { securityId: ids.spy.id, ticker: 'SPY', name: 'SPDR S&P 500', isin: 'US78462F1030', cusip: null, sedol: null, figi: null, assetClass: 'equity', currency: 'USD', lotSize: 1, quantity: '100.5', price: null, marketValue: null, costBasis: '40000', quantityType: 'UNIT', instrumentType: null, multiplier: null, underlying: null, expiry: null, strike: null, putCall: null },
      { securityId: ids.tlt.id, ticker: 'TLT', name: 'iShares 20+ Year Treasury', isin: null, cusip: null, sedol: null, figi: null, assetClass: 'fixed_income', currency: 'USD', lotSize: 1, quantity: '300', price: '98.12', marketValue: '29436.00', costBasis: null, quantityType: 'UNIT', instrumentType: null, multiplier: null, underlying: null, expiry: null, strike: null, putCall: null },
    ]);
    expect(store.positions.count()).toBe(2);
  });

  it('stages holdings, finds repeats of a security per statement by SQL, and writes the first line of each security (issue 10)', () => {
    store.positions.clearStage();
    const staged = Array.from({ length: 250 }, (_, i) => ({
      statement: i % 2,
      security: i < 4 ? ids.spy.id : i < 8 ? ids.tlt.id : `new:X${i}`,
      line: i + 2,
      field: 'Symbol',
      quantity: String(i + 1),
      price: '1',
      marketValue: String(i + 1),
      quantityType: 'UNIT' as const,
    }));
    store.positions.stage(staged);
    store.positions.indexStage();
    // Statement 0 has SPY on lines 2 and 4 and TLT on 6 and 8; statement 1 the same on 3/5 and 7/9.
    expect(store.positions.stagedDuplicateCounts()).toEqual(new Map([[0, 2], [1, 2]]));
    expect(store.positions.stagedDuplicates(3)).toEqual([
      { statement: 0, security: ids.spy.id, line: 4, field: 'Symbol', firstLine: 2 },
      { statement: 1, security: ids.spy.id, line: 5, field: 'Symbol', firstLine: 3 },
      { statement: 0, security: ids.tlt.id, line: 8, field: 'Symbol', firstLine: 6 },
    ]);
    store.positions.clearStage();
    store.positions.stage(staged.slice(0, 8));
    store.positions.indexStage();
    const written = store.transaction(() => {
      const { snapshot } = store.positions.createSnapshot({ accountId: 'ACC-1', asOf: '2024-01-02', cash: '0', positions: [] });
      expect(store.positions.unstagedSecuritiesOf(0, snapshot.id)).toEqual([]);
      return { id: snapshot.id, rows: store.positions.insertStaged(new Map([[0, snapshot.id]])) };
    });
    expect(written.rows).toBe(2);
    expect(store.positions.rows(written.id).map((r) => [r.ticker, r.quantity])).toEqual([['SPY', '1'], ['TLT', '5']]);
    expect(store.positions.unstagedSecuritiesOf(1, written.id)).toEqual([]);
    // A statement that staged nothing lists none of the snapshot's securities.
    expect(store.positions.unstagedSecuritiesOf(7, written.id)).toEqual([ids.spy.id, ids.tlt.id].sort((a, b) => a - b));
    store.positions.clearStage();
    expect(store.positions.stagedDuplicateCounts().size).toBe(0);
  });

  it('adds many holdings at once, several per statement', () => {
    const many = store.transaction(() => {
      const { snapshot } = store.positions.createSnapshot({ accountId: 'ACC-1', asOf: '2024-01-02', cash: '0', positions: [] });
      return { id: snapshot.id, written: store.positions.addPositions(snapshot.id, [{ securityId: ids.spy.id, quantity: '-3', price: '2' }, { securityId: ids.tlt.id, quantity: '1', quantityType: 'FAMT' }]) };
    });
    expect(many.written).toBe(2);
    expect(store.positions.rows(many.id).map((r) => [r.ticker, r.quantity, r.price, r.quantityType])).toEqual([['SPY', '-3', '2', 'UNIT'], ['TLT', '1', null, 'FAMT']]);
  });

  it('supersedes the earlier snapshot of the same account and date, and finds the latest on or before a date', () => {
    const jan2 = store.positions.createSnapshot({ accountId: 'ACC-1', asOf: '2024-01-02', cash: '1', positions: [{ securityId: ids.spy.id, quantity: '1' }] }).snapshot;
    const jan5 = store.positions.createSnapshot({ accountId: 'ACC-1', asOf: '2024-01-05', cash: '5', positions: [] }).snapshot;
    const corrected = store.positions.createSnapshot({ accountId: 'ACC-1', asOf: '2024-01-02', cash: '2', positions: [{ securityId: ids.spy.id, quantity: '2' }] });
    expect(corrected.superseded).toEqual([jan2.id]);
    expect(store.positions.getSnapshot(jan2.id)?.supersededBy).toBe(corrected.snapshot.id);
    expect(store.positions.latestSnapshot('ACC-1')?.id).toBe(jan5.id);
    expect(store.positions.latestSnapshot('ACC-1', '2024-01-04')?.id).toBe(corrected.snapshot.id);
    expect(store.positions.latestSnapshot('ACC-1', '2024-01-01')).toBeNull();
    expect(store.positions.listSnapshots('ACC-1').map((s) => s.id)).toEqual([jan5.id, corrected.snapshot.id, jan2.id]);
    // Old rows stay for the record; the count covers live snapshots only.
    expect(store.positions.rows(jan2.id)[0]?.quantity).toBe('1');
    expect(store.positions.count()).toBe(1);
    // Only one live snapshot per account and date, whatever writes it.
    expect(() =>
      store.db.prepare("INSERT INTO position_snapshots (account_id, as_of, cash, created_at) VALUES ('ACC-1', '2024-01-05', '0', '2024-01-05T00:00:00Z')").run(),
    ).toThrow(/UNIQUE/);
  });

  it('opens an empty snapshot inside a transaction as it does outside one: the next id, superseding the live one of that date', () => {
    // How an import opens each statement's snapshot: no rows yet, inside its write transaction (issue 10).
    const outside = store.positions.createSnapshot({ accountId: 'ACC-1', asOf: '2024-01-02', cash: '1', positions: [] }).snapshot;
    const opened = store.transaction(() => {
      const fresh = store.positions.createSnapshot({ accountId: 'ACC-1', asOf: '2024-01-03', importId: null, cash: '0', positions: [], createdAt: '2024-01-03T20:00:00.000Z' });
      const replacing = store.positions.createSnapshot({ accountId: 'ACC-1', asOf: '2024-01-02', cash: '2', positions: [] });
      return { fresh, replacing };
    });
    expect(opened.fresh).toEqual({
      snapshot: { id: outside.id + 1, accountId: 'ACC-1', asOf: '2024-01-03', importId: null, cash: '0', supersededBy: null, createdAt: '2024-01-03T20:00:00.000Z' },
      superseded: [],
    });
    expect(opened.replacing.snapshot.id).toBe(outside.id + 2);
    expect(opened.replacing.superseded).toEqual([outside.id]);
    expect(store.positions.getSnapshot(outside.id)?.supersededBy).toBe(outside.id + 2);
    expect(store.positions.liveSnapshot('ACC-1', '2024-01-02')?.id).toBe(outside.id + 2);
    // A failure inside leaves nothing of the transaction behind.
    expect(() =>
      store.transaction(() => {
        store.positions.createSnapshot({ accountId: 'ACC-1', asOf: '2024-01-04', cash: '0', positions: [] });
        store.positions.createSnapshot({ accountId: 'NOPE', asOf: '2024-01-04', cash: '0', positions: [] });
      }),
    ).toThrow(/FOREIGN KEY/);
    expect(store.positions.liveSnapshot('ACC-1', '2024-01-04')).toBeNull();
  });
});

describe('nowIso', () => {
  it('is the current time as UTC ISO-8601 with milliseconds, a new text each millisecond', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2026-12-07T08:00:00.123Z'));
      expect(nowIso()).toBe('2026-12-07T08:00:00.123Z');
      expect(nowIso()).toBe('2026-12-07T08:00:00.123Z');
      vi.setSystemTime(new Date('2026-12-07T08:00:00.124Z'));
      expect(nowIso()).toBe('2026-12-07T08:00:00.124Z');
      // A clock set back is followed too.
      vi.setSystemTime(new Date('2026-12-06T23:59:59.999Z'));
      expect(nowIso()).toBe('2026-12-06T23:59:59.999Z');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('settings', () => {
  it('gets, sets, overwrites and deletes', () => {
    expect(store.settings.get('theme')).toBeNull();
    store.settings.set('theme', 'dark');
    store.settings.set('theme', 'light');
    store.settings.set('exportsDir', '/tmp');
    expect(store.settings.get('theme')).toBe('light');
    expect(store.settings.all()).toEqual({ exportsDir: '/tmp', theme: 'light' });
    expect(store.settings.delete('theme')).toBe(true);
    expect(store.settings.delete('theme')).toBe(false);
  });
});
