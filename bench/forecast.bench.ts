// Walk-forward forecast benchmark: time of a full walk-forward run with DEFAULT_FORECAST_CONFIG (the budgets of
// issue 7: 13 demo ETFs 2004–2026 ≤ 5 min, 50 US stocks 2000–2026 ≤ 15 min on the 2-core machine), the realised
// coverage of its 50 % and 90 % intervals (goal for 90 %: 87–93 %), the feature stage's time and predictAt's time
// (50 assets × 100 draws, model trained).
//
//   node --import tsx bench/forecast.bench.ts [--json] [--dataset etf|us50] [--config '{"epochs":30}']
//
// Writes bench/results/forecast-<dataset>.json. Reads resources/demo and ../shared/data (bench only).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { initComputeBackend } from '../src/main/engine/bnn';
import { computeFeatures, forwardLogReturns, type PricePanel } from '../src/main/engine/features';
import { predictAt, realisedCoverage, walkForwardForecasts } from '../src/main/engine/forecast';
import { matrixFromData } from '../src/main/engine/math/linalg';
import { DEFAULT_FORECAST_CONFIG, ForecastConfig } from '../src/shared/strategy';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const dataset = option('--dataset') ?? 'etf';
const overrides = JSON.parse(option('--config') ?? '{}') as Record<string, unknown>;
const log = (...m: unknown[]) => (json ? console.error(...m) : console.log(...m));

const FILES: Record<string, string> = {
  etf: path.join(root, 'resources', 'demo', 'etf_adjclose_core13.csv'),
  us50: path.resolve(root, '..', 'shared', 'data', 'us_equity50_daily', 'us50_adjclose_2000_2026.csv.gz'),
};

function loadPanel(file: string): PricePanel {
  const bytes = readFileSync(file);
  const text = file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  const [header, ...rows] = parse(text, { columns: false, skip_empty_lines: true }) as string[][];
  const tickers = header!.slice(1);
  const data = new Float64Array(rows.length * tickers.length);
  rows.forEach((row, t) => tickers.forEach((_, i) => (data[t * tickers.length + i] = row[i + 1] === '' ? Number.NaN : Number(row[i + 1]))));
  return { dates: rows.map((r) => r[0]!), tickers, prices: matrixFromData(rows.length, tickers.length, data) };
}

function quantile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main() {
  const file = FILES[dataset];
  if (!file) throw new Error(`unknown dataset ${dataset}; use etf or us50`);
  const backend = await initComputeBackend();
  log(`backend: ${backend.name} — ${backend.detail}`);
  const panel = loadPanel(file);
  const config = ForecastConfig.parse({ ...DEFAULT_FORECAST_CONFIG, ...overrides });
  log(`${dataset}: ${panel.tickers.length} assets, ${panel.dates.length} dates ${panel.dates[0]} → ${panel.dates[panel.dates.length - 1]}`);

  // Feature stage alone (median of 5).
  const featureMs: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    computeFeatures(panel);
    featureMs.push(performance.now() - t0);
  }
  featureMs.sort((a, b) => a - b);

  const loadStart = os.loadavg();
  let lastLog = 0;
  const result = await walkForwardForecasts(panel, config, {
    onProgress: (step, current, total) => {
      if (step === 'walk-forward' && performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`  ${current}/${total} forecast dates`);
      }
    },
  });
  const { forecasts } = result;
  log(`walk-forward: ${result.summary.seconds.toFixed(1)} s, ${result.summary.retrains} retrains, ${result.summary.forecastDates} dates`);

  // Coverage by calendar year and the split of predictive variance.
  const targets = forwardLogReturns(panel, config.horizonDays);
  const N = panel.tickers.length;
  const byYear: Record<string, { count: number; coverage50: number | null; coverage90: number | null }> = {};
  const years = [...new Set(forecasts.dates.map((d) => d.slice(0, 4)))];
  for (const year of years) {
    const keep = forecasts.dates.map((d, k) => (d.startsWith(year) ? k : -1)).filter((k) => k >= 0);
    const pick = (a: Float64Array) => Float64Array.from(keep.flatMap((k) => Array.from(a.subarray(k * N, k * N + N))));
    const sub = {
      ...forecasts,
      dates: keep.map((k) => forecasts.dates[k]!),
      mean: pick(forecasts.mean),
      epistemicVariance: pick(forecasts.epistemicVariance),
      aleatoricVariance: pick(forecasts.aleatoricVariance),
      lower50: pick(forecasts.lower50),
      upper50: pick(forecasts.upper50),
      lower90: pick(forecasts.lower90),
      upper90: pick(forecasts.upper90),
    };
    const c = realisedCoverage(sub, panel, targets);
    byYear[year] = { count: c.count, coverage50: c.fifty, coverage90: c.ninety };
  }
  const epistemicSd: number[] = [];
  const aleatoricSd: number[] = [];
  for (let k = 0; k < forecasts.mean.length; k++) {
    if (!Number.isFinite(forecasts.mean[k]!)) continue;
    epistemicSd.push(Math.sqrt(forecasts.epistemicVariance[k]!));
    aleatoricSd.push(Math.sqrt(forecasts.aleatoricVariance[k]!));
  }
  const spread = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p1: quantile(sorted, 0.01), p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] };
  };
  const epistemicShare = epistemicSd.reduce((a, e, k) => a + (e * e) / (e * e + aleatoricSd[k]! ** 2), 0) / epistemicSd.length;

  // predictAt on the last date with the final model: 100 draws for every asset (the proposal's confidence).
  const predictMs: number[] = [];
  for (let k = 0; k < 13; k++) {
    const t0 = performance.now();
    await predictAt(panel, config, result.checkpoint.modelBytes, { samples: 100 });
    if (k >= 3) predictMs.push(performance.now() - t0);
  }
  predictMs.sort((a, b) => a - b);

  const out = {
    suite: 'forecast',
    dataset,
    date: new Date().toISOString(),
    node: process.version,
    backend,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverageAtStart: loadStart, loadAverageAtEnd: os.loadavg() },
    panel: { assets: N, dates: panel.dates.length, from: panel.dates[0], to: panel.dates[panel.dates.length - 1] },
    config,
    budgetSeconds: dataset === 'etf' ? 300 : 900,
    walkForward: result.summary,
    withinBudget: result.summary.seconds <= (dataset === 'etf' ? 300 : 900),
    forecastRange: { from: forecasts.dates[0], to: forecasts.dates[forecasts.dates.length - 1] },
    epistemicSd: spread(epistemicSd),
    aleatoricSd: spread(aleatoricSd),
    meanEpistemicShareOfVariance: epistemicShare,
    coverageByYear: byYear,
    featuresMs: { median: quantile(featureMs, 0.5), min: featureMs[0] },
    predictAt: { assets: N, samples: 100, minMs: predictMs[0], medianMs: quantile(predictMs, 0.5), p90Ms: quantile(predictMs, 0.9) },
  };
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results', `forecast-${dataset}.json`), JSON.stringify(out, null, 2));
  if (json) console.log(JSON.stringify(out, null, 2));
  else {
    console.log(`coverage 50 %: ${result.summary.coverage50?.toFixed(3)}  90 %: ${result.summary.coverage90?.toFixed(3)}`);
    console.log(`features ${out.featuresMs.median.toFixed(0)} ms; predictAt ${out.predictAt.medianMs.toFixed(1)} ms (p50)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
