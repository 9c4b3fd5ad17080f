import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CustodianProfile, EmsProfile } from '../../shared/domain';
import { openDatabase, type Store } from './db';
import { seedBasics, SHA_A } from './testing';

let store: Store;
let ids: ReturnType<typeof seedBasics>;
beforeEach(() => {
  store = openDatabase(':memory:');
  ids = seedBasics(store);
});
afterEach(() => store.close());

const custodian = (overrides: Partial<CustodianProfile> = {}): CustodianProfile =>
  CustodianProfile.parse({ name: 'Custodian A', headerSignature: 'acct|sym|qty', mapping: { account: 'Acct', symbol: 'Sym', quantity: 'Qty' }, ...overrides });

describe('custodian profiles', () => {
  it('saves, finds by name and by header signature, replaces, deletes', () => {
    const saved = store.custodianProfiles.save(custodian({ numberConvention: 'eu', delimiter: ';' }));
    expect(saved).toEqual(custodian({ numberConvention: 'eu', delimiter: ';' }));
    expect(store.custodianProfiles.get('Custodian A')).toEqual(saved);
    expect(store.custodianProfiles.findBySignature('acct|sym|qty')).toEqual(saved);
    expect(store.custodianProfiles.findBySignature('other')).toBeNull();

    const replaced = store.custodianProfiles.save(custodian({ mapping: { symbol: 'Ticker', quantity: 'Units' } }));
    expect(replaced.mapping).toEqual({ symbol: 'Ticker', quantity: 'Units' });
    expect(replaced.numberConvention).toBeNull();
    expect(store.custodianProfiles.list()).toEqual([replaced]);

    expect(store.custodianProfiles.delete('Custodian A')).toBe(true);
    expect(store.custodianProfiles.delete('Custodian A')).toBe(false);
    expect(store.custodianProfiles.list()).toEqual([]);
  });

  it('refuses a second profile for the same header shape, naming the first', () => {
    store.custodianProfiles.save(custodian());
    expect(() => store.custodianProfiles.save(custodian({ name: 'Custodian B' }))).toThrow(/Profile "Custodian A" is already used/);
    expect(store.custodianProfiles.save(custodian({ name: 'Custodian B', headerSignature: null })).headerSignature).toBeNull();
  });
});

describe('EMS profiles', () => {
  it('saves, replaces and lists by name', () => {
    const profile = EmsProfile.parse({ name: 'EMS-X', columns: [{ field: 'symbol', header: 'Sym' }, { field: 'quantity', header: 'Qty' }], delimiter: ';' });
    expect(store.emsProfiles.save(profile)).toEqual(profile);
    expect(store.emsProfiles.get('EMS-X')).toEqual(profile);
    const changed = { ...profile, orderType: 'LMT' as const };
    store.emsProfiles.save(changed);
    expect(store.emsProfiles.list()).toEqual([changed]);
    expect(store.emsProfiles.get('nope')).toBeNull();
  });
});

describe('streamed imports', () => {
  it('insert first, add rows in batches, complete at the end — all inside one transaction', () => {
    const result = store.transaction(() => {
      const record = store.imports.insert({ kind: 'positions', fileName: 'multi.csv', sha256: SHA_A, format: 'csv', rows: 0 });
      const a = store.positions.createSnapshot({ accountId: ids.account.id, asOf: '2024-01-02', importId: record.id, cash: '0', positions: [] }).snapshot;
      store.positions.addPositions(a.id, [{ securityId: ids.spy.id, quantity: '10' }]);
      store.positions.addPositions(a.id, [{ securityId: ids.tlt.id, quantity: '100000', price: '0.9875', quantityType: 'FAMT' }]);
      store.positions.setCash(a.id, '12.5', { USD: '12.5', EUR: '3' });
      return store.imports.complete(record.id, { rows: 2, status: 'partial', excluded: 1, accountId: ids.account.id, report: { excluded: [{ line: 4 }] } });
    });
    expect(result).toMatchObject({ rows: 2, status: 'partial', excluded: 1, accountId: ids.account.id, report: { excluded: [{ line: 4 }] } });
    expect(store.imports.accountsOf(result.id)).toEqual([ids.account.id]);
    const [snapshot] = store.positions.snapshotsOfImport(result.id);
    expect(snapshot?.cash).toBe('12.5');
    expect(store.positions.cashBalances(snapshot!.id)).toEqual({ USD: '12.5', EUR: '3' });
    expect(store.positions.rows(snapshot!.id).map((r) => [r.ticker, r.quantityType])).toEqual([
      ['SPY', 'UNIT'],
      ['TLT', 'FAMT'],
    ]);
    expect(store.positions.liveSnapshot(ids.account.id, '2024-01-02')?.id).toBe(snapshot!.id);
    expect(() => store.positions.addPositions(snapshot!.id, [])).toThrow(/inside store.transaction/);
  });
});
