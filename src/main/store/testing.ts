import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { openDatabase, type Store } from './db';

/** Test support only: a temp directory removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-store-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Test support only: an in-memory store, closed when the test that made it finishes. */
export function memoryStore(): Store {
  const store = openDatabase(':memory:');
  onTestFinished(() => store.close());
  return store;
}

export const SHA_A = 'a'.repeat(64);
export const SHA_B = 'b'.repeat(64);

/** Test support only: one account, two securities, a few prices. */
export function seedBasics(store: Store) {
  return store.transaction(() => {
    const account = store.accounts.create({ id: 'ACC-1', name: 'Pension fund', baseCurrency: 'USD' });
    const spy = store.securities.upsert({ ticker: 'SPY', name: 'SPDR S&P 500', assetClass: 'equity', currency: 'USD', isin: 'US78462F1030' }).security;
    const tlt = store.securities.upsert({ ticker: 'TLT', name: 'iShares 20+ Year Treasury', assetClass: 'fixed_income', currency: 'USD' }).security;
    return { account, spy, tlt };
  });
}

export function proposalInput(accountId: string, overrides: Partial<Parameters<Store['proposals']['insert']>[0]> = {}) {
  return {
    accountId,
    engine: 'risk-parity-baseline' as const,
    engineLabel: 'Risk parity (baseline)',
    parameters: { lookbackDays: 252, cashFloor: 0.02 },
    seed: 42,
    codeVersion: '0.1.0',
    dataFrom: '2023-01-03',
    dataTo: '2024-01-02',
    asOf: '2024-01-02',
    positionsAsOf: '2024-01-02',
    snapshotId: null,
    totalValue: '1000000.00',
    payload: { assets: [], cash: {}, diagnostics: {} },
    turnover: 0.12,
    ...overrides,
  };
}
