// BNN benchmark: (a) speed of the predictive distribution for a 50-asset decision and of training, on
// whichever TensorFlow.js backend loads here; (b) calibration on real daily returns, walk-forward with no
// look-ahead, against a homoscedastic Gaussian and an EWMA (RiskMetrics λ = 0.94) baseline.
//
//   node --import tsx bench/bnn.bench.ts [--json] [--quick] [--only speed|calibration] [--methods bbb,dropout]
//
// Writes bench/results/bnn.json. Reads ../shared/data (bench only; the product never does).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import {
  BayesianNeuralNetwork,
  gaussianCrps,
  gaussianNll,
  initComputeBackend,
  mixtureCrps,
  mixtureNll,
  normalQuantile,
  type BnnConfigInput,
} from '../src/main/engine/bnn';
import { createRng } from '../src/main/engine/math/random';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
// bbb: Bayes by backprop refitted on every window; dropout: MC dropout, refitted; online: Bayes by backprop
// fitted once, then updated block by block with the stored posterior as the prior (variance inflated ×2 so
// old evidence fades on a drifting market).
const methods = (args.includes('--methods') ? args[args.indexOf('--methods') + 1]! : 'bbb,dropout,online').split(',');
const log = (...m: unknown[]) => (json ? console.error(...m) : console.log(...m));

const LEVELS = [0.5, 0.8, 0.9, 0.95];

async function timeAsync(fn: () => Promise<unknown>, repeat: number, warmup = 3) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { medianMs: q(0.5), p10Ms: q(0.1), p90Ms: q(0.9), runs: repeat };
}

/** Synthetic regression data with `features` inputs: a smooth signal and input-dependent noise. */
function syntheticData(rows: number, features: number, seed: number) {
  const rng = createRng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = Array.from({ length: features }, () => rng.normal());
    X.push(row);
    const signal = Math.sin(row[0]!) + 0.5 * row[1]! * row[2]!;
    y.push(signal + (0.2 + 0.3 * Math.abs(row[3]!)) * rng.normal());
  }
  return { X, y };
}

async function speed() {
  const features = 10;
  const out: Record<string, unknown> = {};
  for (const method of methods.filter((m) => m !== 'online')) {
    const config: BnnConfigInput = { method: method === 'dropout' ? 'mc-dropout' : 'bayes-by-backprop', seed: 1 };
    // Throughput: a fixed epoch budget without validation, so every epoch sees every row.
    const rows = quick ? 4000 : 10_000;
    const epochs = quick ? 3 : 5;
    const data = syntheticData(rows, features, 1);
    const model = new BayesianNeuralNetwork({ ...config, epochs, validationFraction: 0, klAnnealingEpochs: 0 });
    const t0 = process.hrtime.bigint();
    await model.fit(data.X, data.y);
    const trainSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const decision = syntheticData(50, features, 2).X;
    const repeat = quick ? 15 : 40;
    const mixture = await timeAsync(() => model.predict(decision, { samples: 100, levels: LEVELS }), repeat);
    const momentMatched = await timeAsync(() => model.predict(decision, { samples: 100, levels: LEVELS, intervalMethod: 'moment-matched' }), repeat);
    out[method] = {
      training: { rows, epochs, batchSize: 128, seconds: trainSeconds, samplesPerSecond: (rows * epochs) / trainSeconds },
      predict50x100: { inputs: 50, features, samples: 100, levels: LEVELS, mixtureIntervals: mixture, momentMatchedIntervals: momentMatched },
      meetsTarget25ms: mixture.medianMs < 25,
    };
    model.dispose();
    log(`${method}: train ${((rows * epochs) / trainSeconds).toFixed(0)} samples/s; predict 50×100 median ${mixture.medianMs.toFixed(1)} ms (mixture), ${momentMatched.medianMs.toFixed(1)} ms (moment-matched)`);
  }
  return out;
}

// ---- calibration on real daily returns -------------------------------------------------------------

interface Panel {
  dates: string[];
  tickers: string[];
  /** Log returns in percent, [day][asset]; day t is the return from close t−1 to close t. */
  returns: number[][];
}

function loadUs50(): Panel {
  const file = path.resolve(root, '..', 'shared', 'data', 'us_equity50_daily', 'us50_adjclose_2000_2026.csv.gz');
  const records = parse(gunzipSync(readFileSync(file)).toString('utf8'), { columns: false, skip_empty_lines: true }) as string[][];
  const [header, ...rows] = records;
  const tickers = header!.slice(1);
  const prices = rows.map((r) => r.slice(1).map(Number));
  const returns: number[][] = [];
  const dates: string[] = [];
  for (let t = 1; t < prices.length; t++) {
    returns.push(prices[t]!.map((p, j) => 100 * Math.log(p / prices[t - 1]![j]!)));
    dates.push(rows[t]![0]!);
  }
  return { dates, tickers, returns };
}

const FEATURE_NAMES = [
  'r[t]',
  'r[t-1]',
  'mean r[t-4..t]',
  'log RV5',
  'log RV21',
  'log RV63',
  'log EWMA vol',
  'market r[t]',
  'log market RV21',
  'r[t] / RV21',
];
const LOOKBACK = 63;
const LAMBDA = 0.94;

/**
 * Features known at the close of day t (returns up to and including t) for forecasting r[t+1].
 * ewmaVar[t][j] is the RiskMetrics variance after observing r[t].
 */
function featuresAt(panel: Panel, ewmaVar: number[][], market: number[], t: number, j: number): number[] {
  const r = panel.returns;
  const rv = (n: number, series: (s: number) => number) => {
    let acc = 0;
    for (let s = t - n + 1; s <= t; s++) acc += series(s) ** 2;
    return Math.sqrt(acc / n) + 1e-6;
  };
  const own = (s: number) => r[s]![j]!;
  let mean5 = 0;
  for (let s = t - 4; s <= t; s++) mean5 += own(s) / 5;
  const rv21 = rv(21, own);
  return [
    own(t),
    own(t - 1),
    mean5,
    Math.log(rv(5, own)),
    Math.log(rv21),
    Math.log(rv(63, own)),
    0.5 * Math.log(ewmaVar[t]![j]!),
    market[t]!,
    Math.log(rv(21, (s) => market[s]!)),
    own(t) / rv21,
  ];
}

interface Scores {
  n: number;
  covered: number[];
  nll: number;
  crps: number;
}
const emptyScores = (): Scores => ({ n: 0, covered: LEVELS.map(() => 0), nll: 0, crps: 0 });
function summarise(s: Scores) {
  return {
    observations: s.n,
    coverage: Object.fromEntries(LEVELS.map((l, k) => [String(l), s.covered[k]! / s.n])),
    meanNll: s.nll / s.n,
    meanCrps: s.crps / s.n,
  };
}
function scoreGaussian(s: Scores, y: number, mean: number, variance: number) {
  s.n++;
  const sd = Math.sqrt(variance);
  LEVELS.forEach((l, k) => {
    const z = normalQuantile(0.5 + l / 2);
    if (Math.abs(y - mean) <= z * sd) s.covered[k]!++;
  });
  s.nll += gaussianNll(y, mean, variance);
  s.crps += gaussianCrps(y, mean, variance);
}

function bnnConfig(method: string, start: number): BnnConfigInput {
  return {
    method: method === 'dropout' ? 'mc-dropout' : 'bayes-by-backprop',
    seed: 7 + start,
    batchSize: 512,
    epochs: quick ? 40 : 60,
    klAnnealingEpochs: 5,
    patience: 5,
    learningRateDrops: 1,
    validationMode: 'tail',
    validationFraction: 0.15,
  };
}

async function calibration() {
  const panel = loadUs50();
  const days = panel.returns.length;
  const assets = panel.tickers.length;
  const market = panel.returns.map((row) => row.reduce((a, b) => a + b, 0) / assets);
  // RiskMetrics EWMA, started from the variance of the first 21 days (those days are never scored).
  const ewmaVar: number[][] = [];
  let state = panel.tickers.map((_, j) => panel.returns.slice(0, 21).reduce((a, r) => a + r[j]! ** 2, 0) / 21);
  for (let t = 0; t < days; t++) {
    if (t >= 21) state = state.map((v, j) => LAMBDA * v + (1 - LAMBDA) * panel.returns[t]![j]! ** 2);
    ewmaVar.push(state);
  }

  const trainDays = quick ? 504 : 756;
  const block = 126;
  const testStart = panel.dates.findIndex((d) => d >= (quick ? '2018-01-01' : '2008-01-01'));
  const testEnd = quick ? panel.dates.findIndex((d) => d >= '2021-01-01') : days - 1;
  const samples = 32;
  const maxTrainRows = quick ? 12_000 : 20_000;

  const scores: Record<string, Scores> = { homoscedastic: emptyScores(), ewma: emptyScores() };
  for (const m of methods) scores[m] = emptyScores();
  const blocks: unknown[] = [];
  let online: { model: BayesianNeuralNetwork; seenUntil: number } | undefined;
  const rng = createRng(2024);
  const t0 = Date.now();

  // Forecast origin t (features through day t) predicts r[t+1]; a block's origins are [start, end).
  for (let start = testStart; start < testEnd; start += block) {
    const end = Math.min(start + block, testEnd);
    // Training rows: origins s with s + 1 < start, i.e. targets strictly before the first forecast.
    const trainFrom = Math.max(LOOKBACK, start - trainDays);
    const X: number[][] = [];
    const y: number[] = [];
    for (let s = trainFrom; s + 1 < start; s++) {
      for (let j = 0; j < assets; j++) {
        X.push(featuresAt(panel, ewmaVar, market, s, j));
        y.push(panel.returns[s + 1]![j]!);
      }
    }
    // Keep the most recent rows intact for the 'tail' validation split; thin the older ones if too many.
    let Xt = X;
    let yt = y;
    if (X.length > maxTrainRows) {
      const keep = new Set<number>();
      const recent = Math.floor(maxTrainRows * 0.15);
      for (let i = X.length - recent; i < X.length; i++) keep.add(i);
      while (keep.size < maxTrainRows) keep.add(Math.floor(rng.next() * (X.length - recent)));
      const idx = [...keep].sort((a, b) => a - b);
      Xt = idx.map((i) => X[i]!);
      yt = idx.map((i) => y[i]!);
    }
    // Baseline 1: per-asset mean and variance of the training window's returns.
    const homMean: number[] = [];
    const homVar: number[] = [];
    for (let j = 0; j < assets; j++) {
      let m = 0;
      let n = 0;
      for (let s = trainFrom + 1; s < start; s++) {
        m += panel.returns[s]![j]!;
        n++;
      }
      m /= n;
      let v = 0;
      for (let s = trainFrom + 1; s < start; s++) v += (panel.returns[s]![j]! - m) ** 2;
      homMean.push(m);
      homVar.push(v / (n - 1));
    }
    // Per-block scores show where a method wins or loses (crises, calm years).
    const before = Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, { n: v.n, nll: v.nll, crps: v.crps }]));
    const blockScores = (k: string) => {
      const s = scores[k]!;
      const b = before[k]!;
      return { meanNll: (s.nll - b.nll) / (s.n - b.n), meanCrps: (s.crps - b.crps) / (s.n - b.n) };
    };
    const testX: number[][] = [];
    const testY: number[] = [];
    for (let s = start; s < end; s++) {
      for (let j = 0; j < assets; j++) {
        testX.push(featuresAt(panel, ewmaVar, market, s, j));
        const target = panel.returns[s + 1]![j]!;
        testY.push(target);
        scoreGaussian(scores.homoscedastic!, target, homMean[j]!, homVar[j]!);
        scoreGaussian(scores.ewma!, target, 0, ewmaVar[s]![j]!);
      }
    }
    const blockInfo: Record<string, unknown> = { from: panel.dates[start + 1], to: panel.dates[end], trainRows: Xt.length };
    for (const m of methods) {
      let model: BayesianNeuralNetwork;
      let summary: { epochsRun: number; bestEpoch: number };
      if (m === 'online' && online) {
        // The rows that became known since the last fit or update: the previous block's forecasts.
        const Xn: number[][] = [];
        const yn: number[] = [];
        for (let s = online.seenUntil; s + 1 < start; s++) {
          for (let j = 0; j < assets; j++) {
            Xn.push(featuresAt(panel, ewmaVar, market, s, j));
            yn.push(panel.returns[s + 1]![j]!);
          }
        }
        summary = await online.model.update(Xn, yn, { prior: 'posterior', priorVarianceInflation: 2, epochs: 20 });
        model = online.model;
      } else {
        model = new BayesianNeuralNetwork(bnnConfig(m, start));
        summary = await model.fit(Xt, yt);
      }
      if (m === 'online') online = { model, seenUntil: start - 1 };
      const p = await model.predict(testX, { samples, levels: LEVELS, returnSamples: true });
      const s = scores[m]!;
      const n = testY.length;
      for (let i = 0; i < n; i++) {
        const target = testY[i]!;
        s.n++;
        LEVELS.forEach((_, k) => {
          if (target >= p.intervals[k]!.lower[i]! && target <= p.intervals[k]!.upper[i]!) s.covered[k]!++;
        });
        s.nll += mixtureNll(target, p.sampleMeans!, p.sampleVariances!, samples, i, n);
        s.crps += mixtureCrps(target, p.sampleMeans!, p.sampleVariances!, samples, i, n);
      }
      blockInfo[m] = { epochs: summary.epochsRun, bestEpoch: summary.bestEpoch, ...blockScores(m) };
      if (m !== 'online') model.dispose();
    }
    blockInfo.homoscedastic = blockScores('homoscedastic');
    blockInfo.ewma = blockScores('ewma');
    blocks.push(blockInfo);
    log(`block ${panel.dates[start + 1]} → ${panel.dates[end]}: ${Xt.length} training rows, ${((Date.now() - t0) / 1000).toFixed(0)} s so far`);
  }
  online?.model.dispose();
  return {
    data: 'us_equity50_daily/us50_adjclose_2000_2026.csv.gz (50 US large caps, Yahoo adjusted closes; see its PROVENANCE.md)',
    target: 'next-day log return, percent',
    features: FEATURE_NAMES,
    protocol: {
      testFrom: panel.dates[testStart + 1],
      testTo: panel.dates[testEnd],
      trainingWindowDays: trainDays,
      retrainEveryDays: block,
      maxTrainingRows: maxTrainRows,
      monteCarloSamples: samples,
      noLookAhead: 'features at origin t use returns ≤ t; training targets end before the first forecast of the block; baselines use the same information',
    },
    results: Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, summarise(v)])),
    blocks,
    seconds: (Date.now() - t0) / 1000,
  };
}

async function main() {
  const backend = await initComputeBackend();
  log(`backend: ${backend.name} — ${backend.detail}`);
  const resultsFile = path.join(root, 'bench', 'results', 'bnn.json');
  // With --only, the other part's last results are kept (each part carries its own run date).
  let results: Record<string, unknown> = {};
  if (only) {
    try {
      results = (JSON.parse(readFileSync(resultsFile, 'utf8')) as { results?: Record<string, unknown> }).results ?? {};
    } catch {
      results = {};
    }
  }
  if (only !== 'calibration') results.speed = { date: new Date().toISOString(), loadAverage: os.loadavg(), ...(await speed()) };
  if (only !== 'speed') results.calibration = { date: new Date().toISOString(), quick, ...(await calibration()) };
  const out = {
    suite: 'bnn',
    node: process.version,
    date: new Date().toISOString(),
    quick,
    backend,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverageAtEnd: os.loadavg() },
    results,
  };
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify(out, null, 2));
  if (json) console.log(JSON.stringify(out, null, 2));
  else {
    const cal = results.calibration as { results: Record<string, ReturnType<typeof summarise>> } | undefined;
    if (cal) {
      console.log('\nmethod         ' + LEVELS.map((l) => `cov${l * 100}`.padStart(8)).join('') + '     NLL     CRPS');
      for (const [name, r] of Object.entries(cal.results)) {
        console.log(name.padEnd(15) + LEVELS.map((l) => r.coverage[String(l)]!.toFixed(3).padStart(8)).join('') + r.meanNll.toFixed(4).padStart(8) + r.meanCrps.toFixed(4).padStart(9));
      }
    }
    console.log(`\nwrote bench/results/bnn.json`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
