import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from './db';
import { proposalInput, seedBasics, SHA_A, SHA_B } from './testing';

let store: Store;
let ids: ReturnType<typeof seedBasics>;
beforeEach(() => {
  store = openDatabase(':memory:');
  ids = seedBasics(store);
});
afterEach(() => store.close());

const BAD_DECIMALS = ['', '-', '1e5', '1E5', '1.0e+20', '01', '-01', '1.', '.5', '-.5', '1,000', ' 1', '1 ', '1.2.3', '--1', '1-', '+1', 'abc', 'NaN', 'Infinity', '0x10'];
const GOOD_DECIMALS = ['0', '-0', '7', '-7', '0.5', '-0.25', '1234567.891', '100', '1000000000000000000000.000001'];

describe('exact amounts are plain decimal strings', () => {
  const snapshot = (cash: string) => store.positions.createSnapshot({ accountId: ids.account.id, asOf: '2024-01-02', cash, positions: [] });
  const position = (field: 'quantity' | 'price' | 'marketValue' | 'costBasis', value: string) =>
    store.positions.createSnapshot({
      accountId: ids.account.id,
      asOf: '2024-01-03',
      cash: '0',
      positions: [{ securityId: ids.spy.id, quantity: '1', [field]: value }],
    });

  it.each(BAD_DECIMALS)('rejects %j as cash, quantity, market value, cost basis and total value', (bad) => {
    expect(() => snapshot(bad)).toThrow(/CHECK constraint failed/);
    for (const field of ['quantity', 'price', 'marketValue', 'costBasis'] as const) {
      expect(() => position(field, bad), field).toThrow(/CHECK constraint failed/);
    }
    expect(() => store.proposals.insert(proposalInput(ids.account.id, { totalValue: bad }), [])).toThrow(/CHECK constraint failed/);
  });

  it.each(GOOD_DECIMALS)('accepts %j and returns it unchanged', (good) => {
    const { snapshot: s } = snapshot(good);
    expect(store.positions.getSnapshot(s.id)?.cash).toBe(good);
    position('marketValue', good);
    expect(store.positions.rows(store.positions.latestSnapshot(ids.account.id, '2024-01-03')!.id)[0]?.marketValue).toBe(good);
  });

  it('refuses a number where a decimal string belongs (STRICT table: no silent float)', () => {
    expect(() => store.db.prepare("INSERT INTO position_snapshots (account_id, as_of, cash, created_at) VALUES ('ACC-1', '2024-01-02', 1.5e300, '2024-01-02T00:00:00Z')").run()).toThrow(
      /CHECK constraint failed/,
    );
  });

  it('refuses negative position prices, negative or zero trade quantities and negative notionals', () => {
    expect(() => position('price', '-1')).toThrow(/CHECK constraint failed/);
    const trade = (quantity: string, notional: string) =>
      store.proposals.insert(proposalInput(ids.account.id), [{ securityId: ids.spy.id, side: 'BUY', quantity, price: 470.5, notional, currency: 'USD' }]);
    expect(() => trade('-5', '100')).toThrow(/CHECK constraint failed/);
    expect(() => trade('0', '0')).toThrow(/CHECK constraint failed/);
    expect(() => trade('0.000', '0')).toThrow(/CHECK constraint failed/);
    expect(() => trade('5', '-100')).toThrow(/CHECK constraint failed/);
    expect(() => trade('0.5', '235.25')).not.toThrow();
  });
});

describe('enumerations and formats', () => {
  it('rejects an unknown proposal status', () => {
    const id = store.proposals.insert(proposalInput(ids.account.id), []);
    expect(() => store.db.prepare("UPDATE proposals SET status = 'maybe' WHERE id = ?").run(id)).toThrow(/CHECK constraint failed|not allowed/);
    expect(() => store.proposals.transition(id, ['pending'], 'maybe' as never)).toThrow();
    expect(store.proposals.status(id)).toBe('pending');
  });

  it('rejects an unknown asset class, side and decision', () => {
    expect(() => store.securities.upsert({ ticker: 'X', name: 'x', assetClass: 'crypto' as never, currency: 'USD' })).toThrow(/CHECK constraint failed/);
    expect(() =>
      store.proposals.insert(proposalInput(ids.account.id), [{ securityId: ids.spy.id, side: 'HOLD' as never, quantity: '1', price: 1, notional: '1', currency: 'USD' }]),
    ).toThrow(/CHECK constraint failed/);
    const id = store.proposals.insert(proposalInput(ids.account.id), []);
    expect(() => store.approvals.record({ proposalId: id, decision: 'maybe' as never, by: 'pm' })).toThrow(/CHECK constraint failed/);
    expect(() => store.approvals.record({ proposalId: id, decision: 'approved', by: '   ' })).toThrow(/CHECK constraint failed/);
  });

  it('rejects impossible dates, bad currencies, malformed identifiers and non-JSON payloads', () => {
    expect(() => store.positions.createSnapshot({ accountId: ids.account.id, asOf: '2024-02-30', cash: '0', positions: [] })).toThrow(/CHECK/);
    expect(() => store.positions.createSnapshot({ accountId: ids.account.id, asOf: '2024-1-5', cash: '0', positions: [] })).toThrow(/CHECK/);
    expect(() => store.transaction(() => store.prices.insertMany([{ securityId: ids.spy.id, date: '2024-13-01', close: 1 }]))).toThrow(/CHECK/);
    expect(() => store.transaction(() => store.prices.insertMany([{ securityId: ids.spy.id, date: '2024-01-02', close: 0 }]))).toThrow(/CHECK/);
    expect(() => store.accounts.create({ id: 'X', name: 'x', baseCurrency: 'usd' })).toThrow(/CHECK/);
    expect(() => store.accounts.create({ id: '-bad', name: 'x', baseCurrency: 'USD' })).toThrow(/CHECK/);
    expect(() => store.accounts.create({ id: 'ends with space ', name: 'x', baseCurrency: 'USD' })).toThrow(/CHECK/);
    expect(() => store.accounts.create({ id: 'semi;colon', name: 'x', baseCurrency: 'USD' })).toThrow(/CHECK/);
    // As custodians write them (0006): slashes and spaces inside.
    expect(store.accounts.create({ id: '12345/678-9', name: 'x', baseCurrency: 'USD' }).id).toBe('12345/678-9');
    expect(store.accounts.create({ id: 'DE 1234 5678', name: 'x', baseCurrency: 'USD' }).id).toBe('DE 1234 5678');
    expect(() => store.securities.upsert({ ticker: 'Y', name: 'y', assetClass: 'equity', currency: 'USD', isin: 'US123' })).toThrow(/CHECK/);
    expect(() => store.accounts.create({ id: 'OK', name: 'x', baseCurrency: 'USD', createdAt: '2024-01-02 10:00:00' })).toThrow(/CHECK/);
    expect(() =>
      store.db
        .prepare("INSERT INTO imports (kind, file_name, sha256, format, rows, status, report, created_at) VALUES ('prices', 'p.csv', ?, 'csv', 1, 'imported', '{not json', '2024-01-02T00:00:00Z')")
        .run(SHA_B),
    ).toThrow(/CHECK/);
    expect(() => store.imports.insert({ kind: 'prices', fileName: 'p.csv', sha256: 'A'.repeat(64), format: 'csv', rows: 1 })).toThrow(/CHECK/);
  });

  it('never ties a price import to an account (a holdings file may cover several)', () => {
    expect(() => store.imports.insert({ kind: 'positions', fileName: 'p.csv', sha256: SHA_A, format: 'csv', rows: 1 })).not.toThrow();
    expect(() => store.imports.insert({ kind: 'prices', fileName: 'p.csv', sha256: SHA_B, format: 'csv', rows: 1, accountId: ids.account.id })).toThrow(/CHECK/);
  });
});

describe('foreign keys', () => {
  it('rejects rows that point at nothing', () => {
    expect(() => store.transaction(() => store.prices.insertMany([{ securityId: 999, date: '2024-01-02', close: 1 }]))).toThrow(/FOREIGN KEY/);
    expect(() => store.positions.createSnapshot({ accountId: 'NOPE', asOf: '2024-01-02', cash: '0', positions: [] })).toThrow(/FOREIGN KEY/);
    expect(() =>
      store.positions.createSnapshot({ accountId: ids.account.id, asOf: '2024-01-02', cash: '0', positions: [{ securityId: 999, quantity: '1' }] }),
    ).toThrow(/FOREIGN KEY/);
    expect(() => store.proposals.insert(proposalInput('NOPE'), [])).toThrow(/FOREIGN KEY/);
    expect(() => store.approvals.record({ proposalId: 999, decision: 'approved', by: 'pm' })).toThrow(/FOREIGN KEY/);
    expect(() => store.exports.record({ proposalId: 999, format: 'csv', path: '/tmp/x.csv', sha256: SHA_A, rows: 1 })).toThrow(/FOREIGN KEY/);
    expect(() => store.imports.insert({ kind: 'positions', fileName: 'p.csv', sha256: SHA_A, format: 'csv', rows: 1, accountId: 'NOPE' })).toThrow(/FOREIGN KEY/);
    // Nothing half-written survives the failed snapshots.
    expect(store.positions.listSnapshots(ids.account.id)).toEqual([]);
  });

  it('refuses to delete a security that prices refer to', () => {
    store.transaction(() => store.prices.insertMany([{ securityId: ids.spy.id, date: '2024-01-02', close: 470 }]));
    expect(() => store.db.prepare('DELETE FROM securities WHERE id = ?').run(ids.spy.id)).toThrow(/FOREIGN KEY/);
  });
});

describe('uniqueness', () => {
  it('rejects a second import with the same SHA-256', () => {
    store.imports.insert({ kind: 'prices', fileName: 'a.csv', sha256: SHA_A, format: 'csv', rows: 3 });
    expect(() => store.imports.insert({ kind: 'prices', fileName: 'renamed.csv', sha256: SHA_A, format: 'csv', rows: 3 })).toThrow(/UNIQUE constraint failed: imports.sha256/);
    expect(() => store.imports.insert({ kind: 'prices', fileName: 'b.csv', sha256: SHA_B, format: 'csv', rows: 3 })).not.toThrow();
  });

  it('rejects a duplicate ticker, price observation and holding', () => {
    expect(() => store.db.prepare("INSERT INTO securities (ticker, name, asset_class, currency) VALUES ('SPY', 'again', 'equity', 'USD')").run()).toThrow(/UNIQUE/);
    expect(() =>
      store.transaction(() =>
        store.prices.insertMany(
          [
            { securityId: ids.spy.id, date: '2024-01-02', close: 1 },
            { securityId: ids.spy.id, date: '2024-01-02', close: 2 },
          ],
          { onConflict: 'abort' },
        ),
      ),
    ).toThrow(/UNIQUE/);
    expect(() =>
      store.positions.createSnapshot({
        accountId: ids.account.id,
        asOf: '2024-01-02',
        cash: '0',
        positions: [
          { securityId: ids.spy.id, quantity: '1' },
          { securityId: ids.spy.id, quantity: '2' },
        ],
      }),
    ).toThrow(/UNIQUE/);
  });
});

describe('records that must not change', () => {
  it('keeps proposals, trades and decisions immutable apart from the status', () => {
    const id = store.proposals.insert(proposalInput(ids.account.id), [
      { securityId: ids.spy.id, side: 'BUY', quantity: '10', price: 470.5, notional: '4705', currency: 'USD' },
    ]);
    store.approvals.record({ proposalId: id, decision: 'approved', by: 'pm' });
    expect(() => store.db.prepare("UPDATE proposals SET total_value = '1' WHERE id = ?").run(id)).toThrow(/immutable/);
    expect(() => store.db.prepare('DELETE FROM proposals WHERE id = ?').run(id)).toThrow(/cannot be deleted/);
    expect(() => store.db.prepare("UPDATE proposal_trades SET quantity = '11'").run()).toThrow(/immutable/);
    expect(() => store.db.prepare('DELETE FROM proposal_trades').run()).toThrow(/immutable/);
    expect(() => store.db.prepare("UPDATE approvals SET decision = 'rejected'").run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM approvals').run()).toThrow(/append-only/);
  });
});
