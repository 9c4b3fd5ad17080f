/**
 * Tuning θ for an account (issue 8): a Bayesian-optimisation run over the strategy's parameters on nested
 * walk-forward backtests, persisted batch by batch, resumable, evaluated in parallel on the worker pool, and
 * used by proposals only once a PM accepts it.
 *
 * Where things run:
 *  - main thread (this handler): the optimiser's ask/tell (milliseconds), the store writes, progress;
 *  - pool job 'tuning.prepare' (once per new run): the account's universe, its forecasts through
 *    `ensureForecasts` (trained only when the data moved past the stored model run), the folds;
 *  - pool jobs 'tuning.evaluate' (a batch's q points side by side): one θ backtested on the validation folds (or, at
 *    the end, on the test window). Each point's folds are cut into consecutive pieces, one job each, about two
 *    jobs per worker per batch (`foldPieces`), so a batch of one still uses every worker; the pieces join to exactly the
 *    evaluation a single job gives (`joinPieces`). Each worker reads the panel and the stored forecasts of the run's
 *    model run once and keeps them (keyed by database, model run, universe and end date) — never retrains.
 *
 * Persistence: each batch's observations and the search's new tuner state are committed in one transaction,
 * so `tuning.get` shows a live run's evaluations as they land, and `{ resume: runId }` continues a cancelled or
 * killed run from its last committed batch. A run records the process running it (pid, host, a heartbeat per
 * batch); one whose process is gone reads as 'interrupted' (store/tuning.ts, `ownerAlive`) and a resume takes it
 * over, while a run another live process is running is refused; the tuner is deterministic given its state and outcomes, so the
 * resumed run ends with exactly the result of an uninterrupted one (a batch half-done at kill time is asked and
 * evaluated again).
 *
 * Warm start: a new run on the same account and search space starts from the previous run's best points —
 * re-evaluated on the new folds (the data moved, so old scores are stale) and told to the optimiser as external
 * trials. They are backtests, so they count against the budget.
 */
import { randomInt } from 'node:crypto';
import type { MethodInput, MethodOutput } from '../../shared/api';
import { BallastError } from '../../shared/errors';
import { StrategyParameters, type StrategyParameters as Theta } from '../../shared/strategy';
import {
  TuningRunInput,
  type TuningConstraint,
  type TuningEvaluation,
  type TuningObjective,
  type TuningParameter,
  type TuningPrior,
  type TuningRunParsedInput,
  type TuningRunReport,
  type TuningRunSummary,
  type TuningSearch,
  type TuningSearchSummary,
  type TuningSurrogateSlice,
  type TuningUntuned,
  type TuningValues,
} from '../../shared/tuning';
import type { PerformanceMetrics } from '../engine/backtest';
import type { PricePanel } from '../engine/features/panel';
import type { ForecastSet } from '../engine/forecast/types';
import { mixSeed } from '../engine/math/random';
import {
  DEFAULT_TUNING_SPACE,
  Tuner,
  bestSoFar,
  driveSearch,
  backtestWindows,
  combineWindows,
  deflatedSharpeRatio,
  evaluationsTo95,
  invalidTheta,
  maxLookbackDays,
  parameterImportance,
  planFolds,
  returnsBehind,
  surrogateSlice,
  thetaFor,
  validateTuningSpace,
  optimizerPriors,
  type Candidate,
  type FoldPlan,
  type TunerConfig,
  type TunerObservation,
  type TunerOutcome,
  type TunerState,
  type WindowOutcome,
} from '../engine/tuning';
import type { JobContext } from '../jobs/protocol';
import type { Store, TuningObservationRecord, TuningRunRecord } from '../store';
import type { AppContext } from './context';
import type { CallContext } from './dispatch';
import { ensureForecasts } from './forecasts';
import { loadMarketPanel } from './market-panel';
import { requireAccount } from './portfolio';
import { forecastConfigSetting, strategySettings } from './proposal-records';
import { tradableUniverse } from './proposals';

/** Previous-run points re-evaluated at the start of a warm-started run: at most this many, and a quarter of the budget. */
const WARM_START_POINTS = 5;
/** Stream labels mixed with the run's seed for the comparison searches. */
const SEED_STREAM = { random: 101, grid: 102 } as const;

// ---------------------------------------------------------------------------------------------------------------
// Pool jobs

export interface TuningPrepareInput {
  accountId: string;
  base: Theta;
  space: TuningParameter[];
  folds: number;
  testYears: number;
}

export interface TuningPrepared {
  tickers: string[];
  modelRunId: number;
  plan: FoldPlan;
}

/**
 * The account's universe (`tradableUniverse`, the one its proposals allocate across: every tradable holding plus every
 * security with current prices and more history than θ's lookback), its stored forecasts (trained once if missing)
 * and the folds.
 */
export async function prepareTuningJob(store: Store, input: TuningPrepareInput, job: JobContext): Promise<TuningPrepared> {
  const { universe, asOf } = tradableUniverse(store, input.accountId, input.base.covariance.lookbackDays, 'tune');
  const market = loadMarketPanel(store, { tickers: universe.map((s) => s.ticker), to: asOf });
  job.progress('Forecast model', 0, 1);
  const ensured = await ensureForecasts(store, market, forecastConfigSetting(store), job);
  if (ensured.forecasts.dates.length === 0) throw new BallastError('INSUFFICIENT_DATA', 'The price history is too short for walk-forward forecasts, so there is nothing to tune on.');
  const plan = planFolds(market.panel.dates, ensured.forecasts.dates[0]!, { folds: input.folds, testYears: input.testYears, maxLookbackDays: maxLookbackDays(input.space, input.base) });
  return { tickers: [...market.panel.tickers], modelRunId: ensured.runId, plan };
}

export interface TuningEvaluateInput {
  modelRunId: number;
  tickers: string[];
  base: Theta;
  objective: TuningObjective;
  constraints: TuningConstraint[];
  plan: FoldPlan;
  values: TuningValues;
  /** 'validation': the folds; 'test': the test window only (the end of a run). */
  windows: 'validation' | 'test';
  /** Which folds (indices into `plan.folds`) this job backtests; all of them when absent. */
  folds?: number[];
}

/** One job's share of an evaluation: its windows' outcomes, or why θ is not a valid strategy. */
export interface TuningWindowsEvaluated {
  outcomes: WindowOutcome[] | null;
  invalid: string | null;
  seconds: number;
}

export interface TuningEvaluated {
  validation: number | null;
  folds: (number | null)[];
  feasible: boolean;
  reason: string | null;
  metrics: (PerformanceMetrics | null)[];
  /** Each window's daily returns, as its backtest counted them (null where it was not backtested). */
  returns: (number | null)[];
  seconds: number;
}

/** Per worker: the panel and forecasts of the model runs it evaluated on (a tuning run reads one). */
const evaluationData = new Map<string, { panel: PricePanel; forecasts: ForecastSet }>();

function dataFor(store: Store, input: TuningEvaluateInput): { panel: PricePanel; forecasts: ForecastSet } {
  const key = `${store.file}|${input.modelRunId}|${input.tickers.join(',')}|${input.plan.test.to}`;
  let data = evaluationData.get(key);
  if (!data) {
    const market = loadMarketPanel(store, { tickers: input.tickers, to: input.plan.test.to });
    const forecasts = store.forecasts.read(
      input.modelRunId,
      market.securities.map((s) => s.id),
    );
    data = { panel: market.panel, forecasts };
    if (evaluationData.size >= 2) evaluationData.delete(evaluationData.keys().next().value!);
    evaluationData.set(key, data);
  }
  return data;
}

/** One θ on every validation fold (or the test window), over the stored forecasts. */
export function evaluateTuningJob(store: Store, input: TuningEvaluateInput, job: JobContext): TuningWindowsEvaluated {
  const started = performance.now();
  const { panel, forecasts } = dataFor(store, input);
  const windows = windowsOf(input);
  const indices = input.windows === 'test' ? [0] : (input.folds ?? windows.map((_, k) => k));
  const run = backtestWindows({ panel, forecasts, base: input.base, objective: input.objective, constraints: input.constraints, plan: input.plan, signal: job.signal }, input.values, windows, indices);
  return { outcomes: run.ok ? run.outcomes : null, invalid: run.ok ? null : run.reason, seconds: (performance.now() - started) / 1000 };
}

function windowsOf(input: Pick<TuningEvaluateInput, 'windows' | 'plan'>) {
  return input.windows === 'test' ? [input.plan.test] : input.plan.folds;
}

/**
 * How one evaluation's folds are cut into jobs: with one worker, whole; else into runs of consecutive folds so that a
 * batch makes about two jobs per worker (⌈2·workers / q⌉ pieces, at most one per fold). A batch of one then keeps
 * every worker busy, and a batch waits less on its slowest job (evaluations of different θ, and folds, cost
 * differently: on the 50-stock set, q = 2 with whole evaluations gained 1.14× from a second worker, q = 1 cut in
 * pieces 1.57×). The folds are independent backtests, so the pieces join to exactly the evaluation one job would give
 * (`combineWindows`).
 */
export function foldPieces(folds: number, batch: number, workers: number): number[][] {
  const pieces = workers <= 1 ? 1 : Math.max(1, Math.min(folds, Math.ceil((2 * workers) / Math.max(1, batch))));
  return Array.from({ length: pieces }, (_, p) => {
    const from = Math.floor((p * folds) / pieces);
    const to = Math.floor(((p + 1) * folds) / pieces);
    return Array.from({ length: to - from }, (_, k) => from + k);
  });
}

/** The pieces of one evaluation joined, in fold order, into what the run stores. */
export function joinPieces(windows: readonly FoldPlan['test'][], parts: readonly TuningWindowsEvaluated[]): TuningEvaluated {
  const invalid = parts.find((p) => p.invalid !== null)?.invalid;
  const outcome = invalid ? invalidTheta(windows, invalid) : combineWindows(parts.flatMap((p) => p.outcomes ?? []));
  return {
    validation: outcome.validation,
    folds: outcome.folds.map((f) => f.objective),
    feasible: outcome.feasible,
    reason: outcome.reason,
    metrics: outcome.folds.map((f) => f.metrics),
    returns: outcome.folds.map((f) => f.returns),
    seconds: parts.reduce((sum, p) => sum + p.seconds, 0),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The run

interface RunPlan {
  runId: number;
  input: TuningRunParsedInput;
  seed: number;
  space: TuningParameter[];
  priors: Record<string, TuningPrior>;
  base: Theta;
  prepared: TuningPrepared;
  warmStartFrom: number | null;
}

const OBJECTIVE_WORDS: Record<TuningObjective, string> = { sharpe: 'Sharpe', sortino: 'Sortino', calmar: 'Calmar', utility: 'utility' };

function searchesOf(input: TuningRunParsedInput): TuningSearch[] {
  return input.compare ? ['bayesian', 'random', 'grid'] : ['bayesian'];
}

function tunerConfig(plan: RunPlan, search: TuningSearch): TunerConfig {
  const seed = search === 'bayesian' ? plan.seed : mixSeed(plan.seed, SEED_STREAM[search]);
  return { search, space: plan.space, seed, budget: plan.input.budget, batch: plan.input.batch, ...(search === 'bayesian' ? { priors: plan.priors } : {}) };
}

function toTunerObservation(o: TuningObservationRecord): TunerObservation {
  return { index: o.index, values: o.theta as TuningValues, validation: o.validation, feasible: o.feasible, source: o.source };
}

function sameSpace(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Starts a new run: validates the request, prepares forecasts and folds on the pool, stores the run. */
async function startRun(ctx: AppContext, input: TuningRunParsedInput, call: CallContext): Promise<RunPlan> {
  const { store } = ctx;
  requireAccount(store, input.accountId);
  const space = input.space ?? [...DEFAULT_TUNING_SPACE];
  try {
    validateTuningSpace(space);
  } catch (err) {
    throw new BallastError('BAD_INPUT', `The search space is not valid: ${(err as Error).message}.`);
  }
  const priors = input.priors ?? {};
  optimizerPriors(space, priors); // names and ranges checked now, in words, before anything runs
  const base = input.base ? StrategyParameters.parse(input.base) : strategySettings(store).parameters;
  const seed = input.seed ?? randomInt(0, 2 ** 31 - 1);

  let warmStartFrom: number | null = null;
  if (input.warmStart !== 'none') {
    const previous =
      input.warmStart === 'latest'
        ? store.tuning.list({ accountId: input.accountId }).find((r) => sameSpace(r.space, space) && r.evaluations.bayesian)
        : store.tuning.require(input.warmStart);
    if (previous) {
      if (previous.accountId !== input.accountId) throw new BallastError('BAD_INPUT', `Tuning run ${previous.id} belongs to account ${previous.accountId}, not ${input.accountId}; it cannot warm-start this run.`);
      if (!sameSpace(previous.space, space)) throw new BallastError('BAD_INPUT', `Tuning run ${previous.id} searched another space; a warm start needs the same parameters and bounds.`);
      warmStartFrom = previous.id;
    }
  }

  const prepared = (await ctx.jobs.run('tuning.prepare', { accountId: input.accountId, base, space, folds: input.folds, testYears: input.testYears } satisfies TuningPrepareInput, ctx.dbPath, {
    signal: call.signal,
    onProgress: call.progress,
  })) as TuningPrepared;
  const stored: TuningRunParsedInput = { ...input, seed, space, priors, base };
  const runId = store.tuning.create({
    accountId: input.accountId,
    objective: input.objective,
    budget: input.budget,
    batch: input.batch,
    seed,
    input: stored,
    space,
    priors,
    constraints: input.constraints,
    baseTheta: base,
    tickers: prepared.tickers,
    folds: prepared.plan.folds,
    testWindow: prepared.plan.test,
    modelRunId: prepared.modelRunId,
    warmStartFrom,
    // The first decision row travels with the run, so a resumed run backtests on exactly the same rows.
    state: { plan: { warmupIndex: prepared.plan.warmupIndex } },
  });
  ctx.emit({ type: 'state-changed', entity: 'tuning' });
  return { runId, input: stored, seed, space, priors, base, prepared, warmStartFrom };
}

/**
 * A resume continues a cancelled, failed or interrupted run (its process was killed or crashed) in this process.
 * A run another live process is running is refused, with that process named: two writers would ask the same
 * batches twice.
 */
function resumeRun(ctx: AppContext, runId: number): RunPlan {
  const run = ctx.store.tuning.require(runId);
  if (run.status === 'complete') throw new BallastError('INVALID_STATE', `Tuning run ${runId} is already complete; there is nothing to resume.`, { runId });
  if (run.modelRunId === null) throw new BallastError('INVALID_STATE', `Tuning run ${runId} has no model run recorded, so it cannot be resumed.`, { runId });
  const input = TuningRunInput.parse(run.input);
  const warmupIndex = (run.state.plan as { warmupIndex?: number } | undefined)?.warmupIndex;
  if (warmupIndex === undefined) throw new BallastError('INVALID_STATE', `Tuning run ${runId} has no fold plan recorded, so it cannot be resumed.`, { runId });
  const plan: FoldPlan = { folds: run.folds, test: run.testWindow, warmupIndex };
  ctx.store.tuning.takeOver(runId);
  return {
    runId,
    input,
    seed: run.seed,
    space: run.space as TuningParameter[],
    priors: run.priors as Record<string, TuningPrior>,
    base: StrategyParameters.parse(run.baseTheta),
    prepared: { tickers: run.tickers, modelRunId: run.modelRunId, plan },
    warmStartFrom: run.warmStartFrom,
  };
}

/** Each search's name in the progress line, as a PM reads it. */
const SEARCH_WORDS: Record<TuningSearch, string> = { bayesian: 'Bayesian optimisation', random: 'Random search', grid: 'Grid search' };

/** An objective's value in the progress line: ratios to two decimals; utility is an annual excess return, so a percent. */
function objectiveText(objective: TuningObjective, value: number): string {
  return objective === 'utility' ? `${(value * 100).toFixed(2)} %` : value.toFixed(2);
}

/**
 * The progress line of a search: "Bayesian optimisation: 4 of 18 backtests done · best Sharpe so far 0.67", and
 * with the comparison, where the searches run one after the other, "· 22 of 54 in all". `current`/`total` count
 * backtests over the whole run (the bar), and the step says them as "current of total" in words, so neither the
 * screen's progress line — which adds "(current / total)" only when the step does not already say it — nor the CLI's
 * percentage repeats a count in other units.
 */
export function tuningProgressStep(p: { search: TuningSearch; searchDone: number; budget: number; done: number; total: number; objective: TuningObjective; best: number | null; warmStartFrom?: number }): string {
  const parts = [`${SEARCH_WORDS[p.search]}: ${p.searchDone} of ${p.budget} backtests done`];
  if (p.warmStartFrom !== undefined) parts.push(`backtesting run #${p.warmStartFrom}’s best parameters again`);
  if (p.best !== null) parts.push(`best ${OBJECTIVE_WORDS[p.objective]} so far ${objectiveText(p.objective, p.best)}`);
  if (p.total !== p.budget) parts.push(`${p.done} of ${p.total} in all`);
  return parts.join(' · ');
}

async function executeRun(ctx: AppContext, plan: RunPlan, call: CallContext): Promise<void> {
  const { store } = ctx;
  const searches = searchesOf(plan.input);
  const budget = plan.input.budget;
  // Backtests of the searches; the test window at the end is a last step of its own, at a full bar.
  const total = budget * searches.length;
  const signal = { get aborted() { return call.signal.aborted; } };
  const evaluationsOf = (search: TuningSearch) => store.tuning.get(plan.runId)!.evaluations[search] ?? 0;
  let done = searches.reduce((n, s) => n + evaluationsOf(s), 0);
  const report = (search: TuningSearch, best: number | null, warmStartFrom?: number) =>
    call.progress({
      step: tuningProgressStep({ search, searchDone: evaluationsOf(search), budget, done, total, objective: plan.input.objective, best, ...(warmStartFrom === undefined ? {} : { warmStartFrom }) }),
      current: done,
      total,
    });

  // One child signal per batch: the pool listens for 'abort' on the signal it is given, and a run of hundreds of
  // jobs must not pile hundreds of listeners onto the call's own signal.
  const batchSignal = async <T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const child = new AbortController();
    const forward = () => child.abort();
    if (call.signal.aborted) child.abort();
    call.signal.addEventListener('abort', forward, { once: true });
    try {
      return await work(child.signal);
    } finally {
      call.signal.removeEventListener('abort', forward);
    }
  };
  // Every evaluation of a batch at once; each one's folds in as many jobs as keep the pool busy (`foldPieces`).
  const evaluateMany = (items: readonly TuningValues[], windows: 'validation' | 'test') =>
    batchSignal((signal) => {
      const pieces = windows === 'test' ? [undefined] : foldPieces(plan.prepared.plan.folds.length, items.length, ctx.jobs.concurrency);
      return Promise.all(
        items.map(async (values) => joinPieces(windowsOf({ windows, plan: plan.prepared.plan }), await Promise.all(pieces.map((folds) => evaluate(values, windows, folds, signal))))),
      );
    });
  const evaluate = (values: TuningValues, windows: 'validation' | 'test', folds: number[] | undefined, signal: AbortSignal) =>
    ctx.jobs.run(
      'tuning.evaluate',
      {
        modelRunId: plan.prepared.modelRunId,
        tickers: plan.prepared.tickers,
        base: plan.base,
        objective: plan.input.objective,
        constraints: plan.input.constraints,
        plan: plan.prepared.plan,
        values,
        windows,
        ...(folds ? { folds } : {}),
      } satisfies TuningEvaluateInput,
      ctx.dbPath,
      { signal },
    ) as Promise<TuningWindowsEvaluated>;

  for (const search of searches) {
    const config = tunerConfig(plan, search);
    const run = store.tuning.require(plan.runId);
    const committed = store.tuning.observations(plan.runId, search).map(toTunerObservation);
    const state = run.state[search] as TunerState | undefined;
    const tuner = state ? Tuner.restore(config, state, committed) : Tuner.create(config);
    const commit = (search_: TuningSearch, candidates: readonly { index: number; values: TuningValues; source: TunerObservation['source'] }[], results: readonly TuningEvaluated[], tunerState: TunerState) => {
      store.tuning.commitBatch(
        plan.runId,
        search_,
        candidates.map((c, k) => ({
          index: c.index,
          theta: c.values,
          folds: results[k]!.folds,
          validation: results[k]!.validation,
          feasible: results[k]!.feasible,
          reason: results[k]!.reason,
          source: c.source,
          seconds: results[k]!.seconds,
          metrics: results[k]!.metrics,
        })),
        tunerState,
      );
      done += candidates.length;
      ctx.emit({ type: 'state-changed', entity: 'tuning' });
    };

    // Warm start (Bayesian search, before its first batch): the previous run's best points on the new folds.
    if (search === 'bayesian' && !state && plan.warmStartFrom !== null) {
      const previous = store.tuning
        .observations(plan.warmStartFrom, 'bayesian')
        .filter((o) => o.feasible && o.validation !== null)
        .sort((a, b) => b.validation! - a.validation! || a.index - b.index)
        .slice(0, Math.min(WARM_START_POINTS, Math.floor(plan.input.budget / 4)));
      if (previous.length > 0) {
        report(search, null, plan.warmStartFrom);
        const results = await evaluateMany(previous.map((o) => o.theta as TuningValues), 'validation');
        const candidates = previous.map((o, k) => {
          const observation = tuner.addExternal(o.theta as TuningValues, { validation: results[k]!.validation, feasible: results[k]!.feasible });
          return { index: observation.index, values: observation.values, source: observation.source };
        });
        commit(search, candidates, results, tuner.toJSON());
      }
    }

    report(search, tuner.best()?.validation ?? null);
    let batchResults: TuningEvaluated[] = [];
    await driveSearch(
      tuner,
      async (batch: readonly Candidate[]): Promise<TunerOutcome[]> => {
        batchResults = await evaluateMany(batch.map((c) => c.values), 'validation');
        return batchResults.map((r) => ({ validation: r.validation, feasible: r.feasible }));
      },
      {
        signal,
        onBatch: (added, tunerState) => {
          commit(search, added, batchResults, tunerState);
          report(search, bestSoFar(tuner.observations).at(-1) ?? null);
        },
      },
    );
  }

  // The end: each search's recommended θ, once, on the test window it never saw.
  const run = store.tuning.require(plan.runId);
  const summaries: Partial<Record<TuningSearch, { best: ReturnType<Tuner['best']>; observations: TunerObservation[] }>> = {};
  for (const search of searches) {
    const observations = store.tuning.observations(plan.runId, search).map(toTunerObservation);
    const tuner = Tuner.restore(tunerConfig(plan, search), run.state[search] as TunerState, observations);
    summaries[search] = { best: tuner.best(), observations };
  }
  // The count as it ended (a grid over a small space can run out of points before the budget), so the bar is full.
  store.tuning.heartbeat(plan.runId);
  call.progress({ step: `${done} of ${done} backtests done · now the chosen parameters on the test window, and the saved settings untuned on every window`, current: done, total: done });
  const withBest = searches.filter((s) => summaries[s]!.best);
  // The run's base θ as it is (no tuned values): what tuning is measured against, on the same folds and test window.
  const asSaved: TuningValues = {};
  const [tested, [savedOnValidation]] = await Promise.all([
    evaluateMany([...withBest.map((s) => summaries[s]!.best!.values), asSaved], 'test'),
    evaluateMany([asSaved], 'validation'),
  ]);
  const savedOnTest = tested.at(-1)!;
  const untuned: TuningUntuned = {
    validation: savedOnValidation!.validation,
    folds: savedOnValidation!.folds,
    test: savedOnTest.validation,
    feasible: savedOnValidation!.feasible,
    // Why not on validation, else why there is no test score (a limit broken on the test window).
    reason: savedOnValidation!.reason ?? savedOnTest.reason,
  };
  const tests = searches.map((s) => (withBest.includes(s) ? tested[withBest.indexOf(s)]! : null));
  const target = Math.max(...searches.map((s) => summaries[s]!.best?.validation ?? -Infinity).filter(Number.isFinite), -Infinity);
  const summaryOf = (s: TuningSearch, k: number): TuningSearchSummary => ({
    bestValidation: summaries[s]!.best?.validation ?? null,
    test: tests[k]?.validation ?? null,
    evaluationsTo95: evaluationsTo95(summaries[s]!.observations, Number.isFinite(target) ? target : null),
    best: summaries[s]!.best?.values ?? null,
    evaluations: summaries[s]!.observations.length,
    bestSoFar: bestSoFar(summaries[s]!.observations),
  });
  const comparison = {
    bayesian: summaryOf('bayesian', 0),
    random: searches.includes('random') ? summaryOf('random', searches.indexOf('random')) : null,
    grid: searches.includes('grid') ? summaryOf('grid', searches.indexOf('grid')) : null,
  };
  const bayes = summaries.bayesian!;
  const bestTheta = bayes.best ? thetaFor(plan.base, bayes.best.values) : null;
  // The daily returns behind a validation score, as the untuned settings' backtests counted them (on the pool, not
  // here by reading prices); unknown if one of them failed.
  const validationReturns = returnsBehind(savedOnValidation!.returns);
  const feasiblePoints = bayes.observations.filter((o) => o.feasible && o.validation !== null).map((o) => ({ values: o.values, validation: o.validation! }));
  const best =
    bayes.best && bestTheta?.ok
      ? {
          theta: bestTheta.theta,
          values: bayes.best.values,
          validation: bayes.best.validation,
          estimate: bayes.best.estimate,
          test: tests[0]?.validation ?? null,
          deflatedSharpe:
            plan.input.objective === 'sharpe' && validationReturns !== null
              ? deflatedSharpeRatio({ sharpe: bayes.best.validation, trialSharpes: feasiblePoints.map((p) => p.validation), returns: validationReturns })
              : null,
        }
      : null;
  const importance = parameterImportance(plan.space, feasiblePoints, plan.seed);
  // Kept beside the searches' summaries (the run's comparison column) so a run needs no new column for it.
  store.tuning.complete(plan.runId, { best, testValue: best?.test ?? null, comparison: { ...comparison, untuned }, importance });
  call.progress({ step: `Tuning finished: ${done} of ${done} backtests and the test window`, current: done, total: done });
  ctx.emit({ type: 'state-changed', entity: 'tuning' });
}

async function runTuning(ctx: AppContext, input: MethodInput<'tuning.run'>, call: CallContext): Promise<TuningRunReport> {
  const plan = 'resume' in input && input.resume !== undefined ? resumeRun(ctx, input.resume) : await startRun(ctx, TuningRunInput.parse(input), call);
  try {
    await executeRun(ctx, plan, call);
  } catch (err) {
    const cancelled = err instanceof BallastError && err.code === 'CANCELLED';
    try {
      // Only while this process still runs it: a run taken over by a resume elsewhere is that process's now.
      ctx.store.tuning.stop(plan.runId, cancelled ? 'cancelled' : 'failed', cancelled ? null : (err as Error).message);
    } finally {
      ctx.emit({ type: 'state-changed', entity: 'tuning' });
    }
    throw err;
  }
  return tuningReport(ctx.store, plan.runId);
}

// ---------------------------------------------------------------------------------------------------------------
// Reading runs

function summaryOf(store: Store, run: TuningRunRecord, inUseId: number | null, bayesian: readonly TuningObservationRecord[]): TuningRunSummary {
  const best = run.best as { validation: number } | null;
  const liveBest = bayesian.reduce<number | null>((m, o) => (o.feasible && o.validation !== null && (m === null || o.validation > m) ? o.validation : m), null);
  return {
    runId: run.id,
    accountId: run.accountId,
    status: run.status,
    objective: run.objective,
    budget: run.budget,
    batch: run.batch,
    seed: run.seed,
    evaluations: run.evaluations.bayesian ?? 0,
    bestValidation: best ? best.validation : liveBest,
    test: run.testValue,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    acceptedAt: run.acceptedAt,
    acceptedBy: run.acceptedBy,
    inUse: run.id === inUseId,
    compare: (run.input as { compare?: boolean }).compare === true,
    error: run.error,
  };
}

function toEvaluation(o: TuningObservationRecord): TuningEvaluation {
  return {
    index: o.index,
    theta: o.theta as TuningValues,
    validation: o.validation,
    folds: [...o.folds],
    feasible: o.feasible,
    reason: o.reason,
    source: o.source,
    seconds: o.seconds,
  };
}

export function tuningReport(store: Store, runId: number): TuningRunReport {
  const run = store.tuning.require(runId);
  const inUse = store.tuning.latestAccepted(run.accountId)?.id ?? null;
  const all = store.tuning.observations(runId);
  const bySearch = (s: TuningSearch) => all.filter((o) => o.search === s);
  const bayesian = bySearch('bayesian');
  const base = StrategyParameters.parse(run.baseTheta);
  const stored = run.best as (Omit<NonNullable<TuningRunReport['best']>, 'deflatedSharpe'> & { deflatedSharpe?: NonNullable<TuningRunReport['best']>['deflatedSharpe'] }) | null;
  // Runs completed before the deflated Sharpe ratio was recorded have none.
  let best: TuningRunReport['best'] = stored ? { ...stored, deflatedSharpe: stored.deflatedSharpe ?? null } : null;
  if (!best) {
    // A live (or stopped) run: the best feasible evaluation so far.
    const top = bayesian.filter((o) => o.feasible && o.validation !== null).sort((a, b) => b.validation! - a.validation! || a.index - b.index)[0];
    const theta = top ? thetaFor(base, top.theta as TuningValues) : null;
    best = top && theta?.ok ? { theta: theta.theta, values: top.theta as TuningValues, validation: top.validation!, estimate: null, test: null, deflatedSharpe: null } : null;
  }
  const storedComparison = run.comparison as (NonNullable<TuningRunReport['comparison']> & { untuned?: TuningUntuned }) | null;
  let comparison: TuningRunReport['comparison'] = storedComparison
    ? { bayesian: storedComparison.bayesian, random: storedComparison.random, grid: storedComparison.grid }
    : null;
  if (!comparison) {
    const searches = searchesOf(run.input as TuningRunParsedInput);
    const live = (s: TuningSearch): TuningSearchSummary | null => {
      if (!searches.includes(s)) return null;
      const obs = bySearch(s).map(toTunerObservation);
      const curve = bestSoFar(obs);
      const top = obs.filter((o) => o.feasible).sort((a, b) => b.validation! - a.validation!)[0];
      return { bestValidation: curve.at(-1) ?? null, test: null, evaluationsTo95: null, best: top?.values ?? null, evaluations: obs.length, bestSoFar: curve };
    };
    comparison = { bayesian: live('bayesian')!, random: live('random'), grid: live('grid') };
  }
  return {
    ...summaryOf(store, run, inUse, bayesian),
    space: run.space as TuningParameter[],
    priors: run.priors as Record<string, TuningPrior>,
    constraints: run.constraints as TuningConstraint[],
    tickers: run.tickers,
    folds: run.folds,
    testWindow: run.testWindow,
    modelRunId: run.modelRunId,
    warmStartedFrom: run.warmStartFrom,
    best,
    evaluations: bayesian.map(toEvaluation),
    comparison,
    importance: (run.importance as TuningRunReport['importance'] | null) ?? [],
    untuned: storedComparison?.untuned ?? null,
  };
}

export function listTuningRuns(store: Store, accountId?: string): TuningRunSummary[] {
  const runs = store.tuning.list(accountId ? { accountId } : {});
  const inUse = new Map<string, number | null>();
  return runs.map((run) => {
    if (!inUse.has(run.accountId)) inUse.set(run.accountId, store.tuning.latestAccepted(run.accountId)?.id ?? null);
    return summaryOf(store, run, inUse.get(run.accountId)!, store.tuning.observations(run.id, 'bayesian'));
  });
}

/**
 * A PM accepts a tuning run: from now on the account's proposals use its θ (unless a request names one). Only a
 * complete run whose recommended point is feasible — it is chosen among feasible evaluations only, and every
 * outcome constraint held on every validation fold there. Audited as `tuning.accept`.
 */
export function acceptTuningRun(ctx: AppContext, input: MethodInput<'tuning.accept'>): TuningRunSummary {
  const { store } = ctx;
  const run = store.tuning.require(input.runId);
  if (run.status !== 'complete') throw new BallastError('INVALID_STATE', `Tuning run ${run.id} is ${run.status}; only a complete run can be accepted.`, { runId: run.id });
  const best = run.best as { values: TuningValues; validation: number; test: number | null } | null;
  if (!best) throw new BallastError('INVALID_STATE', `Tuning run ${run.id} found no θ that met every constraint on every fold, so there is nothing to accept.`, { runId: run.id });
  const chosen = store.tuning.observations(run.id, 'bayesian').find((o) => JSON.stringify(o.theta) === JSON.stringify(best.values));
  if (!chosen || !chosen.feasible) throw new BallastError('INVALID_STATE', `Tuning run ${run.id}'s recommended θ is not a feasible evaluation of the run; it cannot be accepted.`, { runId: run.id });
  const by = (input.by ?? ctx.actor).trim();
  const reason = input.reason?.trim() || null;
  store.transaction(() => {
    store.tuning.accept(run.id, by, reason);
    store.audit.append({
      actor: by,
      action: 'tuning.accept',
      entity: 'tuning_run',
      entityId: run.id,
      details: { accountId: run.accountId, objective: run.objective, values: best.values, validation: best.validation, test: best.test, reason },
    });
  });
  ctx.emit({ type: 'state-changed', entity: 'tuning' });
  const accepted = store.tuning.require(run.id);
  return summaryOf(store, accepted, accepted.id, store.tuning.observations(run.id, 'bayesian'));
}

export function tuningSurrogate(store: Store, input: MethodInput<'tuning.surrogate'>): TuningSurrogateSlice {
  const run = store.tuning.require(input.runId);
  const report = tuningReport(store, input.runId);
  const points = store.tuning
    .observations(run.id, 'bayesian')
    .filter((o) => o.feasible && o.validation !== null)
    .map((o) => ({ values: o.theta as TuningValues, validation: o.validation! }));
  if (!report.best) throw new BallastError('INSUFFICIENT_DATA', `Tuning run ${run.id} has no feasible evaluation yet.`);
  const slice = surrogateSlice(run.space as TuningParameter[], points, report.best.values, input.parameter, { seed: run.seed, ...(input.points ? { points: input.points } : {}) });
  return { runId: run.id, ...slice };
}

export function tuningHandlers(ctx: AppContext) {
  return {
    'tuning.run': (input: MethodInput<'tuning.run'>, call: CallContext): Promise<MethodOutput<'tuning.run'>> => runTuning(ctx, input, call),
    'tuning.list': (input: MethodInput<'tuning.list'>): MethodOutput<'tuning.list'> => listTuningRuns(ctx.store, input.accountId),
    'tuning.get': (input: MethodInput<'tuning.get'>): MethodOutput<'tuning.get'> => tuningReport(ctx.store, input.runId),
    'tuning.accept': (input: MethodInput<'tuning.accept'>): MethodOutput<'tuning.accept'> => acceptTuningRun(ctx, input),
    'tuning.surrogate': (input: MethodInput<'tuning.surrogate'>): MethodOutput<'tuning.surrogate'> => tuningSurrogate(ctx.store, input),
  };
}
