import { describe, expect, it } from 'vitest';
import type { ImportPreview, ImportResult, Proposal } from '../../shared/domain';
import { formatImportResult, formatPreview, formatProposal } from './format';

/** A baseline proposal with nothing in it but what `show` prints around the untouched holdings. */
function proposal(untouched: Proposal['untouched']): Proposal {
  return {
    id: 7,
    accountId: 'ACC-1',
    status: 'pending',
    engine: 'risk-parity-baseline',
    engineLabel: 'Risk parity (baseline)',
    asOf: '2026-08-14',
    dataRange: { from: '2023-08-10', to: '2026-08-14' },
    totalValue: '1000000.00',
    warnings: [],
    assets: [],
    cash: { current: '1000000.00', postTrade: '1000000.00', currentWeight: 1, targetWeight: 1, postTradeWeight: 1 },
    trades: [],
    diagnostics: { converged: true, iterations: 3, tolerance: 1e-10, riskContributionSpread: 0, shrinkageIntensity: 0.1, portfolioVolatility: 0.1, observations: 756 },
    modelRun: null,
    breaker: null,
    confidence: null,
    attribution: null,
    ...(untouched ? { untouched } : {}),
  } as unknown as Proposal;
}

describe('show: holdings the proposal leaves as they are or holds back (issue 9)', () => {
  it('lists holdings on restricted lists with the reason in words, apart from those not allocated', () => {
    const text = formatProposal(
      proposal({
        holdings: [{ securityId: 3, ticker: 'SPY260918P00700000', name: 'PUT SPY', quantity: '2', marketValue: '2500.00', reason: 'derivative', explanation: 'an option: not traded' }],
        value: '2500.00',
        accountTotal: '1002500.00',
        restricted: [
          { securityId: 1, ticker: 'SPY', name: 'SPDR S&P 500', quantity: '100', marketValue: '64000.00', reason: 'no-sell', explanation: 'on the no-sell list: not sold, kept at no less than its current weight' },
          { securityId: 2, ticker: 'TLT', name: 'iShares 20+', quantity: '50', marketValue: '4500.00', reason: 'excluded', explanation: 'on the excluded list: sold in full, not bought again' },
        ],
      }),
    );
    expect(text).toContain('Held, not allocated (1; value 2500.00, account total 1002500.00):\n  SPY260918P00700000 2 (2500.00): an option: not traded');
    expect(text).toContain(
      'On restricted lists (2):\n  SPY 100 (64000.00): on the no-sell list: not sold, kept at no less than its current weight\n  TLT 50 (4500.00): on the excluded list: sold in full, not bought again',
    );
  });

  it('prints no empty "not allocated" block when only restricted holdings are listed', () => {
    const text = formatProposal(
      proposal({
        holdings: [],
        value: '0',
        accountTotal: '1000000.00',
        restricted: [{ securityId: 1, ticker: 'SPY', name: 'SPDR S&P 500', quantity: '100', marketValue: '64000.00', reason: 'no-trade', explanation: 'on the no-buy and no-sell lists: held at its current weight' }],
      }),
    );
    expect(text).not.toContain('Held, not allocated');
    expect(text).toContain('On restricted lists (1):\n  SPY 100 (64000.00): on the no-buy and no-sell lists: held at its current weight');
    expect(formatProposal(proposal(undefined))).not.toContain('restricted');
  });
});

describe('imports over more statements than are listed (issue 10)', () => {
  const snapshot = { accountId: 'SMA-0001', asOf: '2026-08-03', positions: 1, cash: [], snapshotId: 1, supersedes: [] };
  const notListed = { statements: 50, positions: 75, disappearing: 2, newAccounts: 50 };

  it('says how many more statements the result and the preview sum, and what they hold', () => {
    const result = { importId: 1, kind: 'positions', fileName: 'many.csv', sha256: 'a'.repeat(64), format: 'csv', status: 'imported', rows: 76, securitiesCreated: 0, warnings: [], accountId: null, asOf: '2026-08-03', excluded: 0, snapshots: [snapshot], snapshotsNotListed: notListed } satisfies ImportResult;
    expect(formatImportResult(result, [])).toContain('  and 50 more statements, not listed (75 holdings; 50 new accounts; 2 that do not list everything the account holds now)');
    const preview = { kind: 'positions', fileName: 'many.csv', sha256: 'a'.repeat(64), format: 'csv', detected: {}, alreadyImported: false, statements: [snapshot], statementsNotListed: { ...notListed, statements: 1, disappearing: 0, newAccounts: 0 }, rows: [], totalRows: 76, rejectedRows: 0, issues: [], prices: null, needsMapping: false, headers: null, profile: null } satisfies ImportPreview;
    expect(formatPreview(preview)).toContain('  and 1 more statement, not listed (75 holdings)');
    expect(formatImportResult({ ...result, snapshotsNotListed: undefined }, [])).not.toContain('not listed');
  });
});
