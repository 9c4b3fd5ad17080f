import Big from 'big.js';
import { describe, expect, it } from 'vitest';
// Read through the bundler rather than node:fs: io stays free of the file system, tests included.
import manifestText from '../../../resources/demo/demo.json?raw';
import positionsText from '../../../resources/demo/demo-account-positions.synthetic.csv?raw';
import pricesText from '../../../resources/demo/etf_adjclose_core13.csv?raw';
import provenanceText from '../../../resources/demo/PROVENANCE.md?raw';
import securitiesText from '../../../resources/demo/securities.json?raw';
import { parseDemoManifest, parseDemoSecurities } from './demo-manifest';
import { cusipFromIsin, isValidIsin } from './identifiers';
import { parsePositionsCsv } from './positions-csv';
import { parsePricesCsv } from './prices-csv';
import { errorsIn } from './report';

const encode = (text: string) => new TextEncoder().encode(text);

async function sha256Hex(bytes: BufferSource): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('bundled demo data', () => {
  const manifest = parseDemoManifest(manifestText);
  const prices = parsePricesCsv(encode(pricesText), manifest.pricesFile);
  const securities = parseDemoSecurities(securitiesText, manifest.securitiesFile);
  const positions = parsePositionsCsv(encode(positionsText), manifest.positionsFile, { baseCurrency: manifest.baseCurrency });

  it('the manifest names the files shipped beside it', () => {
    expect(manifest).toEqual({
      accountId: 'DEMO',
      accountName: 'Demo multi-asset account (synthetic)',
      baseCurrency: 'USD',
      pricesFile: 'etf_adjclose_core13.csv',
      positionsFile: 'demo-account-positions.synthetic.csv',
      securitiesFile: 'securities.json',
    });
  });

  it('the price file is the recorded, byte-identical copy of the shared data set', async () => {
    const recorded = /etf_adjclose_core13\.csv[^\n]*?`([0-9a-f]{64})`/.exec(provenanceText)?.[1];
    expect(recorded).toBeDefined();
    expect(await sha256Hex(encode(pricesText))).toBe(recorded);
  });

  it('prices parse cleanly: 13 ETFs, more than 15 years, through 2008, 2020 and 2022', () => {
    expect(errorsIn(prices.issues)).toEqual([]);
    expect(prices.issues).toEqual([]);
    expect(prices.format).toBe('prices-wide');
    expect(prices.tickers).toEqual(['SPY', 'IWM', 'QQQ', 'EFA', 'EEM', 'SHY', 'IEF', 'TLT', 'AGG', 'LQD', 'TIP', 'GLD', 'VNQ']);
    expect(prices.dateRange).toEqual({ from: '2004-11-18', to: '2026-08-03' });
    const years = (Date.parse(prices.dateRange!.to) - Date.parse(prices.dateRange!.from)) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThanOrEqual(15);
    // 5459 trading days, no gaps in the common range (see PROVENANCE.md).
    expect(prices.rows).toHaveLength(5459 * 13);
    const dates = new Set(prices.rows.map((row) => row.date));
    for (const stressDay of ['2008-10-13', '2020-03-16', '2022-06-13']) expect(dates.has(stressDay)).toBe(true);
  });

  it('securities cover every ticker once, with valid identifiers', () => {
    expect(securities.map((s) => s.ticker).sort()).toEqual([...prices.tickers].sort());
    for (const security of securities) {
      expect(security.currency).toBe('USD');
      if (security.isin !== null) {
        expect(isValidIsin(security.isin)).toBe(true);
        expect(security.cusip).toBe(cusipFromIsin(security.isin));
      }
    }
    expect(Object.fromEntries(securities.map((s) => [s.ticker, s.assetClass]))).toMatchObject({
      SPY: 'equity',
      EFA: 'equity',
      AGG: 'fixed_income',
      TLT: 'fixed_income',
      GLD: 'commodity',
      VNQ: 'real_estate',
    });
  });

  it('the synthetic account is a ~USD 10m, equity-heavy book of known tickers as of the last price date, with ~2 % cash', () => {
    expect(positions.issues).toEqual([]);
    expect(positions.asOf).toBe(prices.dateRange?.to);
    const known = new Set(securities.map((s) => s.ticker));
    for (const row of positions.rows) {
      expect(known.has(row.symbol)).toBe(true);
      expect(row.quantity).toMatch(/^[1-9]\d*$/); // whole shares
    }
    const lastClose = new Map(prices.rows.filter((row) => row.date === positions.asOf).map((row) => [row.ticker, row.close]));
    const assetClass = new Map(securities.map((s) => [s.ticker, s.assetClass]));
    let invested = new Big(0);
    let equity = new Big(0);
    for (const row of positions.rows) {
      const value = new Big(row.quantity).times(lastClose.get(row.symbol) ?? Number.NaN);
      invested = invested.plus(value);
      if (assetClass.get(row.symbol) === 'equity') equity = equity.plus(value);
    }
    const total = invested.plus(positions.cash);
    expect(total.gt(9_500_000) && total.lt(10_500_000)).toBe(true);
    const cashWeight = new Big(positions.cash).div(total).toNumber();
    expect(cashWeight).toBeGreaterThan(0.015);
    expect(cashWeight).toBeLessThan(0.025);
    // Not risk-balanced on purpose, so the first proposal has real trades to show.
    expect(equity.div(total).toNumber()).toBeGreaterThan(0.55);
  });
});
