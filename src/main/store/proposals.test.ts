import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BallastError } from '../../shared/errors';
import { Proposal, ProposalSummary } from '../../shared/domain';
import { openDatabase, type Store } from './db';
import { proposalInput, seedBasics, SHA_A, SHA_B } from './testing';

let store: Store;
let ids: ReturnType<typeof seedBasics>;
beforeEach(() => {
  store = openDatabase(':memory:');
  ids = seedBasics(store);
});
afterEach(() => store.close());

const trades = () => [
  { securityId: ids.tlt.id, side: 'BUY' as const, quantity: '120', price: 98.25, notional: '11790.00', currency: 'USD' },
  { securityId: ids.spy.id, side: 'SELL' as const, quantity: '25', price: 471.1, notional: '11777.50', currency: 'USD' },
];

describe('proposals', () => {
  it('stores a proposal with its trades and reads it back in the contract shapes', () => {
    const id = store.proposals.insert(proposalInput(ids.account.id, { createdAt: '2024-01-02T18:00:00.000Z' }), trades());
    const summary = store.proposals.list()[0];
    expect(summary).toEqual({
      id,
      accountId: 'ACC-1',
      status: 'pending',
      engine: 'risk-parity-baseline',
      engineLabel: 'Risk parity (baseline)',
      createdAt: '2024-01-02T18:00:00.000Z',
      asOf: '2024-01-02',
      totalValue: '1000000.00',
      tradeCount: 2,
      turnover: 0.12,
    });
    expect(ProposalSummary.parse(summary)).toEqual(summary);

    const detail = store.proposals.get(id);
    expect(detail).not.toBeNull();
    expect(detail?.parameters).toEqual({ lookbackDays: 252, cashFloor: 0.02 });
    expect(detail?.dataRange).toEqual({ from: '2023-01-03', to: '2024-01-02' });
    expect(detail?.trades).toEqual([
      { seq: 1, securityId: ids.tlt.id, ticker: 'TLT', isin: null, side: 'BUY', quantity: '120', price: 98.25, notional: '11790.00', currency: 'USD' },
      { seq: 2, securityId: ids.spy.id, ticker: 'SPY', isin: 'US78462F1030', side: 'SELL', quantity: '25', price: 471.1, notional: '11777.50', currency: 'USD' },
    ]);
    expect(detail?.decisions).toEqual([]);
    expect(detail?.exports).toEqual([]);
    expect(store.proposals.get(9999)).toBeNull();
  });

  it('maps onto the contract Proposal once the app adds the payload fields', () => {
    const id = store.proposals.insert(proposalInput(ids.account.id), trades());
    store.proposals.transition(id, ['pending'], 'approved');
    store.approvals.record({ proposalId: id, decision: 'approved', by: 'Jane PM', comment: 'ok' });
    store.exports.record({ proposalId: id, format: 'csv', path: '/tmp/basket.csv', sha256: SHA_A, rows: 2 });
    const d = store.proposals.get(id);
    if (!d) throw new Error('missing');
    const proposal = Proposal.parse({
      ...d,
      parameters: d.parameters,
      cash: { current: '1000', postTrade: '1012.50', currentWeight: 0.001, targetWeight: 0.02, postTradeWeight: 0.001 },
      assets: [],
      diagnostics: { converged: true, iterations: 12, tolerance: 1e-10, riskContributionSpread: 0, shrinkageIntensity: 0.3, portfolioVolatility: 0.1, observations: 252 },
    });
    expect(proposal.decisions).toEqual([{ decision: 'approved', by: 'Jane PM', at: expect.any(String), comment: 'ok', auditAnchor: { rows: 0, hash: '0'.repeat(64) } }]);
    expect(proposal.exports[0]).toMatchObject({ proposalId: id, format: 'csv', rows: 2, sha256: SHA_A });
  });

  it('lists newest first, filtered by account and status', () => {
    store.accounts.create({ id: 'ACC-2', name: 'Endowment', baseCurrency: 'EUR' });
    const a = store.proposals.insert(proposalInput(ids.account.id), []);
    const b = store.proposals.insert(proposalInput('ACC-2'), []);
    const c = store.proposals.insert(proposalInput(ids.account.id), trades());
    store.proposals.transition(a, ['pending'], 'rejected');
    expect(store.proposals.list().map((p) => p.id)).toEqual([c, b, a]);
    expect(store.proposals.list({ accountId: ids.account.id }).map((p) => p.id)).toEqual([c, a]);
    expect(store.proposals.list({ accountId: ids.account.id, status: 'pending' }).map((p) => p.id)).toEqual([c]);
    expect(store.proposals.list({ status: 'rejected' }).map((p) => p.id)).toEqual([a]);
    expect(store.proposals.list({ limit: 1 }).map((p) => p.id)).toEqual([c]);
  });

  it('stores nothing when a trade is invalid', () => {
    const bad = [...trades(), { securityId: ids.spy.id, side: 'BUY' as const, quantity: 'ten', price: 1, notional: '10', currency: 'USD' }];
    expect(() => store.proposals.insert(proposalInput(ids.account.id), bad)).toThrow(/CHECK/);
    expect(store.proposals.list()).toEqual([]);
    expect(store.db.prepare('SELECT count(*) FROM proposal_trades').pluck().get()).toBe(0);
  });
});

describe('proposal status transitions', () => {
  it('approves or rejects only from pending', () => {
    const id = store.proposals.insert(proposalInput(ids.account.id), []);
    expect(store.proposals.transition(id, ['pending'], 'approved')).toBe(true);
    expect(store.proposals.status(id)).toBe('approved');
    // A second approver racing the first loses cleanly.
    expect(store.proposals.transition(id, ['pending'], 'approved')).toBe(false);
    expect(store.proposals.transition(id, ['pending'], 'rejected')).toBe(false);
    expect(store.proposals.status(id)).toBe('approved');
    expect(store.proposals.transition(9999, ['pending'], 'approved')).toBe(false);
  });

  it('exports only from approved, and re-exports stay exported', () => {
    const id = store.proposals.insert(proposalInput(ids.account.id), []);
    expect(store.proposals.transition(id, ['approved'], 'exported')).toBe(false);
    store.proposals.transition(id, ['pending'], 'approved');
    expect(store.proposals.transition(id, ['approved', 'exported'], 'exported')).toBe(true);
    expect(store.proposals.transition(id, ['approved', 'exported'], 'exported')).toBe(true);
    expect(store.proposals.status(id)).toBe('exported');
  });

  it('refuses backward moves with INVALID_STATE even when the caller allows them', () => {
    const id = store.proposals.insert(proposalInput(ids.account.id), []);
    store.proposals.transition(id, ['pending'], 'rejected');
    let error: unknown;
    try {
      store.proposals.transition(id, ['rejected'], 'approved');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BallastError);
    expect((error as BallastError).code).toBe('INVALID_STATE');
    expect(() => store.proposals.transition(id, ['rejected'], 'pending')).toThrow(BallastError);
    expect(store.proposals.status(id)).toBe('rejected');
  });

  it('supersedes the other pending proposals of the same account only', () => {
    store.accounts.create({ id: 'ACC-2', name: 'Endowment', baseCurrency: 'EUR' });
    const old1 = store.proposals.insert(proposalInput(ids.account.id), []);
    const approved = store.proposals.insert(proposalInput(ids.account.id), []);
    store.proposals.transition(approved, ['pending'], 'approved');
    const other = store.proposals.insert(proposalInput('ACC-2'), []);
    const fresh = store.transaction(() => {
      const id = store.proposals.insert(proposalInput(ids.account.id), []);
      expect(store.proposals.supersedePending(ids.account.id, id)).toEqual([old1]);
      return id;
    });
    expect(store.proposals.status(old1)).toBe('superseded');
    expect(store.proposals.status(approved)).toBe('approved');
    expect(store.proposals.status(other)).toBe('pending');
    expect(store.proposals.status(fresh)).toBe('pending');
    // Superseded is final.
    expect(store.proposals.transition(old1, ['pending'], 'approved')).toBe(false);
  });
});

describe('approvals and exports', () => {
  it('records decisions and exports oldest first', () => {
    const id = store.proposals.insert(proposalInput(ids.account.id), []);
    const decision = store.approvals.record({ proposalId: id, decision: 'rejected', by: 'Risk officer', comment: 'too much turnover', at: '2024-01-03T09:00:00.000Z' });
    // Each decision carries the audit chain's head it was made under (schema 4); the log is empty here.
    const anchor = { rows: 0, hash: '0'.repeat(64) };
    expect(decision).toEqual({ id: 1, proposalId: id, decision: 'rejected', by: 'Risk officer', at: '2024-01-03T09:00:00.000Z', comment: 'too much turnover', auditAnchor: anchor });
    expect(store.approvals.list(id)).toEqual([{ decision: 'rejected', by: 'Risk officer', at: '2024-01-03T09:00:00.000Z', comment: 'too much turnover', auditAnchor: anchor }]);
    const e1 = store.exports.record({ proposalId: id, format: 'csv', path: '/out/a.csv', sha256: SHA_A, rows: 3, createdAt: '2024-01-03T10:00:00.000Z' });
    expect(e1).toEqual({ id: 1, proposalId: id, format: 'csv', path: '/out/a.csv', sha256: SHA_A, rows: 3, createdAt: '2024-01-03T10:00:00.000Z', sequence: 1, reexportOf: null });
    expect(store.exports.get(e1.id)).toEqual(e1);
    // A second file of the same orders is numbered and points at the first.
    const e2 = store.exports.record({ proposalId: id, format: 'fix44', path: '/out/b.fix', sha256: SHA_B, rows: 3 });
    expect(e2).toMatchObject({ id: 2, sequence: 2, reexportOf: e1.id, format: 'fix44' });
    expect(store.exports.list(id)).toEqual([e1, e2]);
  });
});
