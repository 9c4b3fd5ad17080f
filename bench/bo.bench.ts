// Bayesian-optimisation benchmark: the distribution of simple regret of Ballast BO, random search and Optuna
// TPE (bench/reference/optuna_tpe.py, Debian python3-optuna) on Branin, Hartmann-6 and Ackley-5 over seeds
// drawn at random at bench time, plus Ballast's time per iteration (wall and CPU).
//
//   node --import tsx bench/bo.bench.ts [--json] [--quick] [--workers N] [--seeds 1,2,3] [--runs N] [--no-tpe] [--no-noisy]
//                                       [--no-ablations | --ablations name,name] [--problems hartmann6,branin,ackley5]
//
// Seeds: `--seeds` replays a run (the seeds are in the output); otherwise `--runs` (default 30, 10 with --quick)
// seeds are drawn at random, so no setting can be tuned to a fixed set of seeds. Regret is f(recommended) − f*,
// always on the noise-free function; every summary is a distribution (quartiles, min/max, share of runs below
// 0.01 and 0.05, and each run's regret by seed), never a median alone. Recommendations: the best observation for
// noise-free problems; for noisy ones Ballast recommends by posterior mean (`best()`), random search and TPE by
// best noisy observation. Budgets are read off one run of the largest budget ("anytime" regret). Hartmann-6 runs
// go on to 100 evaluations for the timing goal (time per iteration at 100 evaluations), and are read at 30 and 40 too:
// how long one descent into a basin takes is what caps the share below 0.05 at 50 (issue 8). --quick: 10 seeds, no
// noisy variants.
// Writes bench/results/bo.json; --json prints only that document.
import { fork, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BayesianOptimizer, type BayesianOptimizerOptions, legacyInitialDesign } from '../src/main/engine/bo';
import {
  DEFAULT_NOISE_SD,
  ackley5,
  branin,
  hartmann6,
  problemPoint,
  problemSpace,
  type TestProblem,
  withNoise,
} from '../src/main/engine/bo/testFunctions';
import { createRng, mixSeed } from '../src/main/engine/math/random';
import { PYTHON, TPE_SCRIPT, TpeProcess } from './tpe';

const root = path.resolve(import.meta.dirname, '..');
const PROBLEMS: Record<string, TestProblem> = { branin, hartmann6, ackley5 };

/** Ballast settings under test: the optimiser's defaults, written out so the results say what ran. */
const BALLAST_OPTIONS: SettingsUnderTest = {};

/**
 * Ablations, run on the noise-free problems with the defaults' budgets (Hartmann-6 to 100 evaluations) and the same
 * seeds: a setting stays the default only while it measures at least as well as its alternative. --no-ablations
 * leaves them out.
 */
type SettingsUnderTest = Omit<BayesianOptimizerOptions, 'space' | 'seed' | 'direction'>;
const ABLATIONS: Record<string, SettingsUnderTest | ((problem: TestProblem) => SettingsUnderTest)> = {
  // The initial design before issue 8's measurement: 2p + 1 points instead of p (at least 4, at most 20).
  'ballast-design2p+1': (problem) => ({ initialDesign: legacyInitialDesign(problem.dimension) }),
  // BoTorch's current default lengthscale prior (Hvarfner et al. 2024) instead of Gamma(3, 6).
  'ballast-dimensionScaledPrior': { lengthscalePrior: 'dimension-scaled' },
  // The objective GP on Yeo–Johnson-warped values instead of raw ones (HEBO's output warp).
  'ballast-outputWarping': { outputWarping: 'yeo-johnson' },
  // The pre-issue-8 inner loops: 1024 raw samples, two random restarts of every fit, no warm start.
  'ballast-1024raw-coldFits': { rawSamples: 1024, gpRestarts: 2, gpWarmStart: false },
  // Issue 8: once the incumbent's basin is exhausted, log EI's steps are replaced by a local search around the best
  // point outside that basin (optimizer.ts `basinEscape`, basinEscape.ts; its default settings).
  'ballast-basinEscape': { basinEscape: true },
  // Issue 8: noise-free log EI over the whole space, as before the box around the best point (optimizer.ts `localBox`).
  'ballast-wholeSpace': { localBox: 0 },
};

function ablationOptions(name: string, problem: TestProblem): SettingsUnderTest {
  const options = ABLATIONS[name]!;
  return typeof options === 'function' ? options(problem) : options;
}

/**
 * One ablation against the defaults at one budget, seed by seed: on how many seeds its regret was lower or higher,
 * and how many runs it brought below 0.05 that the defaults left above (rescued), or the other way round (lost).
 */
function paired(indices: readonly number[], budget: number, defaults: readonly RunResult[], other: readonly RunResult[]) {
  const count = { seeds: indices.length, lower: 0, higher: 0, rescued: 0, lost: 0 };
  for (const i of indices) {
    const a = defaults[i]!.regrets[budget]!;
    const b = other[i]!.regrets[budget]!;
    if (b < a) count.lower++;
    else if (b > a) count.higher++;
    if (a >= 0.05 && b < 0.05) count.rescued++;
    else if (a < 0.05 && b >= 0.05) count.lost++;
  }
  return count;
}

/** The Wilson score interval (95 %) of a share of k successes in n runs. */
function wilsonInterval(k: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

interface Task {
  problem: string;
  noisy: boolean;
  seed: number;
  budgets: number[];
  /** An ABLATIONS key; absent for the defaults. */
  ablation?: string;
}

interface RunResult {
  regrets: Record<number, number>;
  /** Wall time of each ask, milliseconds. */
  askMs: number[];
  /** CPU time (user + system) of each ask, milliseconds: robust to other load on the machine. */
  askCpuMs: number[];
}

const noiseSeed = (seed: number) => mixSeed(seed, 0x6e6f6973);

function objectiveFor(task: Task): { evaluate(x: ArrayLike<number>): number; exact(x: ArrayLike<number>): number; problem: TestProblem } {
  const problem = PROBLEMS[task.problem]!;
  if (!task.noisy) return { evaluate: (x) => problem.evaluate(x), exact: (x) => problem.evaluate(x), problem };
  const noisy = withNoise(problem, DEFAULT_NOISE_SD[task.problem]!, noiseSeed(task.seed));
  return { evaluate: noisy.evaluate, exact: noisy.evaluateNoiseFree, problem };
}

function runBallast(task: Task): RunResult {
  const { evaluate, exact, problem } = objectiveFor(task);
  const optimizer = new BayesianOptimizer({
    space: problemSpace(problem),
    seed: task.seed,
    direction: 'minimize',
    noisy: task.noisy,
    ...(task.ablation ? ablationOptions(task.ablation, problem) : BALLAST_OPTIONS),
  });
  const regrets: Record<number, number> = {};
  const askMs: number[] = [];
  const askCpuMs: number[] = [];
  const maxBudget = Math.max(...task.budgets);
  for (let n = 1; n <= maxBudget; n++) {
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const [suggestion] = optimizer.ask();
    const cpu = process.cpuUsage(cpu0);
    askMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    askCpuMs.push((cpu.user + cpu.system) / 1000);
    optimizer.tell(suggestion!.id, { value: evaluate(problemPoint(problem, suggestion!.params)) });
    if (task.budgets.includes(n)) {
      const best = optimizer.best()!;
      regrets[n] = exact(problemPoint(problem, best.params)) - problem.optimumValue;
    }
  }
  return { regrets, askMs, askCpuMs };
}

function runRandom(task: Task): RunResult {
  const { evaluate, exact, problem } = objectiveFor(task);
  const rng = createRng(mixSeed(task.seed, 0x72616e64));
  const regrets: Record<number, number> = {};
  let best = { observed: Infinity, x: new Float64Array(problem.dimension) };
  for (let n = 1; n <= Math.max(...task.budgets); n++) {
    const x = Float64Array.from({ length: problem.dimension }, (_, j) => problem.lower[j]! + rng.next() * (problem.upper[j]! - problem.lower[j]!));
    const y = evaluate(x);
    if (y < best.observed) best = { observed: y, x };
    if (task.budgets.includes(n)) regrets[n] = exact(best.x) - problem.optimumValue;
  }
  return { regrets, askMs: [], askCpuMs: [] };
}

/** One long-lived Python process; runs are sequential inside it. */
class TpeClient {
  private readonly tpe = new TpeProcess();

  async run(task: Task, multivariate: boolean): Promise<RunResult> {
    const { evaluate, exact, problem } = objectiveFor(task);
    await this.tpe.request({ cmd: 'start', dimension: problem.dimension, lower: problem.lower, upper: problem.upper, seed: task.seed, multivariate });
    const regrets: Record<number, number> = {};
    const askMs: number[] = [];
    const askCpuMs: number[] = [];
    let best = { observed: Infinity, x: [] as number[] };
    for (let n = 1; n <= Math.max(...task.budgets); n++) {
      const t0 = process.hrtime.bigint();
      const { x } = (await this.tpe.request({ cmd: 'ask' })) as { x: number[] };
      askMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const y = evaluate(x);
      await this.tpe.request({ cmd: 'tell', value: y });
      if (y < best.observed) best = { observed: y, x };
      if (task.budgets.includes(n)) regrets[n] = exact(best.x) - problem.optimumValue;
    }
    return { regrets, askMs, askCpuMs };
  }

  close(): void {
    this.tpe.close();
  }
}

function tpeAvailability(): { available: true; optuna: string; python: string } | { available: false; reason: string } {
  const r = spawnSync(PYTHON, [TPE_SCRIPT, '--version'], { encoding: 'utf8' });
  if (r.error) return { available: false, reason: `${PYTHON} could not be started: ${r.error.message}` };
  try {
    const reply = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, string>;
    if (r.status !== 0 || reply.error) return { available: false, reason: reply.error ?? `exit status ${r.status}: ${r.stderr}` };
    return { available: true, optuna: reply.optuna!, python: reply.python! };
  } catch {
    return { available: false, reason: `unexpected output: ${r.stdout} ${r.stderr}` };
  }
}

/** Runs Ballast tasks on forked workers (tsx in each), at most `workers` at a time. */
async function runBallastTasks(tasks: Task[], workers: number, onDone: () => void): Promise<RunResult[]> {
  const results: RunResult[] = new Array(tasks.length);
  let next = 0;
  const self = fileURLToPath(import.meta.url);
  const pool = Array.from({ length: Math.min(workers, tasks.length) }, () =>
    new Promise<void>((resolve, reject) => {
      const child = fork(self, ['--worker'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let current = -1;
      const feed = () => {
        if (next >= tasks.length) {
          child.disconnect();
          resolve();
          return;
        }
        current = next++;
        child.send(tasks[current]!);
      };
      child.on('message', (result: RunResult) => {
        results[current] = result;
        onDone();
        feed();
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        if (code !== 0 && code !== null) reject(new Error(`a benchmark worker exited with status ${code}`));
      });
      feed();
    }),
  );
  await Promise.all(pool);
  return results;
}

function quantile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const position = p * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

function summarise(values: number[]): { median: number; q25: number; q75: number; runs: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), q25: quantile(sorted, 0.25), q75: quantile(sorted, 0.75), runs: sorted.length };
}

/** The whole distribution of regrets over seeds, and each run's regret so a seed can be replayed. */
function distribution(values: number[], seeds: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    runs: values.length,
    min: sorted[0] ?? NaN,
    q25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    q75: quantile(sorted, 0.75),
    max: sorted[sorted.length - 1] ?? NaN,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    shareBelow001: values.filter((v) => v < 0.01).length / values.length,
    shareBelow005: values.filter((v) => v < 0.05).length / values.length,
    bySeed: Object.fromEntries(seeds.map((seed, i) => [seed, values[i]!])),
  };
}

function argument(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const REFERENCE_LOOP_NOTE =
  'CPU ms of one fixed scalar loop (the median of 5), at the start and at the end: on a shared VM the same code runs up to 1.5× slower at times, and the ask times move with it; compare them across runs only with this.';

/** The speed of this machine right now: the median CPU time of a fixed loop that allocates nothing. */
function referenceLoopMs(): number {
  const times: number[] = [];
  let sink = 0;
  for (let r = 0; r < 5; r++) {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < 50_000_000; i++) sink += i % 7;
    const cpu = process.cpuUsage(cpu0);
    times.push((cpu.user + cpu.system) / 1000);
  }
  if (sink < 0) throw new Error('unreachable');
  return Math.round(summarise(times).median);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const asJson = args.includes('--json');
  const quick = args.includes('--quick');
  const workers = Number(argument(args, '--workers') ?? 1);
  const seedList = argument(args, '--seeds');
  const runs = Number(argument(args, '--runs') ?? (quick ? 10 : 30));
  // Seeds below 2³¹ so every tool takes them as they are (Optuna, our mixSeed).
  const seeds = seedList
    ? seedList.split(',').map((v) => Number(v.trim()))
    : Array.from({ length: runs }, () => randomInt(0, 2 ** 31 - 1));
  if (seeds.some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`--seeds takes non-negative integers, got ${seedList}`);
  const withTpe = !args.includes('--no-tpe');
  const withNoisy = !quick && !args.includes('--no-noisy');
  const log = (message: string) => process.stderr.write(`${message}\n`);

  const budgetsFor = (problem: string): number[] => (problem === 'hartmann6' ? [20, 30, 40, 50, 100] : [20, 50]);
  const problemList = argument(args, '--problems')?.split(',') ?? Object.keys(PROBLEMS);
  for (const p of problemList) if (!(p in PROBLEMS)) throw new Error(`unknown problem ${p}; problems: ${Object.keys(PROBLEMS).join(', ')}`);
  const variants = problemList.flatMap((problem) => (withNoisy ? [false, true] : [false]).map((noisy) => ({ problem, noisy })));
  const tasks: Task[] = variants.flatMap((v) =>
    seeds.map((seed) => ({ ...v, seed, budgets: v.noisy ? [20, 50] : budgetsFor(v.problem) })),
  );
  const t0 = Date.now();
  const loadBefore = os.loadavg();
  const referenceBefore = referenceLoopMs();

  const tpe = withTpe ? tpeAvailability() : ({ available: false, reason: 'left out (--no-tpe)' } as const);
  log(
    `bo bench: seeds ${seeds.join(',')}; ${tasks.length} runs per method, ${workers} worker(s); TPE ${tpe.available ? `optuna ${tpe.optuna}` : `unavailable: ${tpe.reason}`}`,
  );

  let done = 0;
  // Ballast first and alone, TPE after it: the timing columns should not measure our own Python process.
  const ballastResults = await runBallastTasks(tasks, workers, () => {
    done++;
    if (done % 10 === 0 || done === tasks.length) log(`  ballast ${done}/${tasks.length} runs (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  });
  const chosenAblations = argument(args, '--ablations')?.split(',') ?? Object.keys(ABLATIONS);
  for (const a of chosenAblations) if (!(a in ABLATIONS)) throw new Error(`unknown ablation ${a}; ablations: ${Object.keys(ABLATIONS).join(', ')}`);
  // Ablations run on the noise-free problems with the defaults' budgets (Hartmann-6 to 100 evaluations).
  const ablationTasks = args.includes('--no-ablations')
    ? []
    : chosenAblations.flatMap((ablation) => tasks.filter((t) => !t.noisy).map((t) => ({ ...t, ablation })));
  const ablationResults = ablationTasks.length > 0 ? await runBallastTasks(ablationTasks, workers, () => {}) : [];
  if (ablationTasks.length > 0) log(`  ablations done (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  const empty: RunResult = { regrets: {}, askMs: [], askCpuMs: [] };
  const ablationColumns: Record<string, RunResult[]> = {};
  for (const name of Object.keys(ABLATIONS)) {
    ablationColumns[name] = tasks.map((t) => {
      const k = ablationTasks.findIndex((a) => a.ablation === name && a.problem === t.problem && a.noisy === t.noisy && a.seed === t.seed);
      return k >= 0 ? ablationResults[k]! : empty;
    });
  }
  const randomResults = tasks.map(runRandom);
  const tpeResults: Record<string, RunResult[]> = {};
  if (tpe.available) {
    const client = new TpeClient();
    for (const multivariate of [false, true]) {
      const key = multivariate ? 'tpeMultivariate' : 'tpe';
      tpeResults[key] = [];
      // Multivariate TPE on the noise-free problems only: it is the stronger peer there, and the noisy
      // variants would double the bench's time for a column nobody reads.
      for (const task of tasks) tpeResults[key].push(multivariate && task.noisy ? { regrets: {}, askMs: [], askCpuMs: [] } : await client.run(task, multivariate));
      log(`  ${key} done (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    client.close();
  }

  const methods: Record<string, RunResult[]> = { ballast: ballastResults, ...ablationColumns, random: randomResults, ...tpeResults };
  const problems: Record<string, unknown> = {};
  const table: string[] = [];
  const timingRanges = (maxBudget: number) =>
    [
      [1, 20],
      [21, 50],
      [51, 100],
      [91, 100],
    ].filter(([, to]) => to! <= maxBudget);
  for (const { problem, noisy } of variants) {
    const name = noisy ? `${problem}-noisy` : problem;
    const indices = tasks.flatMap((t, i) => (t.problem === problem && t.noisy === noisy ? [i] : []));
    const budgets = tasks[indices[0]!]!.budgets;
    const regret: Record<string, Record<number, ReturnType<typeof distribution>>> = {};
    for (const [method, results] of Object.entries(methods)) {
      if (indices.some((i) => results[i]!.regrets[budgets[0]!] === undefined)) continue;
      const reached = budgets.filter((b) => results[indices[0]!]!.regrets[b] !== undefined);
      regret[method] = Object.fromEntries(reached.map((b) => [b, distribution(indices.map((i) => Math.max(0, results[i]!.regrets[b]!)), seeds)]));
    }
    const timingOf = (results: RunResult[], key: 'askMs' | 'askCpuMs') => {
      const all = indices.flatMap((i) => results[i]![key]);
      if (all.length === 0) return null;
      return {
        median: summarise(all).median,
        mean: all.reduce((a, b) => a + b, 0) / all.length,
        medianByIteration: Object.fromEntries(
          timingRanges(Math.max(...budgets)).map(([from, to]) => [`${from}-${to}`, summarise(indices.flatMap((i) => results[i]![key].slice(from! - 1, to))).median]),
        ),
      };
    };
    const timing = { wallMsPerIteration: timingOf(ballastResults, 'askMs'), cpuMsPerIteration: timingOf(ballastResults, 'askCpuMs') };
    const ablationCpuMsPerIteration = Object.fromEntries(
      Object.entries(ablationColumns).flatMap(([name, results]) => {
        const t = timingOf(results, 'askCpuMs');
        return t === null ? [] : [[name, t.medianByIteration]];
      }),
    );
    // Each ablation against the defaults on the same seeds: a paired count says more than two shares that each carry
    // a sampling error of several points at 30 seeds.
    const pairedAgainstDefaults = Object.fromEntries(
      Object.entries(ablationColumns).flatMap(([ablation, results]) => {
        if (indices.some((i) => results[i]!.regrets[budgets[0]!] === undefined)) return [];
        return [[ablation, Object.fromEntries(budgets.filter((b) => results[indices[0]!]!.regrets[b] !== undefined).map((b) => [b, paired(indices, b, ballastResults, results)]))]];
      }),
    );
    const info = PROBLEMS[problem]!;
    problems[name] = {
      dimension: info.dimension,
      bounds: { lower: info.lower, upper: info.upper },
      optimumValue: info.optimumValue,
      noiseSd: noisy ? DEFAULT_NOISE_SD[problem] : 0,
      budgets,
      regret,
      pairedAgainstDefaults,
      ballastTiming: timing,
      ablationCpuMsPerIteration,
      tpeWallMsPerAsk: tpeResults.tpe ? timingOf(tpeResults.tpe, 'askMs') : null,
    };
    for (const b of budgets) {
      const cells = Object.entries(regret).filter(([, r]) => r[b] !== undefined).map(
        ([m, r]) => `${m} ${r[b]!.median.toExponential(1)} [${r[b]!.q25.toExponential(1)}, ${r[b]!.q75.toExponential(1)}] <.01 ${(100 * r[b]!.shareBelow001).toFixed(0)}% <.05 ${(100 * r[b]!.shareBelow005).toFixed(0)}%`,
      );
      table.push(`${name.padEnd(16)} n=${String(b).padEnd(3)} ${cells.join(' | ')}`);
    }
    const rounded = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k}: ${v.toFixed(1)}`).join(', ');
    table.push(
      `${name.padEnd(16)} ballast ms per iteration (median) wall ${rounded(timing.wallMsPerIteration!.medianByIteration)}; cpu ${rounded(timing.cpuMsPerIteration!.medianByIteration)}`,
    );
  }

  type Summary = { regret: Record<string, Record<number, ReturnType<typeof distribution>>>; ballastTiming: { wallMsPerIteration: { medianByIteration: Record<string, number> }; cpuMsPerIteration: { medianByIteration: Record<string, number> } } };
  const h6 = problems.hartmann6 as Summary | undefined;
  const ballastH6 = h6?.regret.ballast?.[50];
  const timingAt100 = h6?.ballastTiming.cpuMsPerIteration.medianByIteration['91-100'];
  // The goal is stated over 30 seeds drawn at random: a smaller draw, or seeds given by hand (a replay), is reported
  // but not judged — five seeds once showed 100 % below 0.05 where 300 fresh seeds show about 63 %.
  const qualityJudged = !seedList && seeds.length >= 30;
  const targets = !h6 || !ballastH6 ? null : {
    hartmann6Quality: {
      description: 'Hartmann-6, 50 evaluations, at least 30 seeds drawn at random: median regret < 0.01 and at least 80 % of runs below 0.05',
      median: ballastH6.median,
      shareBelow005: ballastH6.shareBelow005,
      shareBelow005Interval95: wilsonInterval(Math.round(ballastH6.shareBelow005 * seeds.length), seeds.length),
      runs: seeds.length,
      met: !qualityJudged ? null : ballastH6.median < 0.01 && ballastH6.shareBelow005 >= 0.8,
      ...(!qualityJudged
        ? { notJudged: seedList ? 'seeds given with --seeds (a replay or a hand-picked set)' : `${seeds.length} seeds; the goal is judged on at least 30` }
        : {}),
      tpeMedian: h6.regret.tpe?.[50]?.median ?? null,
      tpeMultivariateMedian: h6.regret.tpeMultivariate?.[50]?.median ?? null,
    },
    hartmann6Speed: {
      description: 'Hartmann-6: CPU ms per ask at 91–100 evaluations (median over asks and seeds) ≤ 25',
      cpuMsPerIteration: timingAt100 ?? null,
      wallMsPerIteration: h6.ballastTiming.wallMsPerIteration.medianByIteration['91-100'] ?? null,
      met: timingAt100 === undefined ? null : timingAt100 <= 25,
    },
  };

  const out = {
    suite: 'bo',
    node: process.version,
    date: new Date().toISOString(),
    quick,
    seeds,
    replay: `npm run bench -- bo${quick ? ' --quick' : ''} --seeds ${seeds.join(',')}`,
    wallSeconds: (Date.now() - t0) / 1000,
    machine: {
      cpus: os.availableParallelism(),
      loadAverageAtStart: loadBefore,
      loadAverageAtEnd: os.loadavg(),
      workers,
      referenceLoopMs: { atStart: referenceBefore, atEnd: referenceLoopMs(), note: REFERENCE_LOOP_NOTE },
    },
    methods: {
      ballast: {
        options: {
          ...BALLAST_OPTIONS,
          note: 'BayesianOptimizer defaults (logEI, Matérn-5/2 ARD with Gamma(3, 6) lengthscale prior, initial design min(20, max(4, d)), GP fit warm-started from the previous ask (cold start every 10th ask), 8 restarts, 512 raw samples)',
        },
      },
      ...Object.fromEntries(
        Object.keys(ABLATIONS).map((name) => [
          name,
          { options: Object.fromEntries(problemList.map((p) => [p, ablationOptions(name, PROBLEMS[p]!)])), problems: 'noise-free, budgets as the defaults' },
        ]),
      ),
      random: { recommendation: 'best observation' },
      tpe: tpe.available ? { ...tpe, sampler: 'TPESampler(seed) defaults', recommendation: 'best observation' } : tpe,
      tpeMultivariate: tpe.available ? { sampler: 'TPESampler(seed, multivariate=True)', problems: 'noise-free only' } : tpe,
    },
    problems,
    targets,
  };
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results', 'bo.json'), `${JSON.stringify(out, null, 2)}\n`);
  if (!asJson) {
    console.log(table.join('\n'));
    console.log(`targets: ${JSON.stringify(targets)}`);
    console.log(`seeds: ${seeds.join(',')}`);
    console.log('written to bench/results/bo.json');
  } else {
    console.log(JSON.stringify(out, null, 2));
  }
}

if (process.argv.includes('--worker')) {
  process.on('message', (task: Task) => process.send!(runBallast(task)));
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
