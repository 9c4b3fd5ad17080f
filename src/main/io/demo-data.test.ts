import Big from 'big.js';
import { describe, expect, it } from 'vitest';
// Read through the bundler rather than node:fs: io stays free of the file system, tests included.
import manifestText from '../../../resources/demo/demo.json?raw';
import positionsText from '../../../resources/demo/demo-account-positions.synthetic.csv?raw';
import pricesText from '../../../resources/demo/etf_adjclose_core13.csv?raw';
import provenanceText from '../../../resources/demo/PROVENANCE.md?raw';
import securitiesText from '../../../resources/demo/securities.json?raw';
import tbillText from '../../../resources/demo/tbill_13week_yield.csv?raw';
import { parseDemoManifest, parseDemoSecurities } from './demo-manifest';
import { cusipFromIsin, isValidIsin } from './identifiers';
import { parseIndicatorsCsv } from './indicators-csv';
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
      indicators: [
        {
          file: 'tbill_13week_yield.csv',
          name: 'TBILL-13W',
          role: 'cash-rate',
          unit: 'percent',
          description: '13-week US T-bill discount yield (CBOE ^IRX), percent per year',
        },
      ],
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

  it('the T-bill file is the recorded, trimmed copy: ^IRX in percent from 2004, covering every price date', async () => {
    const recorded = /tbill_13week_yield\.csv[^\n]*?`([0-9a-f]{64})`/.exec(provenanceText)?.[1];
    expect(recorded).toBeDefined();
    expect(await sha256Hex(encode(tbillText))).toBe(recorded);
    const spec = manifest.indicators[0]!;
    const tbill = parseIndicatorsCsv(encode(tbillText), spec.file, { name: spec.name });
    expect(tbill.issues).toEqual([]);
    expect(tbill.format).toBe('indicators-single');
    expect(tbill.series.map((s) => [s.name, s.header])).toEqual([['TBILL-13W', '^IRX']]);
    expect(tbill.dateRange).toEqual({ from: '2004-01-02', to: '2026-08-03' });
    expect(tbill.percentSigns).toBe(false);
    const points = tbill.series[0]!.points;
    expect(points).toHaveLength(5676);
    // Percent, not fractions: the 2006–07 and 2023–24 peaks are above 4.9, the whole range within [−0.2, 5.5].
    const values = points.map((p) => p.value);
    expect(Math.max(...values)).toBeGreaterThan(4.9);
    expect(Math.max(...values)).toBeLessThan(5.5);
    expect(Math.min(...values)).toBeGreaterThan(-0.2);
    // The seven non-positive values PROVENANCE.md describes: slightly negative yields in March 2020, no zeros.
    expect(points.filter((p) => p.value <= 0).map((p) => p.date)).toEqual(['2020-03-19', '2020-03-20', '2020-03-23', '2020-03-24', '2020-03-25', '2020-03-26', '2020-03-27']);
    // Every price date has a rate on or before it (5 bond-market holidays are carried forward).
    const rateDates = new Set(points.map((p) => p.date));
    const missing = [...new Set(prices.rows.map((row) => row.date))].filter((date) => !rateDates.has(date));
    expect(missing).toEqual(['2005-10-10', '2005-11-11', '2006-10-09', '2010-10-11', '2016-11-11']);
    expect(points[0]!.date < prices.dateRange!.from).toBe(true);
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
