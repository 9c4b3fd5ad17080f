// Bayesian-optimisation benchmark: median simple regret of Ballast BO, random search and Optuna TPE
// (bench/reference/optuna_tpe.py, Debian python3-optuna) on Branin, Hartmann-6 and Ackley-5, noise-free
// and noisy, over many seeds and budgets, plus Ballast's wall time per iteration.
//
//   node --import tsx bench/bo.bench.ts [--json] [--quick] [--workers N]
//
// Regret is f(recommended) − f*, always on the noise-free function. Recommendations: the best observation
// for noise-free problems; for noisy ones Ballast recommends by posterior mean (`best()`), random search and
// TPE by best noisy observation (what their users get from `study.best_trial`). Budgets are read off one run
// of the largest budget ("anytime" regret), so every method sees the same evaluation sequence per budget.
// Writes bench/results/bo.json; --json prints only that document.
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BayesianOptimizer, type BayesianOptimizerOptions } from '../src/main/engine/bo';
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

const root = path.resolve(import.meta.dirname, '..');
const PYTHON = '/usr/bin/python3';
const TPE_SCRIPT = path.join(root, 'bench', 'reference', 'optuna_tpe.py');
const PROBLEMS: Record<string, TestProblem> = { branin, hartmann6, ackley5 };

/** Ballast settings under test: the optimiser's defaults, written out so the results say what ran. */
const BALLAST_OPTIONS: Omit<BayesianOptimizerOptions, 'space' | 'seed' | 'direction'> = {};

interface Task {
  problem: string;
  noisy: boolean;
  seed: number;
  budgets: number[];
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
    ...BALLAST_OPTIONS,
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
  private readonly child: ChildProcess;
  private readonly lines: AsyncIterableIterator<string>;

  constructor() {
    this.child = spawn(PYTHON, [TPE_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  private async request(message: object): Promise<Record<string, unknown>> {
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the TPE process ended early');
    const reply = JSON.parse(value) as Record<string, unknown>;
    if ('error' in reply) throw new Error(String(reply.error));
    return reply;
  }

  async run(task: Task, multivariate: boolean): Promise<RunResult> {
    const { evaluate, exact, problem } = objectiveFor(task);
    await this.request({ cmd: 'start', dimension: problem.dimension, lower: problem.lower, upper: problem.upper, seed: task.seed, multivariate });
    const regrets: Record<number, number> = {};
    const askMs: number[] = [];
    const askCpuMs: number[] = [];
    let best = { observed: Infinity, x: [] as number[] };
    for (let n = 1; n <= Math.max(...task.budgets); n++) {
      const t0 = process.hrtime.bigint();
      const { x } = (await this.request({ cmd: 'ask' })) as { x: number[] };
      askMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const y = evaluate(x);
      await this.request({ cmd: 'tell', value: y });
      if (y < best.observed) best = { observed: y, x };
      if (task.budgets.includes(n)) regrets[n] = exact(best.x) - problem.optimumValue;
    }
    return { regrets, askMs, askCpuMs };
  }

  close(): void {
    this.child.stdin!.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
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

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const asJson = args.includes('--json');
  const quick = args.includes('--quick');
  const workerArg = args.indexOf('--workers');
  const workers = workerArg >= 0 ? Number(args[workerArg + 1]) : Math.max(1, Math.min(2, os.availableParallelism()));
  const seeds = quick ? 5 : 20;
  const budgets = quick ? [20, 50] : [20, 50, 100];
  const log = (message: string) => process.stderr.write(`${message}\n`);

  const variants = Object.keys(PROBLEMS).flatMap((problem) => [false, true].map((noisy) => ({ problem, noisy })));
  const tasks: Task[] = variants.flatMap((v) => Array.from({ length: seeds }, (_, seed) => ({ ...v, seed, budgets })));
  const t0 = Date.now();
  const loadBefore = os.loadavg();

  const tpe = tpeAvailability();
  log(`bo bench: ${tasks.length} runs per method, budgets ${budgets.join('/')}, ${workers} worker(s); TPE ${tpe.available ? `optuna ${tpe.optuna}` : `unavailable: ${tpe.reason}`}`);

  let done = 0;
  const ballastPromise = runBallastTasks(tasks, workers, () => {
    done++;
    if (done % 10 === 0 || done === tasks.length) log(`  ballast ${done}/${tasks.length} runs (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  });
  const randomResults = tasks.map(runRandom);
  const tpeResults: Record<string, RunResult[]> = {};
  if (tpe.available) {
    const client = new TpeClient();
    for (const multivariate of [false, true]) {
      const key = multivariate ? 'tpeMultivariate' : 'tpe';
      tpeResults[key] = [];
      for (const task of tasks) tpeResults[key].push(await client.run(task, multivariate));
      log(`  ${key} done (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    client.close();
  }
  const ballastResults = await ballastPromise;

  const methods: Record<string, RunResult[]> = { ballast: ballastResults, random: randomResults, ...tpeResults };
  const problems: Record<string, unknown> = {};
  const table: string[] = [];
  for (const { problem, noisy } of variants) {
    const name = noisy ? `${problem}-noisy` : problem;
    const indices = tasks.flatMap((t, i) => (t.problem === problem && t.noisy === noisy ? [i] : []));
    const regret: Record<string, Record<number, ReturnType<typeof summarise>>> = {};
    for (const [method, results] of Object.entries(methods)) {
      regret[method] = Object.fromEntries(budgets.map((b) => [b, summarise(indices.map((i) => Math.max(0, results[i]!.regrets[b]!)))]));
    }
    const ranges = [
      [1, 20],
      [21, 50],
      [51, 100],
    ].filter(([from]) => from! <= Math.max(...budgets));
    const timingOf = (key: 'askMs' | 'askCpuMs') => {
      const all = indices.flatMap((i) => ballastResults[i]![key]);
      return {
        median: summarise(all).median,
        mean: all.reduce((a, b) => a + b, 0) / all.length,
        medianByIteration: Object.fromEntries(
          ranges.map(([from, to]) => [
            `${from}-${Math.min(to!, Math.max(...budgets))}`,
            summarise(indices.flatMap((i) => ballastResults[i]![key].slice(from! - 1, to))).median,
          ]),
        ),
      };
    };
    const timing = { wallMsPerIteration: timingOf('askMs'), cpuMsPerIteration: timingOf('askCpuMs') };
    const info = PROBLEMS[problem]!;
    problems[name] = {
      dimension: info.dimension,
      bounds: { lower: info.lower, upper: info.upper },
      optimumValue: info.optimumValue,
      noiseSd: noisy ? DEFAULT_NOISE_SD[problem] : 0,
      medianRegret: regret,
      ballastTiming: timing,
    };
    for (const b of budgets) {
      const cells = Object.keys(methods).map((m) => `${m} ${regret[m]![b]!.median.toExponential(2)}`);
      table.push(`${name.padEnd(16)} n=${String(b).padEnd(3)} ${cells.join('  ')}`);
    }
    const rounded = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k}: ${v.toFixed(0)}`).join(', ');
    table.push(
      `${name.padEnd(16)} ballast ms per iteration (median) wall ${rounded(timing.wallMsPerIteration.medianByIteration)}; cpu ${rounded(timing.cpuMsPerIteration.medianByIteration)}`,
    );
  }

  const h6 = problems.hartmann6 as { medianRegret: Record<string, Record<number, { median: number }>> };
  const ballastH6 = h6.medianRegret.ballast![50]!.median;
  const bestTpe = tpe.available
    ? Math.min(h6.medianRegret.tpe![50]!.median, h6.medianRegret.tpeMultivariate![50]!.median)
    : NaN;
  const target = {
    description: 'Hartmann-6, 50 evaluations: Ballast median regret below 0.05 and at least 10× below TPE (the better of the two TPE variants) in the same run',
    ballastMedianRegret: ballastH6,
    bestTpeMedianRegret: bestTpe,
    ratio: bestTpe / ballastH6,
    below005: ballastH6 < 0.05,
    tenTimesBetterThanTpe: tpe.available ? bestTpe >= 10 * ballastH6 : null,
  };

  const out = {
    suite: 'bo',
    node: process.version,
    date: new Date().toISOString(),
    quick,
    seeds,
    budgets,
    wallSeconds: (Date.now() - t0) / 1000,
    machine: { cpus: os.availableParallelism(), loadAverageAtStart: loadBefore, loadAverageAtEnd: os.loadavg(), workers },
    methods: {
      ballast: { options: { ...BALLAST_OPTIONS, note: 'BayesianOptimizer defaults (logEI, Matérn-5/2 ARD, initial design min(20, max(4, 2d+1)), 8 restarts, 1024 raw samples)' } },
      random: { recommendation: 'best observation' },
      tpe: tpe.available
        ? { ...tpe, sampler: 'TPESampler(seed) defaults', recommendation: 'best observation' }
        : tpe,
      tpeMultivariate: tpe.available ? { sampler: 'TPESampler(seed, multivariate=True)' } : tpe,
    },
    problems,
    target,
  };
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results', 'bo.json'), `${JSON.stringify(out, null, 2)}\n`);
  if (!asJson) {
    console.log(table.join('\n'));
    console.log(`target: ${JSON.stringify(target)}`);
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
