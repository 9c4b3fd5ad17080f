// The benches' market data and walk-forward forecast cache, shared by bench/strategy.bench.ts and bench/tune.bench.ts:
// the demo ETFs from resources/demo, the 50 US stocks and the FTSE 100 from ../shared/data (benches only; the product
// never reads ../shared), the T-bill as the cash rate, and forecasts cached in bench/results/cache by data set, model
// config, date range and universe.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { PricePanel } from '../src/main/engine/features/panel';
import { walkForwardForecasts } from '../src/main/engine/forecast';
import type { ForecastSet } from '../src/main/engine/forecast/types';
import { matrixFromData } from '../src/main/engine/math/linalg';
import type { ForecastConfig } from '../src/shared/strategy';

const root = path.resolve(import.meta.dirname, '..');
const shared = path.resolve(root, '..', 'shared', 'data');

function readCsv(file: string): string[][] {
  const bytes = readFileSync(file);
  const text = file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return parse(text, { columns: false, skip_empty_lines: true }) as string[][];
}

/** Wide adjusted closes → panel; isolated gaps carried forward (as the app's market panel does). */
function widePanel(file: string, classes?: Record<string, string>, maxAssets?: number): PricePanel {
  const [header, ...rows] = readCsv(file);
  const tickers = header!.slice(1, maxAssets ? maxAssets + 1 : undefined);
  const n = tickers.length;
  const data = new Float64Array(rows.length * n);
  const last = new Float64Array(n).fill(Number.NaN);
  rows.forEach((row, t) =>
    tickers.forEach((_, i) => {
      const raw = row[i + 1];
      const v = raw === undefined || raw === '' ? Number.NaN : Number(raw);
      if (Number.isFinite(v) && v > 0) last[i] = v;
      data[t * n + i] = last[i]!;
    }),
  );
  return { dates: rows.map((r) => r[0]!), tickers, prices: matrixFromData(rows.length, n, data), ...(classes ? { assetClasses: tickers.map((t) => classes[t] ?? 'other') } : {}) };
}

/** The 13-week T-bill yield (percent) as the panel's annual cash rate, the latest value at or before each date. */
function withCashRate(panel: PricePanel, file: string): PricePanel {
  const rows = readCsv(file).slice(1);
  const rate = new Float64Array(panel.dates.length);
  let j = 0;
  let current = 0;
  panel.dates.forEach((date, t) => {
    while (j < rows.length && rows[j]![0]! <= date) {
      const v = Number(rows[j]![1]);
      if (Number.isFinite(v)) current = v / 100;
      j++;
    }
    rate[t] = current;
  });
  return { ...panel, cashRate: rate };
}

export const DATASETS = ['etf', 'us50', 'ftse'] as const;

export function loadDataset(name: string): PricePanel {
  const cash = path.join(shared, 'multiasset_etf_daily', 'irx_13week_tbill_yield.csv');
  if (name === 'etf') {
    const securities = JSON.parse(readFileSync(path.join(root, 'resources', 'demo', 'securities.json'), 'utf8')) as { ticker: string; assetClass: string }[];
    const classes = Object.fromEntries(securities.map((s) => [s.ticker, s.assetClass]));
    return withCashRate(widePanel(path.join(root, 'resources', 'demo', 'etf_adjclose_core13.csv'), classes), cash);
  }
  if (name === 'us50') return withCashRate(widePanel(path.join(shared, 'us_equity50_daily', 'us50_adjclose_2000_2026.csv.gz')), cash);
  // FTSE 100: 64 constituents; the first 50 columns keep the decision inside the 4–50 series the product supports.
  if (name === 'ftse') return widePanel(path.join(shared, 'ftse100_daily', 'ftse100_dataset.csv.gz'), undefined, 50);
  throw new Error(`unknown dataset ${name} (${DATASETS.join(', ')})`);
}

export interface CachedForecasts {
  forecasts: ForecastSet;
  modelBytes: Uint8Array;
  seconds: number;
  retrains: number;
  /** Read from the cache rather than trained in this run. */
  cached: boolean;
}

function toJson(set: ForecastSet) {
  const arr = (a: Float64Array) => Array.from(a, (x) => (Number.isFinite(x) ? x : null));
  return { ...set, mean: arr(set.mean), epistemicVariance: arr(set.epistemicVariance), aleatoricVariance: arr(set.aleatoricVariance), lower50: arr(set.lower50), upper50: arr(set.upper50), lower90: arr(set.lower90), upper90: arr(set.upper90) };
}

function fromJson(o: ReturnType<typeof toJson>): ForecastSet {
  const arr = (a: (number | null)[]) => Float64Array.from(a, (x) => (x === null ? Number.NaN : x));
  return { ...o, mean: arr(o.mean), epistemicVariance: arr(o.epistemicVariance), aleatoricVariance: arr(o.aleatoricVariance), lower50: arr(o.lower50), upper50: arr(o.upper50), lower90: arr(o.lower90), upper90: arr(o.upper90) };
}

/** Walk-forward forecasts of a data set, trained once per (data set, config, dates, universe) and cached; `fresh` retrains. */
export async function forecastsFor(name: string, panel: PricePanel, config: ForecastConfig, opts: { fresh?: boolean; log: (...m: unknown[]) => void }): Promise<CachedForecasts> {
  const { log } = opts;
  const key = createHash('sha256').update(JSON.stringify({ name, config, dates: [panel.dates[0], panel.dates.at(-1), panel.dates.length], tickers: panel.tickers })).digest('hex').slice(0, 16);
  const dir = path.join(root, 'bench', 'results', 'cache');
  const file = path.join(dir, `forecasts-${name}-${key}.json`);
  if (!opts.fresh && existsSync(file)) {
    const o = JSON.parse(readFileSync(file, 'utf8')) as { forecasts: ReturnType<typeof toJson>; modelBytes: string; seconds: number; retrains: number };
    log(`${name}: forecasts from cache (${o.seconds.toFixed(0)} s when trained)`);
    return { forecasts: fromJson(o.forecasts), modelBytes: new Uint8Array(Buffer.from(o.modelBytes, 'base64')), seconds: o.seconds, retrains: o.retrains, cached: true };
  }
  log(`${name}: training walk-forward forecasts (cached afterwards)…`);
  let lastLog = 0;
  const result = await walkForwardForecasts(panel, config, {
    onProgress: (step, current, total) => {
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        log(`  ${name}: ${step} ${current}/${total}`);
      }
    },
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify({ forecasts: toJson(result.forecasts), modelBytes: Buffer.from(result.checkpoint.modelBytes).toString('base64'), seconds: result.summary.seconds, retrains: result.summary.retrains }));
  return { forecasts: result.forecasts, modelBytes: result.checkpoint.modelBytes, seconds: result.summary.seconds, retrains: result.summary.retrains, cached: false };
}
