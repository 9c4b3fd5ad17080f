// Allocator benchmark: cost of one allocate() on 50 US stocks and agreement with cvxopt.
//
// Problems are real: Ledoit–Wolf covariances of the trailing 252 daily returns of the 50-stock panel in
// ../shared/data/us_equity50_daily, ERC anchors (riskBudgetWeights), GICS sectors as asset classes, and a
// current portfolio that is the previous decision's target drifted by the realised returns in between. The
// forecast is synthetic and seeded (μ ~ N(0, 1.2 %) over 21 days, epistemic sd 0.5–2 %): the allocator's speed
// does not depend on where μ came from. Timings are wall-clock and CPU time (the machine is shared; CPU time is
// the steadier number), the load average is recorded. The cvxopt agreement is computed live when
// /usr/bin/python3 has cvxopt, else against the committed fixture.
//   node --import tsx bench/allocator.bench.ts [--json] [--dates 24] [--repeat 5]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type AllocateOptions, type AllocationProblem, type AllocationResult, type QpSolverName, allocate } from '../src/main/engine/allocate';
import { matrixFromData } from '../src/main/engine/math/linalg';
import { type CvxoptFixtureCase, problemFromCvxoptCase } from '../src/main/engine/allocate/cvxoptFixture';
import { createRng } from '../src/main/engine/math/random';
import { ledoitWolfCovariance } from '../src/main/engine/risk/covariance';
import { riskBudgetWeights } from '../src/main/engine/risk/riskBudgeting';
import { ConstraintSettings } from '../src/shared/strategy';
import { quantile } from './stats';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const jsonOnly = args.includes("--json");
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const dates = option('--dates', 24);
const repeat = option('--repeat', 5);
const loadAtStart = loadavg()[0];
const log = (line: string) => {
  if (!jsonOnly) console.error(line);
};

const HORIZON = 21;
const LOOKBACK = 252;
const SECTORS: Record<string, string[]> = {
  tech: ['AAPL', 'MSFT', 'INTC', 'CSCO', 'IBM', 'QCOM', 'TXN', 'AMZN'],
  health: ['JNJ', 'PFE', 'MRK', 'ABT', 'AMGN', 'LLY', 'MDT'],
  financials: ['JPM', 'BAC', 'WFC', 'C', 'AXP', 'GS', 'AIG'],
  staples: ['PG', 'KO', 'PEP', 'WMT', 'COST', 'MO'],
  discretionary: ['HD', 'MCD', 'NKE', 'DIS', 'SBUX'],
  industrials: ['GE', 'CAT', 'MMM', 'HON', 'BA', 'UNP'],
  energy: ['XOM', 'CVX', 'COP', 'SLB'],
  utilities: ['DUK', 'NEE'],
  materials: ['APD', 'NEM'],
  telecom: ['T', 'VZ'],
  realestate: ['SPG'],
};

function loadPanel(): { tickers: string[]; prices: number[][]; source: string } {
  const file = path.join(root, '../shared/data/us_equity50_daily/us50_adjclose_2000_2026.csv.gz');
  if (!existsSync(file)) throw new Error(`${file} not found: the allocator benchmark needs the shared US-50 panel`);
  const lines = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
  const tickers = lines[0]!.split(',').slice(1);
  return { tickers, prices: lines.slice(1).map((l) => l.split(',').slice(1).map(Number)), source: path.relative(root, file) };
}

interface Market {
  t: number;
  covariance: Float64Array;
  anchor: Float64Array;
  mu: Float64Array;
  epistemic: Float64Array;
}

function markets(panel: ReturnType<typeof loadPanel>, cashFloor: number): Market[] {
  const n = panel.tickers.length;
  const out: Market[] = [];
  const step = Math.floor((panel.prices.length - LOOKBACK - HORIZON - 1) / dates);
  for (let k = 0; k < dates; k++) {
    const t = LOOKBACK + 1 + k * step;
    const R = new Float64Array(LOOKBACK * n);
    for (let r = 0; r < LOOKBACK; r++) {
      for (let j = 0; j < n; j++) R[r * n + j] = panel.prices[t - LOOKBACK + r]![j]! / panel.prices[t - LOOKBACK + r - 1]![j]! - 1;
    }
    const daily = ledoitWolfCovariance(matrixFromData(LOOKBACK, n, R)).covariance;
    const erc = riskBudgetWeights(daily).weights;
    const rng = createRng(1000 + k);
    out.push({
      t,
      covariance: Float64Array.from(daily.data, (x) => x * HORIZON),
      anchor: Float64Array.from(erc, (w) => w * (1 - cashFloor)),
      mu: Float64Array.from({ length: n }, () => 0.012 * rng.normal()),
      epistemic: Float64Array.from({ length: n }, () => (0.005 + 0.015 * rng.next()) ** 2),
    });
  }
  return out;
}

interface Config {
  name: string;
  te: number;
  bps: number;
  impact: number;
  constraints: Parameters<typeof ConstraintSettings.parse>[0];
}

const CONFIGS: Config[] = [
  { name: 'no costs', te: 0, bps: 0, impact: 0, constraints: { maxWeight: 0.1 } },
  { name: '5 bps', te: 0, bps: 5, impact: 0, constraints: { maxWeight: 0.1 } },
  { name: '5 bps + TE 4 %', te: 0.04, bps: 5, impact: 0, constraints: { maxWeight: 0.1 } },
  {
    name: 'default mandate: 5 bps, TE 4 %, turnover 20 %, sectors ≤ 25 %, restricted, min trade 0.25 %',
    te: 0.04,
    bps: 5,
    impact: 0,
    constraints: {
      maxWeight: 0.1,
      turnoverCap: 0.2,
      minTradeWeight: 0.0025,
      classLimits: Object.fromEntries(Object.keys(SECTORS).map((s) => [s, { max: 0.25 }])),
      noBuy: ['MO'],
      noSell: ['JNJ'],
      excluded: ['AIG'],
    },
  },
  { name: '5 bps + square-root impact (k = 0.5) + TE 4 %', te: 0.04, bps: 5, impact: 0.5, constraints: { maxWeight: 0.1 } },
];

type WarmStart = NonNullable<AllocateOptions['warmStart']>;

/** The decisions of one configuration in date order, each with the previous decision's answer as a warm start. */
function problemsFor(config: Config, panel: ReturnType<typeof loadPanel>, ms: Market[]): { problems: AllocationProblem[]; hints: (WarmStart | undefined)[] } {
  const n = panel.tickers.length;
  const classOf = new Map(Object.entries(SECTORS).flatMap(([s, ts]) => ts.map((t) => [t, s] as const)));
  const constraints = ConstraintSettings.parse(config.constraints);
  const problems: AllocationProblem[] = [];
  const hints: (WarmStart | undefined)[] = [];
  let hint: WarmStart | undefined;
  let current: Float64Array = Float64Array.from(ms[0]!.anchor);
  let previousT = ms[0]!.t;
  for (const m of ms) {
    // Drift the last target with the realised returns since it was set (cash earns nothing here).
    const drifted = Float64Array.from(current, (w, j) => w * (panel.prices[m.t]![j]! / panel.prices[previousT]![j]!));
    const scale = 1 / (1 - current.reduce((a, b) => a + b, 0) + drifted.reduce((a, b) => a + b, 0));
    const vol = Float64Array.from({ length: n }, (_, j) => Math.sqrt(m.covariance[j * n + j]! / HORIZON));
    const p: AllocationProblem = {
      tickers: panel.tickers,
      assetClasses: panel.tickers.map((t) => classOf.get(t) ?? 'other'),
      current: Float64Array.from(drifted, (w) => w * scale),
      anchor: m.anchor,
      expectedReturns: m.mu,
      epistemicVariance: m.epistemic,
      covariance: matrixFromData(n, n, m.covariance),
      horizonDays: HORIZON,
      riskAversion: 10,
      uncertaintyPenalty: 1,
      trackingErrorBudget: config.te,
      costs: {
        bpsPerSide: config.bps,
        impactCoefficient: config.impact,
        dailyVolatility: vol,
        // Average daily traded value: a flat 200 M per name against a 2 bn account makes impact matter.
        adv: new Float64Array(n).fill(2e8),
        portfolioValue: 2e9,
      },
      constraints,
    };
    problems.push(p);
    hints.push(hint);
    const r = allocate(p);
    if (r.ok) {
      current = r.weights;
      hint = { weights: r.weights, trackingErrorMultiplier: r.trackingErrorMultiplier };
    }
    previousT = m.t;
  }
  return { problems, hints };
}

/** Median wall and CPU time of `repeat` runs per problem, then quantiles across problems. */
function timeProblems(problems: AllocationProblem[], solver: QpSolverName = 'goldfarb-idnani', reps = repeat, hints?: (WarmStart | undefined)[]) {
  const wall: number[] = [];
  const cpu: number[] = [];
  const solves: number[] = [];
  let infeasible = 0;
  let teBinding = 0;
  for (const [k, p] of problems.entries()) {
    const warmStart = hints?.[k];
    const w: number[] = [];
    const c: number[] = [];
    let last: AllocationResult | null = null;
    for (let r = 0; r < reps + 1; r++) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      last = allocate(p, { solver, warmStart });
      const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
      const used = process.cpuUsage(c0);
      if (r === 0) continue; // warm-up
      w.push(elapsed);
      c.push((used.user + used.system) / 1e3);
    }
    w.sort((a, b) => a - b);
    c.sort((a, b) => a - b);
    wall.push(quantile(w, 0.5));
    cpu.push(quantile(c, 0.5));
    if (last && last.ok) {
      solves.push(last.iterations);
      if (last.binding.includes('tracking-error budget')) teBinding++;
    } else infeasible++;
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  solves.sort((a, b) => a - b);
  return {
    problems: problems.length,
    wallMs: { p50: quantile(wall, 0.5), p90: quantile(wall, 0.9), max: wall[wall.length - 1]! },
    cpuMs: { p50: quantile(cpu, 0.5), p90: quantile(cpu, 0.9) },
    qpSolves: { p50: solves.length ? quantile(solves, 0.5) : null, max: solves.length ? solves[solves.length - 1]! : null },
    trackingErrorBinding: teBinding,
    infeasible,
  };
}

/** 32 re-solves of one decision, as exact grouped Shapley attribution over five input groups would do. */
function shapleyStyle(p: AllocationProblem) {
  const n = p.tickers.length;
  const diagonal = new Float64Array(n * n);
  for (let i = 0; i < n; i++) diagonal[i * n + i] = p.covariance.data[i * n + i]!;
  const variants: AllocationProblem[] = [];
  for (let mask = 0; mask < 32; mask++) {
    variants.push({
      ...p,
      expectedReturns: mask & 1 ? p.expectedReturns : new Float64Array(n),
      uncertaintyPenalty: mask & 2 ? p.uncertaintyPenalty : 0,
      covariance: mask & 4 ? p.covariance : matrixFromData(n, n, diagonal),
      costs: mask & 8 ? p.costs : { bpsPerSide: 0, impactCoefficient: 0 },
      constraints: mask & 16 ? p.constraints : ConstraintSettings.parse({ maxWeight: 1, minTradeWeight: 0, cashFloor: p.constraints.cashFloor }),
    });
  }
  const full = allocate(p);
  const warmStart = full.ok ? { trackingErrorMultiplier: full.trackingErrorMultiplier } : undefined;
  const run = (options: AllocateOptions) => {
    const totals: number[] = [];
    let solves = 0;
    for (let r = 0; r < repeat + 1; r++) {
      const t0 = process.hrtime.bigint();
      solves = 0;
      for (const v of variants) {
        const out = allocate(v, options);
        if (out.ok) solves += out.iterations;
      }
      if (r > 0) totals.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    totals.sort((a, b) => a - b);
    return { totalMs: { p50: quantile(totals, 0.5), min: totals[0]! }, qpSolves: solves };
  };
  return { allocations: 32, cold: run({}), warmWithFullDecisionMultiplier: run({ warmStart }) };
}

function agreement() {
  const python = '/usr/bin/python3';
  let source = 'fixture';
  let text = readFileSync(path.join(root, 'src/main/engine/allocate/__fixtures__/allocator-cvxopt.json'), 'utf8');
  if (spawnSync(python, ['-c', 'import cvxopt, scipy'], { encoding: 'utf8' }).status === 0) {
    const run = spawnSync(python, [path.join(root, 'bench/reference/allocator_cvxopt.py'), '--stdout'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status === 0) {
      source = 'live';
      text = run.stdout;
    } else log(`allocator_cvxopt.py failed (${run.stderr.trim().split('\n').pop()}); using the committed fixture`);
  }
  const cases = (JSON.parse(text) as { cases: CvxoptFixtureCase[] }).cases.map((c) => {
    const p = problemFromCvxoptCase(c);
    const r = allocate(p);
    const maxAbsWeightDifference = r.ok ? Math.max(...Array.from(r.weights, (w, i) => Math.abs(w - c.expected.weights[i]!))) : null;
    return { name: c.name, n: c.tickers.length, maxAbsWeightDifference };
  });
  const worst = Math.max(...cases.map((c) => c.maxAbsWeightDifference ?? Number.POSITIVE_INFINITY));
  return { source, tolerance: 1e-6, pass: worst <= 1e-6, worst, cases };
}

const panel = loadPanel();
log(`panel ${panel.source}: ${panel.tickers.length} assets × ${panel.prices.length} days; ${dates} decision dates, ${repeat} timed runs each`);
const ms = markets(panel, 0.02);
const byConfig = CONFIGS.map((config) => {
  const { problems, hints } = problemsFor(config, panel, ms);
  const cold = timeProblems(problems);
  const warm = timeProblems(problems, 'goldfarb-idnani', repeat, hints);
  log(
    `${config.name}: wall p50 ${cold.wallMs.p50.toFixed(2)} ms (p90 ${cold.wallMs.p90.toFixed(2)}), CPU p50 ${cold.cpuMs.p50.toFixed(2)} ms, ` +
      `QP solves p50 ${cold.qpSolves.p50}, TE binding ${cold.trackingErrorBinding}/${cold.problems}, infeasible ${cold.infeasible}; ` +
      `warm-started from the previous decision: CPU p50 ${warm.cpuMs.p50.toFixed(2)} ms, QP solves p50 ${warm.qpSolves.p50}`,
  );
  return { config: config.name, cold, warmFromPreviousDecision: warm, problemsList: problems };
});
const mandate = byConfig[3]!.problemsList;
const shapley = shapleyStyle(mandate[Math.floor(mandate.length / 2)]!);
log(
  `32 Shapley-style allocations of one default-mandate decision: p50 ${shapley.cold.totalMs.p50.toFixed(1)} ms (${shapley.cold.qpSolves} QP solves); ` +
    `with the full decision's TE multiplier as a warm start ${shapley.warmWithFullDecisionMultiplier.totalMs.p50.toFixed(1)} ms (${shapley.warmWithFullDecisionMultiplier.qpSolves})`,
);
// The npm quadprog package on the same QPs: why the engine carries its own Goldfarb–Idnani (a few problems only).
const npmQuadprog = timeProblems(byConfig[2]!.problemsList.slice(0, 3), 'quadprog', 1);
log(`same QPs through npm quadprog (5 bps + TE): wall p50 ${npmQuadprog.wallMs.p50.toFixed(1)} ms`);
const cvxopt = agreement();
log(`cvxopt agreement (${cvxopt.source}): worst |Δw| ${cvxopt.worst.toExponential(2)} (${cvxopt.pass ? 'pass' : 'FAIL'} at 1e-6)`);

const machine = { cpu: cpus()[0]?.model, cores: cpus().length, loadAverage: { start: loadAtStart, end: loadavg()[0] } };
const results = {
  universe: { source: panel.source, assets: panel.tickers.length, decisions: dates, horizonDays: HORIZON, lookbackDays: LOOKBACK },
  targets: { perSolveP50Ms: '2–3 (brief); whole decision incl. 32 Shapley re-solves 25 ms (issue 7)' },
  timings: byConfig.map(({ problemsList: _p, ...rest }) => rest),
  shapley32: shapley,
  npmQuadprog: { config: byConfig[2]!.config, ...npmQuadprog },
  agreement: cvxopt,
};
const out = { suite: 'allocator', node: process.version, date: new Date().toISOString(), machine, results };
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(root, 'bench', 'results', 'allocator.json'), JSON.stringify(out, null, 2));
console.log(JSON.stringify(out, null, 2));
