// Tuning benchmark (issue 8's evidence): Bayesian optimisation of θ against random search, grid search and Optuna
// TPE at equal budgets on the same nested walk-forward folds, over several seeds drawn at bench time; BO with and
// without a πBO prior; wall time; and the parallel speed-up of two workers (q = 1 with folds split, q = 2) over one.
//
//   node --import tsx bench/tune.bench.ts [--json] [--quick] [--datasets etf,us50] [--budget N] [--seeds K]
//        [--seed-list 1,2,3] [--methods bo,bo-prior,random,grid,tpe] [--no-parallel | --parallel etf,us50] [--no-tpe]
//
// Every search evaluates θ = the default θ with the 7 parameters of the default tuning space replaced, by the same
// engine function the app's 'tuning.evaluate' job runs (engine/tuning/evaluate.ts): the mean Sharpe ratio (excess
// over the T-bill) over 4 validation folds; the search's chosen θ is then scored once on the last 3 years (test).
// The comparison runs single-threaded with q = 1 for every method (so budgets are backtests, one at a time); the
// speed-up section runs the real app path (dispatcher → worker pool → built worker) on the demo database and on one
// holding the 50 US stocks (imported through the CLI).
//
// Forecasts: the demo ETFs from resources/demo, the 50 US stocks from ../shared/data (bench only; the product never
// reads it), walk-forward BNN forecasts cached in bench/results/cache with the same keys as bench/strategy.bench.ts.
// Writes bench/results/tune.json.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { initComputeBackend } from '../src/main/engine/bnn';
import { defaultInitialDesign } from '../src/main/engine/bo';
import {
  deflatedSharpeRatio,
  DEFAULT_TUNING_SPACE,
  Tuner,
  driveSearch,
  evaluateValues,
  evaluationsTo95,
  planFolds,
  returnsBehind,
  type EvaluationContext,
  type EvaluationOutcome,
  type TunerObservation,
} from '../src/main/engine/tuning';
import { DEFAULT_FORECAST_CONFIG, DEFAULT_STRATEGY_PARAMETERS, ForecastConfig } from '../src/shared/strategy';
import type { TuningPrior, TuningSearch } from '../src/shared/tuning';
import { forecastsFor, loadDataset } from './datasets';
import { PYTHON, TPE_SCRIPT, TpeProcess } from './tpe';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const datasets = (option('--datasets') ?? (quick ? 'etf' : 'etf,us50')).split(',').filter((d) => d !== '' && d !== 'none');
/**
 * Budget and seeds per data set, chosen so a full run stays near 30 minutes on a 2-core machine: a US-50 evaluation
 * (50 assets, 4 folds over 20 years, a QP per decision) costs ~20× an ETF one. `--budget` / `--seeds` override both.
 */
const PLAN: Record<string, { budget: number; seeds: number }> = quick ? { etf: { budget: 16, seeds: 3 }, us50: { budget: 12, seeds: 1 } } : { etf: { budget: 40, seeds: 5 }, us50: { budget: 20, seeds: 2 } };
const budgetOf = (name: string) => Number(option('--budget') ?? PLAN[name]?.budget ?? 40);
const seedCountOf = (name: string) => Number(option('--seeds') ?? PLAN[name]?.seeds ?? 3);
const seedPool = option('--seed-list')?.split(',').map(Number) ?? Array.from({ length: 10 }, () => randomInt(1, 2 ** 31 - 1));
const withTpe = !args.includes('--no-tpe');
const METHODS = ['bo', 'bo-prior', 'random', 'grid', 'tpe'] as const;
/** `--methods` runs some of the searches only (e.g. `bo` against a saved run of the others on the same seeds). */
const chosenMethods = option('--methods')?.split(',') ?? [...METHODS];
for (const m of chosenMethods) if (!(METHODS as readonly string[]).includes(m)) throw new Error(`--methods: unknown search ${m} (${METHODS.join(', ')})`);
const withParallel = !args.includes('--no-parallel');
const log = (...m: unknown[]) => (json ? console.error(...m) : console.log(...m));
/** The PM's belief for the πBO run: "rebalancing every 20–60 days and a tracking-error budget of 1–4 % are most likely". */
const PRIOR: Record<string, TuningPrior> = {
  'rebalance.everyDays': { type: 'range', low: 20, high: 60 },
  trackingErrorBudget: { type: 'range', low: 0.01, high: 0.04 },
};
const FOLDS = 4;
const TEST_YEARS = 3;

// ---------- searches ----------

type Method = (typeof METHODS)[number];

interface RunResult {
  method: Method;
  seed: number;
  observations: TunerObservation[];
  best: { values: Record<string, unknown>; validation: number } | null;
  test: number | null;
  seconds: number;
  /** Time spent choosing points (the optimiser's own overhead), excluding backtests. */
  overheadSeconds: number;
  observedBest: number | null;
  observedBestTest: number | null;
}

class Evaluator {
  private readonly memo = new Map<string, EvaluationOutcome>();
  backtests = 0;
  backtestSeconds = 0;
  constructor(private readonly context: EvaluationContext) {}
  evaluate(values: Record<string, unknown>, windows: 'validation' | 'test' = 'validation'): EvaluationOutcome {
    const key = `${windows}|${JSON.stringify(values)}`;
    let hit = this.memo.get(key);
    if (!hit) {
      const t0 = performance.now();
      hit = evaluateValues(this.context, values as Record<string, number>, windows === 'test' ? [this.context.plan.test] : this.context.plan.folds);
      this.backtestSeconds += (performance.now() - t0) / 1000;
      this.backtests++;
      this.memo.set(key, hit);
    }
    return hit;
  }
}

async function runOurs(method: Exclude<Method, 'tpe'>, seed: number, evaluator: Evaluator, budget: number): Promise<RunResult> {
  const search: TuningSearch = method === 'bo' || method === 'bo-prior' ? 'bayesian' : method;
  const tuner = Tuner.create({ search, space: DEFAULT_TUNING_SPACE, seed, budget, batch: 1, ...(method === 'bo-prior' ? { priors: PRIOR } : {}) });
  const t0 = performance.now();
  let evalSeconds = 0;
  await driveSearch(tuner, async (batch) =>
    batch.map((c) => {
      const e0 = performance.now();
      const out = evaluator.evaluate(c.values);
      evalSeconds += (performance.now() - e0) / 1000;
      return { validation: out.validation, feasible: out.feasible };
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const best = tuner.best();
  const test = best ? evaluator.evaluate(best.values, 'test').validation : null;
  return { method, seed, observations: [...tuner.observations], best: best ? { values: best.values, validation: best.validation } : null, test, seconds, overheadSeconds: seconds - evalSeconds, ...observedBest(tuner.observations, evaluator) };
}

async function runTpe(client: TpeProcess, seed: number, evaluator: Evaluator, budget: number): Promise<RunResult> {
  const params = DEFAULT_TUNING_SPACE.map((p) => {
    if (p.type === 'categorical') throw new Error('the TPE reference takes numeric parameters only');
    return { name: p.name, type: p.type === 'integer' ? 'int' : 'float', low: p.lower, high: p.upper, log: p.scale === 'log' };
  });
  await client.request({ cmd: 'start', seed, multivariate: false, direction: 'maximize', params });
  const observations: TunerObservation[] = [];
  const t0 = performance.now();
  let evalSeconds = 0;
  for (let i = 0; i < budget; i++) {
    const { params: values } = (await client.request({ cmd: 'ask' })) as { params: Record<string, number> };
    const e0 = performance.now();
    const out = evaluator.evaluate(values);
    evalSeconds += (performance.now() - e0) / 1000;
    await client.request(out.feasible ? { cmd: 'tell', value: out.validation } : { cmd: 'tell', failed: true });
    observations.push({ index: i, values, validation: out.validation, feasible: out.feasible, source: 'external' });
  }
  const seconds = (performance.now() - t0) / 1000;
  const feasible = observations.filter((o) => o.feasible);
  const top = feasible.sort((a, b) => b.validation! - a.validation!)[0];
  const test = top ? evaluator.evaluate(top.values, 'test').validation : null;
  return { method: 'tpe', seed, observations, best: top ? { values: top.values, validation: top.validation! } : null, test, seconds, overheadSeconds: seconds - evalSeconds, ...observedBest(observations, evaluator) };
}

/**
 * The highest observed validation objective and that point's test objective. For random, grid and TPE this is their
 * recommendation; BO in noisy mode recommends the point with the best posterior mean instead, which is usually a
 * little lower on validation (the maximum of noisy fold averages is biased upwards) — both are reported.
 */
function observedBest(observations: readonly TunerObservation[], evaluator: Evaluator): { observedBest: number | null; observedBestTest: number | null } {
  const top = observations.filter((o) => o.feasible && o.validation !== null).sort((a, b) => b.validation! - a.validation! || a.index - b.index)[0];
  return { observedBest: top?.validation ?? null, observedBestTest: top ? evaluator.evaluate(top.values, 'test').validation : null };
}

// ---------- statistics ----------

function quartiles(xs: number[]): { n: number; min: number; q1: number; median: number; q3: number; max: number; mean: number } | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => {
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
  };
  const r = (x: number) => Math.round(x * 10_000) / 10_000;
  return { n: s.length, min: r(s[0]!), q1: r(q(0.25)), median: r(q(0.5)), q3: r(q(0.75)), max: r(s.at(-1)!), mean: r(s.reduce((a, b) => a + b, 0) / s.length) };
}

// ---------- parallel speed-up through the app ----------

/**
 * How much CPU this process can get with 1 and with 2 busy threads right now (2 s each): on a shared machine the
 * scheduler may cap a process's share (per-session autogroups, cgroups), and then no number of workers helps.
 */
async function cpuShareProbe(): Promise<Record<string, number>> {
  const { Worker } = await import('node:worker_threads');
  const code = "const { parentPort } = require('node:worker_threads'); const end = Date.now() + 2000; let n = 0; while (Date.now() < end) { for (let i = 0; i < 1e5; i++) n += Math.sqrt(i); } parentPort.postMessage(0);";
  const share = async (threads: number) => {
    const t0 = process.cpuUsage();
    const w0 = performance.now();
    const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true }));
    await Promise.all(workers.map((w) => new Promise((resolve) => w.on('message', resolve))));
    const cpu = process.cpuUsage(t0);
    await Promise.all(workers.map((w) => w.terminate()));
    return round((cpu.user + cpu.system) / 1e6 / ((performance.now() - w0) / 1000));
  };
  return { cpusUsedByOneThread: await share(1), cpusUsedByTwoThreads: await share(2) };
}

/** Where the speed-up is measured: the demo ETFs (≈ 0.15 s per evaluation) and the 50 US stocks (≈ 3 s). */
const PARALLEL_DATASETS = (option('--parallel') ?? (quick ? 'etf' : 'etf,us50')).split(',').filter((d) => d !== '' && d !== 'none');

/**
 * A bench database for the app path: the demo (its account DEMO, the T-bill cash rate, settings), and for 'us50' the
 * 50 US stocks' price history imported through the CLI plus an account US50 holding ≈ $20,000 of each at the last
 * close — the files a PM would import. Returns the account to tune.
 */
function parallelDatabase(dataset: string, dir: string, ballast: (...a: string[]) => string): string {
  ballast('demo');
  if (dataset === 'etf') return 'DEMO';
  if (dataset !== 'us50') throw new Error(`--parallel: unknown data set ${dataset} (etf, us50)`);
  const csv = path.join(dir, 'us50.csv');
  writeFileSync(csv, gunzipSync(readFileSync(path.join(root, '..', 'shared', 'data', 'us_equity50_daily', 'us50_adjclose_2000_2026.csv.gz'))));
  ballast('import-prices', csv);
  const lines = readFileSync(csv, 'utf8').trim().split(/\r?\n/);
  const tickers = lines[0]!.split(',').slice(1);
  const last = lines.at(-1)!.split(',');
  const holdings = tickers.map((t, i) => {
    const price = Number(Number(last[i + 1]).toFixed(2));
    const quantity = Math.floor(20_000 / price);
    return `US50,${t},${quantity},${price.toFixed(2)},${(quantity * price).toFixed(2)},USD`;
  });
  const positions = path.join(dir, 'us50-positions.csv');
  writeFileSync(positions, ['Account Number,Symbol,Quantity,Price,Market Value,Currency', ...holdings].join('\n') + '\n');
  ballast('import-positions', positions, '--as-of', last[0]!, '--create-account', '--create-securities');
  return 'US50';
}

async function parallelSpeedup(dataset: string): Promise<Record<string, unknown>> {
  // The real path: the built CLI → dispatcher → 2-worker pool → built worker ('tuning.evaluate' jobs).
  const cli = path.join(root, 'out', 'main', 'cli.js');
  if (!existsSync(cli)) return { dataset, skipped: `${cli} is missing: run "npm run build" first` };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ballast-tune-bench-'));
  const db = path.join(dir, 'bench.db');
  const ballast = (...a: string[]) => ballastWith(2, ...a);
  const ballastWith = (workers: number, ...a: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...a, '--db', db], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, BALLAST_WORKERS: String(workers) } });
    if (r.status !== 0) throw new Error(`ballast ${a.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  try {
    const account = parallelDatabase(dataset, dir, ballast);
    // A small forecast model: the speed-up is about backtests, which read stored forecasts whatever their size.
    writeFileSync(path.join(dir, 'forecast.json'), JSON.stringify({ minTrainDays: 504, trainWindowDays: 504, retrainEveryDays: 1260, strideDays: 10, samples: 16, epochs: 5, updateEpochs: 2, hiddenLayers: [8], seed: 7 }));
    ballast('strategy-settings', '--forecast', path.join(dir, 'forecast.json'));
    // θ parameters that leave the number of decisions unchanged, so every evaluation costs about the same and the
    // two runs differ only in how many run at once (rebalance.everyDays would make the cost depend on the points).
    const space = DEFAULT_TUNING_SPACE.filter((p) => p.name !== 'rebalance.everyDays' && p.name !== 'covariance.lookbackDays');
    writeFileSync(path.join(dir, 'space.json'), JSON.stringify({ space }));
    const n = dataset === 'etf' ? (quick ? 12 : 24) : quick ? 6 : 12;
    const common = ['tune', '--account', account, '--seed', '17', '--folds', String(FOLDS), '--test-years', String(TEST_YEARS), '--prior', path.join(dir, 'space.json'), '--no-warm-start', '--json'];
    ballast(...common, '--budget', '4', '--batch', '2'); // trains the forecasts once
    const timed = (workers: number, batch: number) => {
      const t0 = performance.now();
      const r = JSON.parse(ballastWith(workers, ...common, '--budget', String(n), '--batch', String(batch))) as { evaluations: { seconds: number }[]; createdAt: string; finishedAt: string };
      const process = (performance.now() - t0) / 1000;
      const run = (Date.parse(r.finishedAt) - Date.parse(r.createdAt)) / 1000;
      const backtest = r.evaluations.reduce((s, e) => s + e.seconds, 0);
      return { workers, batch, evaluations: r.evaluations.length, runSeconds: round(run), processSeconds: round(process), sumOfEvaluationSeconds: round(backtest), perEvaluationSeconds: round(backtest / r.evaluations.length) };
    };
    // One worker (everything in turn) against two workers with q = 1 (each evaluation's folds split across them) and
    // with q = 2 (two points at once). Alternated and repeated, medians reported: the load of a shared machine moves.
    const configs = [
      { key: 'oneWorker', workers: 1, batch: 1 },
      { key: 'twoWorkersQ1', workers: 2, batch: 1 },
      { key: 'twoWorkersQ2', workers: 2, batch: 2 },
    ] as const;
    const repeats = quick ? 1 : 3;
    const runs: Record<(typeof configs)[number]['key'], ReturnType<typeof timed>[]> = { oneWorker: [], twoWorkersQ1: [], twoWorkersQ2: [] };
    const load: number[] = [];
    for (let k = 0; k < repeats; k++) {
      load.push(round(os.loadavg()[0]!));
      for (const c of configs) runs[c.key].push(timed(c.workers, c.batch));
    }
    const median = (xs: ReturnType<typeof timed>[]) => [...xs].sort((a, b) => a.runSeconds - b.runSeconds)[Math.floor((xs.length - 1) / 2)]!;
    const base = median(runs.oneWorker);
    const probe = await cpuShareProbe();
    return {
      dataset,
      account,
      path: 'built CLI, worker pool of BALLAST_WORKERS threads',
      cpuShare: probe,
      machineCpus: os.cpus().length,
      loadAverageBeforeEachRound: load,
      budget: n,
      space: space.map((p) => p.name),
      medians: Object.fromEntries(configs.map((c) => [c.key, median(runs[c.key])])),
      runSeconds: Object.fromEntries(configs.map((c) => [c.key, runs[c.key].map((r) => r.runSeconds)])),
      speedup: {
        twoWorkersQ1: round(base.runSeconds / median(runs.twoWorkersQ1).runSeconds),
        twoWorkersQ2: round(base.runSeconds / median(runs.twoWorkersQ2).runSeconds),
        perRound: runs.oneWorker.map((r, k) => ({ twoWorkersQ1: round(r.runSeconds / runs.twoWorkersQ1[k]!.runSeconds), twoWorkersQ2: round(r.runSeconds / runs.twoWorkersQ2[k]!.runSeconds) })),
      },
      note: 'runSeconds = the run from its creation to its end (optimiser, batches, commits, the test window); processSeconds adds CLI start-up and the fold preparation',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

// ---------- main ----------

async function runDataset(name: string, tpe: TpeProcess | null) {
  const panel = loadDataset(name);
  const config = ForecastConfig.parse({ ...DEFAULT_FORECAST_CONFIG, ...(quick ? { epochs: 20, updateEpochs: 5, samples: 32 } : {}) });
  const { forecasts, seconds: trainSeconds, cached } = await forecastsFor(name, panel, config, { log });
  const plan = planFolds(panel.dates, forecasts.dates[0]!, { folds: FOLDS, testYears: TEST_YEARS, maxLookbackDays: 756 });
  const evaluator = new Evaluator({ panel, forecasts, base: DEFAULT_STRATEGY_PARAMETERS, objective: 'sharpe', constraints: [], plan });
  log(`${name}: ${panel.tickers.length} assets; folds ${plan.folds.map((f) => `${f.from}→${f.to}`).join(', ')}; test ${plan.test.from}→${plan.test.to}`);
  const budget = budgetOf(name);
  const seeds = seedPool.slice(0, seedCountOf(name));
  const methods = METHODS.filter((m) => chosenMethods.includes(m) && (m !== 'tpe' || tpe !== null));
  const runs: RunResult[] = [];
  const started = performance.now();
  for (const seed of seeds) {
    for (const method of methods) {
      const r = method === 'tpe' ? await runTpe(tpe!, seed, evaluator, budget) : await runOurs(method, seed, evaluator, budget);
      runs.push(r);
      log(`  ${name} seed ${seed} ${method.padEnd(8)} best ${r.best?.validation.toFixed(3) ?? '—'} test ${r.test?.toFixed(3) ?? '—'} (${r.seconds.toFixed(1)} s, overhead ${r.overheadSeconds.toFixed(1)} s)`);
    }
  }
  // The saved settings as they are (θ = the default, nothing tuned): what every search is measured against.
  const untunedValidation = evaluator.evaluate({});
  const untuned = { validation: untunedValidation.validation, test: evaluator.evaluate({}, 'test').validation, feasible: untunedValidation.feasible };
  // The deflated Sharpe ratio of each run's chosen θ, its trials the run's own feasible backtests (as tuning runs report it).
  // The returns behind a validation score, counted by the untuned backtests as the app counts them; unknown when one
  // failed (no deflated Sharpe ratio then, as in the app).
  const validationReturns = returnsBehind(untunedValidation.folds.map((f) => f.returns));
  const deflatedOf = (r: RunResult): number | null =>
    r.best && validationReturns !== null
      ? (deflatedSharpeRatio({
          sharpe: r.best.validation,
          trialSharpes: r.observations.filter((o) => o.feasible && o.validation !== null).map((o) => o.validation!),
          returns: validationReturns,
        })?.probability ?? null)
      : null;
  // evaluationsTo95 against a common target per seed: the best validation any method found with that seed.
  const perMethod = Object.fromEntries(
    methods.map((method) => {
      const mine = runs.filter((r) => r.method === method);
      const to95 = mine.map((r) => {
        const target = Math.max(...runs.filter((o) => o.seed === r.seed && o.best).map((o) => o.best!.validation));
        return evaluationsTo95(r.observations, Number.isFinite(target) ? target : null);
      });
      return [
        method,
        {
          bestValidation: quartiles(mine.filter((r) => r.best).map((r) => r.best!.validation)),
          test: quartiles(mine.filter((r) => r.test !== null).map((r) => r.test!)),
          observedBest: quartiles(mine.filter((r) => r.observedBest !== null).map((r) => r.observedBest!)),
          observedBestTest: quartiles(mine.filter((r) => r.observedBestTest !== null).map((r) => r.observedBestTest!)),
          deflatedSharpe: quartiles(mine.map(deflatedOf).filter((x): x is number => x !== null)),
          evaluationsTo95: quartiles(to95.filter((x): x is number => x !== null)),
          reached95: `${to95.filter((x) => x !== null).length}/${mine.length}`,
          infeasible: quartiles(mine.map((r) => r.observations.filter((o) => !o.feasible).length)),
          wallSeconds: quartiles(mine.map((r) => r.seconds)),
          overheadSeconds: quartiles(mine.map((r) => r.overheadSeconds)),
          perSeed: mine.map((r, k) => ({ seed: r.seed, bestValidation: r.best?.validation ?? null, test: r.test, deflatedSharpe: deflatedOf(r), evaluationsTo95: to95[k], best: r.best?.values ?? null })),
        },
      ];
    }),
  );
  // The prior's pull: how far the first proposals sit from the prior's mode (every 40 days), with and without it —
  // over the initial design and the ten model steps after it.
  const design = defaultInitialDesign(DEFAULT_TUNING_SPACE.length);
  const pull = (method: Method, from: number, to: number) =>
    quartiles(runs.filter((r) => r.method === method).flatMap((r) => r.observations.slice(from, to).map((o) => Math.abs((o.values['rebalance.everyDays'] as number) - 40))));
  const prior = {
    belief: PRIOR,
    designPoints: design,
    designDistanceFromMode: { without: pull('bo', 0, design), with: pull('bo-prior', 0, design) },
    firstModelStepsDistanceFromMode: { without: pull('bo', design, design + 10), with: pull('bo-prior', design, design + 10) },
  };
  return {
    dataset: name,
    assets: panel.tickers.length,
    forecasts: { config, trainSeconds: round(trainSeconds), fromCache: cached, first: forecasts.dates[0], last: forecasts.dates.at(-1) },
    folds: plan.folds,
    test: plan.test,
    budget,
    seeds,
    untuned,
    backtests: evaluator.backtests,
    backtestSecondsEach: round(evaluator.backtestSeconds / Math.max(1, evaluator.backtests)),
    wallSeconds: round((performance.now() - started) / 1000),
    methods: perMethod,
    prior,
  };
}

async function main() {
  const t0 = performance.now();
  const backend = await initComputeBackend();
  let tpe: TpeProcess | null = null;
  let tpeInfo: unknown = 'not run (--no-tpe)';
  if (withTpe) {
    const v = spawnSync(PYTHON, [TPE_SCRIPT, '--version'], { encoding: 'utf8' });
    try {
      const reply = JSON.parse(v.stdout.trim().split('\n').pop() ?? '{}') as Record<string, string>;
      if (v.status === 0 && !reply.error) {
        tpe = new TpeProcess();
        tpeInfo = reply;
      } else tpeInfo = `unavailable: ${reply.error ?? v.stderr}`;
    } catch {
      tpeInfo = `unavailable: ${v.error?.message ?? v.stderr}`;
    }
  }
  log(`tune bench: datasets ${datasets.map((d) => `${d} (budget ${budgetOf(d)}, ${seedCountOf(d)} seeds)`).join(', ')}; seeds drawn ${seedPool.join(',')}; TPE ${JSON.stringify(tpeInfo)}`);
  const results = [];
  try {
    for (const name of datasets) results.push(await runDataset(name, tpe));
  } finally {
    tpe?.close();
  }
  const parallel: Record<string, unknown>[] = [];
  if (withParallel) for (const d of PARALLEL_DATASETS) parallel.push(await parallelSpeedup(d));
  else parallel.push({ skipped: '--no-parallel' });
  log(`parallel: ${JSON.stringify(parallel)}`);
  const out = {
    suite: 'tune',
    quick,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAverage: os.loadavg().map(round), backend },
    objective: 'sharpe (excess over the 13-week T-bill), mean over 4 validation folds; test = the last 3 years, once',
    space: DEFAULT_TUNING_SPACE,
    tpe: tpeInfo,
    datasets: results,
    parallel,
    wallSeconds: round((performance.now() - t0) / 1000),
  };
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  const file = path.join(root, 'bench', 'results', quick ? 'tune-quick.json' : 'tune.json');
  // Data sets (and the speed-up) not run this time keep their earlier results, marked with their own date.
  if (existsSync(file)) {
    try {
      const previous = JSON.parse(readFileSync(file, 'utf8')) as { date: string; datasets: { dataset: string }[]; parallel: { dataset?: string; skipped?: string }[] | { skipped?: string } };
      const kept = previous.datasets.filter((d) => !datasets.includes(d.dataset)).map((d) => ({ ...d, measuredOn: (d as { measuredOn?: string }).measuredOn ?? previous.date }));
      out.datasets = [...(out.datasets as { dataset: string }[]), ...kept] as typeof out.datasets;
      const measured = new Set(out.parallel.filter((p) => !p.skipped).map((p) => p.dataset));
      const before = Array.isArray(previous.parallel) ? previous.parallel : [];
      const keptParallel = before.filter((p) => !p.skipped && p.dataset && !measured.has(p.dataset)).map((p) => ({ ...p, measuredOn: (p as { measuredOn?: string }).measuredOn ?? previous.date }));
      out.parallel = [...out.parallel.filter((p) => !p.skipped || keptParallel.length === 0), ...keptParallel];
    } catch {
      // An unreadable earlier file is simply replaced.
    }
  }
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  if (json) console.log(JSON.stringify(out, null, 2));
  else {
    for (const d of results) {
      log(`\n${d.dataset} (${d.assets} assets), budget ${d.budget}, ${d.seeds.length} seeds — median [q1, q3]`);
      log(`  untuned   validation ${d.untuned.validation?.toFixed(3) ?? '—'}  test ${d.untuned.test?.toFixed(3) ?? '—'} (the saved settings)`);
      for (const [m, s] of Object.entries(d.methods)) {
        const f = (q: ReturnType<typeof quartiles>) => (q ? `${q.median.toFixed(3)} [${q.q1.toFixed(3)}, ${q.q3.toFixed(3)}]` : '—');
        log(`  ${m.padEnd(9)} validation ${f(s.bestValidation)}  test ${f(s.test)}  deflated ${f(s.deflatedSharpe)}  to95 ${f(s.evaluationsTo95)} (${s.reached95})  wall ${f(s.wallSeconds)} s`);
      }
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
