import { type MethodInput } from '../../shared/api';
import { type StrategyParameters } from '../../shared/strategy';
import {
  DEFAULT_TUNING_SPACE,
  type TunableParameterName,
  type TuningConstraint,
  type TuningEvaluation,
  type TuningObjective,
  type TuningParameter,
  type TuningPrior,
  type TuningRunReport,
  type TuningRunStatus,
  type TuningRunSummary,
  type TuningSearch,
  type TuningSearchSummary,
  type TuningSurrogateSlice,
} from '../../shared/tuning';

/*
 * The Tuning screen's view model: what a PM reads about a tuning run (parameter names and units in words, the
 * best-so-far curves, the comparison with random and grid search) and the forms that start one (constraints and
 * beliefs typed in the units a PM thinks in, turned into the contract's fractions and priors). Pure functions,
 * tested in tuning.test.ts; the components only lay them out.
 */

type Value = number | string | boolean;

// ---------- parameters in words ----------

/** How a parameter's value is written: a fraction shown as a percent, trading days, a plain number, a score, a choice. */
export type ParameterUnit = 'percent' | 'days' | 'number' | 'score' | 'choice';

interface ParameterInfo {
  label: string;
  unit: ParameterUnit;
  /** One sentence on what it does, for a tooltip. */
  help: string;
}

const PARAMETERS: Record<TunableParameterName, ParameterInfo> = {
  riskAversion: { label: 'Risk aversion', unit: 'number', help: 'How strongly the tilt away from the anchor is held back by risk (γ).' },
  uncertaintyPenalty: { label: 'Uncertainty penalty', unit: 'number', help: 'How much less an unsure forecast moves the weights (κ).' },
  trackingErrorBudget: { label: 'Tracking-error budget', unit: 'percent', help: 'How far, in annual tracking error, the target may stray from the risk-parity anchor.' },
  'rebalance.mode': { label: 'Rebalancing rule', unit: 'choice', help: 'Rebalance on a calendar, or only when weights drift out of their bands.' },
  'rebalance.everyDays': { label: 'Rebalancing interval', unit: 'days', help: 'Trading days between calendar rebalances.' },
  'rebalance.bandWidth': { label: 'Band half-width', unit: 'percent', help: 'How far a weight may drift from its target before it is traded (percentage points).' },
  'covariance.lookbackDays': { label: 'Risk-model lookback', unit: 'days', help: 'Trading days of returns the covariance estimate uses.' },
  'breaker.warn': { label: 'Circuit breaker: caution threshold', unit: 'score', help: 'Certainty score below which the breaker moves to Caution.' },
  'breaker.trip': { label: 'Circuit breaker: de-risk threshold', unit: 'score', help: 'Certainty score below which the breaker de-risks.' },
  'breaker.trailingDays': { label: 'Circuit breaker: history window', unit: 'days', help: 'Trading days of the certainty score’s own history that set its normal range.' },
  'breaker.cautionExposure': { label: 'Exposure kept in Caution', unit: 'percent', help: 'Share of the risky target kept when the breaker is in Caution.' },
  'breaker.floorExposure': { label: 'Exposure kept when de-risked', unit: 'percent', help: 'Share of the risky target kept when the breaker has de-risked.' },
  'constraints.maxWeight': { label: 'Largest weight per asset', unit: 'percent', help: 'Upper bound on any one asset’s weight.' },
  'constraints.turnoverCap': { label: 'Turnover cap per rebalance', unit: 'percent', help: 'Most of the portfolio traded (one way) at one rebalance.' },
};

const CHOICE_LABELS: Record<string, string> = { calendar: 'on a calendar', bands: 'when weights leave their bands', true: 'yes', false: 'no' };

function info(name: string): ParameterInfo {
  return (PARAMETERS as Record<string, ParameterInfo | undefined>)[name] ?? { label: name, unit: 'number', help: '' };
}

export function parameterLabel(name: string): string {
  return info(name).label;
}
export function parameterHelp(name: string): string {
  return info(name).help;
}
export function parameterUnit(name: string): ParameterUnit {
  return info(name).unit;
}

/** The suffix a form shows after a number typed for this parameter. */
export function unitSuffix(name: string): string {
  switch (parameterUnit(name)) {
    case 'percent':
      return '%';
    case 'days':
      return 'trading days';
    default:
      return '';
  }
}

const trim = (n: number, digits: number) => String(Number(n.toFixed(digits)));

/** A parameter's value as a PM reads it: "2.5 %", "every 21 trading days", "risk aversion 12.3". */
export function formatParameterValue(name: string, value: Value | null | undefined): string {
  if (value == null) return '—';
  if (typeof value !== 'number') return CHOICE_LABELS[String(value)] ?? String(value);
  if (!Number.isFinite(value)) return '—';
  switch (parameterUnit(name)) {
    case 'percent':
      return `${trim(value * 100, 2)} %`;
    case 'days':
      return `${Math.round(value)} trading days`;
    case 'score':
      return value.toFixed(2);
    default:
      return Math.abs(value) >= 100 ? trim(value, 1) : Math.abs(value) >= 1 ? trim(value, 2) : trim(value, 4);
  }
}

/** Form units (percent for fractions) → the parameter's own units. */
export function fromDisplayUnits(name: string, typed: number): number {
  return parameterUnit(name) === 'percent' ? typed / 100 : typed;
}
/** The parameter's own units → what the form shows. */
export function toDisplayUnits(name: string, value: number): number {
  return parameterUnit(name) === 'percent' ? Number((value * 100).toFixed(6)) : value;
}

/** The value of a tuned leaf of θ, by its dotted path (e.g. 'rebalance.everyDays'). */
export function thetaValue(theta: StrategyParameters, name: string): Value | null {
  let node: unknown = theta;
  for (const key of name.split('.')) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' || typeof node === 'string' || typeof node === 'boolean' ? node : null;
}

export interface ThetaRow {
  name: string;
  label: string;
  current: string;
  best: string;
  changed: boolean;
}

/** The tuned parameters side by side: what proposals use now, and what this run found. */
export function thetaComparison(space: readonly TuningParameter[], best: Readonly<Record<string, Value>> | null, current: StrategyParameters | null): ThetaRow[] {
  return space.map((p) => {
    const now = current ? thetaValue(current, p.name) : null;
    const found = best?.[p.name] ?? null;
    return {
      name: p.name,
      label: parameterLabel(p.name),
      current: formatParameterValue(p.name, now),
      best: formatParameterValue(p.name, found),
      changed: found !== null && now !== null && !sameValue(found, now),
    };
  });
}

function sameValue(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return String(a) === String(b);
}

/** "0.5 – 20 (log scale)", "calendar or bands": the range the tuner searches. */
export function describeRange(p: TuningParameter): string {
  if (p.type === 'categorical') return p.choices.map((c) => formatParameterValue(p.name, c)).join(' or ');
  const scale = p.scale === 'log' ? ' (log scale)' : '';
  return `${formatParameterValue(p.name, p.lower)} to ${formatParameterValue(p.name, p.upper)}${scale}`;
}

// ---------- objectives, statuses, searches ----------

export const OBJECTIVES: readonly { value: TuningObjective; label: string; description: string }[] = [
  { value: 'sharpe', label: 'Sharpe ratio', description: 'return over cash per unit of volatility' },
  { value: 'sortino', label: 'Sortino ratio', description: 'return over cash per unit of downside volatility' },
  { value: 'calmar', label: 'Calmar ratio', description: 'annual return per unit of worst drawdown' },
  { value: 'utility', label: 'Utility net of costs', description: 'annual return over cash after costs, less a penalty for variance' },
];

export function objectiveLabel(objective: TuningObjective): string {
  return OBJECTIVES.find((o) => o.value === objective)?.label ?? objective;
}

/** Ratios to two decimals; utility is an annualised certainty-equivalent excess return, so a percent. */
export function formatObjective(value: number | null | undefined, objective: TuningObjective): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return objective === 'utility' ? `${(value * 100).toFixed(2)} %` : value.toFixed(2);
}

const STATUS_LABELS: Record<TuningRunStatus, string> = {
  running: 'Running',
  complete: 'Complete',
  cancelled: 'Stopped',
  failed: 'Failed',
  interrupted: 'Stopped unexpectedly',
};
export function statusLabel(status: TuningRunStatus): string {
  return STATUS_LABELS[status] ?? status;
}

/** The badge's look: a run that stopped unexpectedly looks like one a PM stopped (amber), not like a failure. */
export function statusTone(status: TuningRunStatus): Exclude<TuningRunStatus, 'interrupted'> {
  return status === 'interrupted' ? 'cancelled' : status;
}

/**
 * Why a run that is not running has not finished, in words, or null for a running or complete run. 'interrupted'
 * is a run whose process ended without saying so (the app or `ballast tune` was killed, crashed, or the computer
 * lost power): the backtests committed before that are kept.
 */
export function stoppedSentence(run: Pick<TuningRunReport, 'status' | 'error'>, backtests: number): string | null {
  const after = `after ${backtests} backtest${backtests === 1 ? '' : 's'}`;
  switch (run.status) {
    case 'cancelled':
      return `This run was stopped ${after}.`;
    case 'failed':
      return `This run stopped on an error${run.error ? `: ${run.error}` : ''} ${after}.`;
    case 'interrupted':
      return `This run stopped unexpectedly ${after}: the program running it was closed, crashed or lost power before it finished.`;
    default:
      return null;
  }
}

const SOURCE_LABELS: Record<TuningEvaluation['source'], string> = {
  design: 'Initial spread',
  model: 'Chosen by the model',
  feasibility: 'Chosen to learn the limits',
  'warm-start': 'From an earlier run',
  random: 'Random search',
  grid: 'Grid search',
  external: 'Given',
};
export function sourceLabel(source: TuningEvaluation['source']): string {
  return SOURCE_LABELS[source] ?? source;
}

/** Which search an evaluation belongs to: random and grid are the comparison's; everything else is the tuner's. */
export function searchOf(evaluation: Pick<TuningEvaluation, 'source'>): TuningSearch {
  return evaluation.source === 'random' || evaluation.source === 'grid' ? evaluation.source : 'bayesian';
}

export const SEARCH_LABELS: Record<TuningSearch, string> = {
  bayesian: 'Bayesian optimisation',
  random: 'Random search',
  grid: 'Grid search',
};

// ---------- the live curve ----------

export interface BestSoFarSeries {
  search: TuningSearch;
  /** [evaluation number within this search (1-based), best feasible validation objective so far (null before the first)]. */
  points: [number, number | null][];
}

export interface EvaluationPoint {
  /** Evaluation number within its search (1-based). */
  n: number;
  index: number;
  validation: number | null;
  feasible: boolean;
}

export interface ProgressModel {
  series: BestSoFarSeries[];
  /** The tuner's own evaluations, each as a dot. */
  evaluations: EvaluationPoint[];
}

/**
 * Best-so-far per search against the number of backtests it has run (every objective is maximised), derived from
 * the evaluations. Each search counts its own evaluations, so at equal budgets the curves compare like for like; an
 * infeasible or failed evaluation counts but cannot improve the best.
 */
export function bestSoFar(evaluations: readonly TuningEvaluation[]): ProgressModel {
  const ordered = [...evaluations].sort((a, b) => a.index - b.index);
  const bySearch = new Map<TuningSearch, BestSoFarSeries>();
  const best = new Map<TuningSearch, number | null>();
  const points: EvaluationPoint[] = [];
  for (const e of ordered) {
    const search = searchOf(e);
    let series = bySearch.get(search);
    if (!series) {
      series = { search, points: [] };
      bySearch.set(search, series);
    }
    const counted = e.feasible && e.validation != null && Number.isFinite(e.validation);
    const previous = best.get(search) ?? null;
    const next = counted ? (previous == null ? e.validation! : Math.max(previous, e.validation!)) : previous;
    best.set(search, next);
    const n = series.points.length + 1;
    series.points.push([n, next]);
    if (search === 'bayesian') points.push({ n, index: e.index, validation: e.validation, feasible: e.feasible });
  }
  const order: TuningSearch[] = ['bayesian', 'random', 'grid'];
  return { series: order.flatMap((s) => (bySearch.has(s) ? [bySearch.get(s)!] : [])), evaluations: points };
}

/**
 * The live chart's model for a run: the server's own best-so-far per search when the report has it (random and
 * grid search keep their backtests there), else derived from the evaluations; the tuner's backtests as dots.
 */
export function progressModel(report: Pick<TuningRunReport, 'evaluations' | 'comparison'>): ProgressModel {
  const derived = bestSoFar(report.evaluations);
  const c = report.comparison;
  if (!c) return derived;
  const series: BestSoFarSeries[] = [];
  const add = (search: TuningSearch, summary: TuningSearchSummary | null) => {
    if (summary && summary.bestSoFar.length > 0) series.push({ search, points: summary.bestSoFar.map((v, i) => [i + 1, v]) });
    else {
      const own = derived.series.find((s) => s.search === search);
      if (own) series.push(own);
    }
  };
  add('bayesian', c.bayesian);
  add('random', c.random);
  add('grid', c.grid);
  return { series, evaluations: derived.evaluations };
}

/** The tuner's best feasible evaluation (highest validation objective), if any. */
export function bestEvaluation(evaluations: readonly TuningEvaluation[]): TuningEvaluation | null {
  let best: TuningEvaluation | null = null;
  for (const e of evaluations) {
    if (searchOf(e) !== 'bayesian' || !e.feasible || e.validation == null) continue;
    if (!best || e.validation > best.validation!) best = e;
  }
  return best;
}

// ---------- comparison table ----------

export interface ComparisonRow {
  search: TuningSearch;
  label: string;
  bestValidation: string;
  test: string;
  reached95: string;
}

/**
 * BO against random and grid search at the same budget and folds; null when the run did not compare. "Reached 95 %"
 * counts backtests until a search came within 5 % of the best any search found (a common target).
 */
export function comparisonRows(report: Pick<TuningRunReport, 'comparison' | 'objective' | 'budget'>): ComparisonRow[] | null {
  const c = report.comparison;
  if (!c || (!c.random && !c.grid)) return null;
  const row = (search: TuningSearch, s: TuningSearchSummary): ComparisonRow => ({
    search,
    label: SEARCH_LABELS[search],
    bestValidation: formatObjective(s.bestValidation, report.objective),
    test: formatObjective(s.test, report.objective),
    reached95: s.evaluationsTo95 == null ? (s.evaluations < report.budget ? `not yet (${s.evaluations} run)` : 'never') : `${s.evaluationsTo95} of ${report.budget}`,
  });
  return [row('bayesian', c.bayesian), ...(c.random ? [row('random', c.random)] : []), ...(c.grid ? [row('grid', c.grid)] : [])];
}

// ---------- validation vs test, in words ----------

/** Why the test number matters, with this run's own windows and numbers. */
export function validationTestSentence(report: Pick<TuningRunReport, 'objective' | 'folds' | 'testWindow' | 'best'>): string {
  const name = objectiveLabel(report.objective);
  const folds = report.folds;
  const first = folds[0];
  const last = folds[folds.length - 1];
  const span = first && last ? ` (${first.from} to ${last.to})` : '';
  const windows = `${folds.length} validation window${folds.length === 1 ? '' : 's'}${span}`;
  const best = report.best;
  const chosen = best
    ? `The tuner chose these parameters because they scored a ${name} of ${formatObjective(best.validation, report.objective)} on average over ${windows}.`
    : `The tuner scores each set of parameters by its average ${name} over ${windows}.`;
  const test = best?.test != null ? ` They scored ${formatObjective(best.test, report.objective)} there.` : ' Its score there is computed once, when the run finishes.';
  return (
    `${chosen} The test window, ${report.testWindow.from} to ${report.testWindow.to}, comes after them and was never used to choose:` +
    `${test} Expect something closer to the test score than to the validation score; a test score far below validation means the choice fitted the past by luck.`
  );
}

/**
 * The saved settings, untuned, against the tuned θ on the same windows, in words; null until the run is complete (or
 * for runs finished before this was recorded). Said plainly when tuning did not pay on the window it never saw.
 */
export function untunedSentence(report: Pick<TuningRunReport, 'objective' | 'best' | 'untuned' | 'evaluations'>): string | null {
  const u = report.untuned;
  if (!u) return null;
  const score = (x: number | null) => formatObjective(x, report.objective);
  if (!u.feasible) return `The saved settings, untuned, do not meet this run's limits on the validation windows (${u.reason ?? 'infeasible'}).`;
  if (u.test === null) return `The saved settings, untuned, scored ${score(u.validation)} on validation and have no test score${u.reason ? ` (${u.reason})` : ''}.`;
  const scored = `The saved settings, untuned, scored ${score(u.validation)} on validation and ${score(u.test)} on the test window.`;
  const folds = foldWins(report);
  const tunedTest = report.best?.test ?? null;
  const onTest =
    tunedTest === null
      ? ''
      : u.test > tunedTest
        ? ` On the window neither choice saw, that beats the tuned parameters (${score(tunedTest)}): tuning did not pay there.`
        : ` The tuned parameters beat them there (${score(tunedTest)}).`;
  return `${scored}${folds ? ` Fold by fold, the tuned parameters scored higher on ${folds.wins} of ${folds.of} validation windows.` : ''}${onTest}`;
}

/** On how many validation folds the tuned θ outscored the untuned settings; null when either lacks a fold's score. */
function foldWins(report: Pick<TuningRunReport, 'best' | 'untuned' | 'evaluations'>): { wins: number; of: number } | null {
  const untuned = report.untuned?.folds;
  if (!report.best || !untuned || untuned.length === 0) return null;
  const tuned = chosenEvaluation(report)?.folds;
  if (!tuned || tuned.length !== untuned.length || tuned.some((x) => x == null) || untuned.some((x) => x == null)) return null;
  return { wins: tuned.filter((x, k) => x! > untuned[k]!).length, of: tuned.length };
}

/** Said before a PM accepts a run whose tuned θ scored below the saved settings, untuned, on the test window; else null. */
export function acceptCaution(report: Pick<TuningRunReport, 'objective' | 'best' | 'untuned'>): string | null {
  const tuned = report.best?.test ?? null;
  const saved = report.untuned?.feasible ? report.untuned.test : null;
  if (tuned === null || saved === null || saved <= tuned) return null;
  const score = (x: number) => formatObjective(x, report.objective);
  return `On the test window, which neither choice saw, the saved settings untuned scored ${score(saved)} against this run's ${score(tuned)}.`;
}

/**
 * The deflated Sharpe ratio in words (Sharpe runs, once complete), or null: how likely the chosen parameters' Sharpe
 * ratio reflects more than having tried many parameter sets. 95 % is the paper's significance level.
 */
export function deflatedSharpeText(best: TuningRunReport['best']): { value: string; sentence: string } | null {
  const d = best?.deflatedSharpe;
  if (!d) return null;
  const percent = Math.min(99.9, Math.max(0.1, d.probability * 100));
  const value = `${percent >= 99.5 || percent <= 0.5 ? percent.toFixed(1) : percent.toFixed(0)} %`;
  const verdict =
    d.probability >= 0.95
      ? 'The validation score holds up against that.'
      : 'Below 95 %, the validation score may owe much to having tried many sets; weigh the test score more.';
  const sentence =
    `Deflated Sharpe ratio (Bailey & López de Prado, 2014): the chance that these parameters' true Sharpe ratio beats ${d.benchmark.toFixed(2)} ` +
    `— what the best of ${d.trials} backtest${d.trials === 1 ? '' : 's'} would be expected to score with no skill at all, given how their scores ` +
    `spread and the ${d.returns.toLocaleString('en-US')} daily returns behind the validation score — is ${value}. ${verdict}`;
  return { value, sentence };
}

// ---------- evaluations table ----------

export interface EvaluationRow {
  index: number;
  number: number;
  search: string;
  values: Record<string, string>;
  validation: string;
  /** Each validation window's score: "0.52 · 0.71 · —". */
  folds: string;
  /** "Yes", or "No: <reason>". */
  feasibility: string;
  feasible: boolean;
  isBest: boolean;
  seconds: string;
}

export function evaluationRows(report: Pick<TuningRunReport, 'evaluations' | 'space' | 'objective' | 'best'>): EvaluationRow[] {
  const chosen = chosenEvaluation(report);
  return [...report.evaluations]
    .sort((a, b) => a.index - b.index)
    .map((e, i) => ({
      index: e.index,
      number: i + 1,
      search: sourceLabel(e.source),
      values: Object.fromEntries(report.space.map((p) => [p.name, formatParameterValue(p.name, e.theta[p.name] ?? null)])),
      validation: formatObjective(e.validation, report.objective),
      folds: e.folds.map((f) => formatObjective(f, report.objective)).join(' · '),
      feasibility: e.feasible ? 'Yes' : `No: ${e.reason ?? (e.validation == null ? 'the backtest failed' : 'a limit was broken')}`,
      feasible: e.feasible,
      isBest: chosen !== null && e.index === chosen.index,
      seconds: `${e.seconds.toFixed(1)} s`,
    }));
}

/**
 * The evaluation whose parameters the run recommends. In noisy mode a finished run recommends the point with the
 * best model estimate, which need not be the highest single score; while running (or without a recommendation)
 * it is the tuner's highest feasible score.
 */
export function chosenEvaluation(report: Pick<TuningRunReport, 'evaluations' | 'best'>): TuningEvaluation | null {
  const values = report.best?.values;
  if (values) {
    const keys = Object.keys(values);
    const match = [...report.evaluations]
      .sort((a, b) => a.index - b.index)
      .find((e) => searchOf(e) === 'bayesian' && e.feasible && keys.every((k) => e.theta[k] !== undefined && sameValue(e.theta[k]!, values[k]!)));
    if (match) return match;
  }
  return bestEvaluation(report.evaluations);
}

// ---------- the surrogate in words ----------

/** Where the model expects the best score along one parameter, for the sentence under the chart. */
export function surrogateSummary(slice: Pick<TuningSurrogateSlice, 'parameter' | 'x' | 'mean' | 'observations'>, objective: TuningObjective): string {
  let at = -1;
  slice.mean.forEach((m, i) => {
    if (Number.isFinite(m) && (at < 0 || m > slice.mean[at]!)) at = i;
  });
  const label = parameterLabel(slice.parameter);
  if (at < 0) return `The model has no view of ${label} yet.`;
  const tried = slice.observations.length;
  return (
    `With the other parameters at the best point, the model expects the highest ${objectiveLabel(objective)}, ` +
    `${formatObjective(slice.mean[at], objective)}, at ${label.toLowerCase()} ${formatParameterValue(slice.parameter, slice.x[at] ?? null)}. ` +
    `The shaded band is how unsure it is; dots are the ${tried} backtest${tried === 1 ? '' : 's'} run.`
  );
}

// ---------- importance ----------

export interface ImportanceRow {
  name: string;
  label: string;
  importance: number;
  lengthscale: number;
}

/** Most important first. */
export function importanceRows(report: Pick<TuningRunReport, 'importance'>): ImportanceRow[] {
  return [...report.importance]
    .filter((r) => Number.isFinite(r.importance))
    .sort((a, b) => b.importance - a.importance)
    .map((r) => ({ name: r.name, label: parameterLabel(r.name), importance: r.importance, lengthscale: r.lengthscale }));
}

// ---------- runs list ----------

/** The account's run in progress, if any (the list is newest first); an interrupted run is not in progress, so it is not polled. */
export function runningRun(runs: readonly TuningRunSummary[] | undefined, accountId: string | null): TuningRunSummary | null {
  return runs?.find((r) => r.status === 'running' && (accountId === null || r.accountId === accountId)) ?? null;
}

/**
 * A stopped, failed or interrupted run can be resumed (unless this window is already tuning); a complete one has
 * nothing left to do, and a running one is being run (here or by another process).
 */
export function canResume(status: TuningRunStatus, busyHere: boolean): boolean {
  return !busyHere && (status === 'cancelled' || status === 'failed' || status === 'interrupted');
}

/** Only a finished run with a best point can be accepted, and not the one already in use. */
export function acceptProblem(run: Pick<TuningRunReport, 'status' | 'best' | 'inUse'>): string | null {
  if (run.inUse) return 'Proposals already use this run.';
  if (run.status !== 'complete') return 'Only a finished run can be accepted; resume it first.';
  if (!run.best) return 'This run found no parameters that met its limits.';
  return null;
}

export const MIN_ACCEPT_REASON = 3;
export function acceptFormProblem(by: string, reason: string): string | null {
  if (by.trim() === '') return 'Enter your name: the acceptance is recorded under it.';
  if (reason.trim().length < MIN_ACCEPT_REASON) return 'Give a reason: it is recorded in the audit log with the acceptance.';
  return null;
}

// ---------- the start form ----------

export type ConstraintMetric = TuningConstraint['metric'];

export const CONSTRAINT_METRICS: readonly { metric: ConstraintMetric; label: string; suffix: string; placeholder: string }[] = [
  { metric: 'maxDrawdown', label: 'Worst drawdown at most', suffix: '%', placeholder: '20' },
  { metric: 'turnover', label: 'Turnover at most', suffix: '% a year', placeholder: '200' },
  { metric: 'volatility', label: 'Volatility at most', suffix: '% a year', placeholder: '12' },
  { metric: 'costDrag', label: 'Trading costs at most', suffix: '% a year', placeholder: '0.3' },
];

export type ConstraintForm = Record<ConstraintMetric, { enabled: boolean; value: string }>;

export function emptyConstraintForm(): ConstraintForm {
  return {
    maxDrawdown: { enabled: false, value: '20' },
    turnover: { enabled: false, value: '200' },
    volatility: { enabled: false, value: '12' },
    costDrag: { enabled: false, value: '0.3' },
  };
}

/** Parses a number a PM typed: "20", "20 %", "1,5" (decimal comma), " 0.3 ". */
export function parseTypedNumber(text: string): number | null {
  const cleaned = text.trim().replace(/%$/, '').trim().replace(/^(-?\d+),(\d+)$/, '$1.$2');
  if (cleaned === '' || !/^-?(\d+\.?\d*|\.\d+)$/.test(cleaned)) return null;
  const n = Number(cleaned);
  return Number.isFinite(n) ? n : null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The ticked limits, in percent as typed → the contract's fractions (20 % drawdown → 0.2). */
export function parseConstraints(form: ConstraintForm): Parsed<TuningConstraint[]> {
  const constraints: TuningConstraint[] = [];
  for (const { metric, label, suffix } of CONSTRAINT_METRICS) {
    const entry = form[metric];
    if (!entry.enabled) continue;
    const n = parseTypedNumber(entry.value);
    if (n == null || n < 0) return { ok: false, problem: `${label}: enter a number of ${suffix}, 0 or more.` };
    if (metric === 'maxDrawdown' && n > 100) return { ok: false, problem: `${label}: a drawdown cannot exceed 100 %.` };
    constraints.push({ metric, max: Number((n / 100).toPrecision(12)) });
  }
  return { ok: true, value: constraints };
}

/** One belief row: "<parameter> is most likely between <low> and <high>", or "most likely <choice>". */
export interface BeliefForm {
  parameter: string;
  low: string;
  high: string;
  choice: string;
}

/** A favoured choice is this many times as likely as each other choice. */
export const FAVOURED_CHOICE_WEIGHT = 3;

/** Turns belief rows into πBO priors in the parameter's own units, checked against the search space. */
export function parseBeliefs(rows: readonly BeliefForm[], space: readonly TuningParameter[]): Parsed<Record<string, TuningPrior>> {
  const priors: Record<string, TuningPrior> = {};
  for (const row of rows) {
    const label = parameterLabel(row.parameter);
    const spec = space.find((p) => p.name === row.parameter);
    if (!spec) return { ok: false, problem: `${label} is not among the parameters this tuning searches.` };
    if (priors[row.parameter]) return { ok: false, problem: `${label} has two beliefs; keep one.` };
    if (spec.type === 'categorical') {
      const favoured = spec.choices.find((c) => String(c) === row.choice);
      if (favoured === undefined) return { ok: false, problem: `${label}: choose the most likely option.` };
      priors[row.parameter] = {
        type: 'categorical',
        weights: Object.fromEntries(spec.choices.map((c) => [String(c), String(c) === row.choice ? FAVOURED_CHOICE_WEIGHT : 1])),
      };
      continue;
    }
    const lowTyped = parseTypedNumber(row.low);
    const highTyped = parseTypedNumber(row.high);
    const suffix = unitSuffix(row.parameter);
    if (lowTyped == null || highTyped == null) return { ok: false, problem: `${label}: enter both ends of the likely range${suffix ? ` (in ${suffix})` : ''}.` };
    if (!(lowTyped < highTyped)) return { ok: false, problem: `${label}: the lower end must be below the upper end.` };
    const low = fromDisplayUnits(row.parameter, lowTyped);
    const high = fromDisplayUnits(row.parameter, highTyped);
    if (high <= spec.lower || low >= spec.upper) {
      return { ok: false, problem: `${label}: ${row.low}–${row.high} lies outside the searched range, ${describeRange(spec)}.` };
    }
    priors[row.parameter] = { type: 'range', low: Number(low.toPrecision(12)), high: Number(high.toPrecision(12)) };
  }
  return { ok: true, value: priors };
}

export interface StartForm {
  objective: TuningObjective;
  budget: string;
  batch: string;
  seed: string;
  compare: boolean;
  constraints: ConstraintForm;
  beliefs: BeliefForm[];
  /** Validation windows before the test window, and the test window's length in years. */
  folds: string;
  testYears: string;
  /** Start from the backtests of the account's previous run (new data since), rather than from scratch. */
  warmStart: boolean;
}

export function emptyStartForm(): StartForm {
  return { objective: 'sharpe', budget: '40', batch: '2', seed: '', compare: true, constraints: emptyConstraintForm(), beliefs: [], folds: '4', testYears: '3', warmStart: true };
}

function parseInteger(text: string, label: string, min: number, max: number): Parsed<number> {
  const n = parseTypedNumber(text);
  if (n == null || !Number.isInteger(n) || n < min || n > max) return { ok: false, problem: `${label}: a whole number from ${min} to ${max}.` };
  return { ok: true, value: n };
}

/** The whole form → the 'tuning.run' input, or the first thing to fix, in words. */
export function buildRunInput(accountId: string, form: StartForm, space: readonly TuningParameter[]): Parsed<Extract<MethodInput<'tuning.run'>, { accountId: string }>> {
  const budget = parseInteger(form.budget, 'Backtests to run', 4, 500);
  if (!budget.ok) return budget;
  const batch = parseInteger(form.batch, 'Backtests side by side', 1, 16);
  if (!batch.ok) return batch;
  let seed: number | undefined;
  if (form.seed.trim() !== '') {
    const parsed = parseInteger(form.seed, 'Seed', 0, 2 ** 31 - 1);
    if (!parsed.ok) return parsed;
    seed = parsed.value;
  }
  const folds = parseInteger(form.folds, 'Validation windows', 1, 10);
  if (!folds.ok) return folds;
  const testYears = parseTypedNumber(form.testYears);
  if (testYears == null || testYears < 0.5 || testYears > 10) return { ok: false, problem: 'Test window: from 0.5 to 10 years.' };
  const constraints = parseConstraints(form.constraints);
  if (!constraints.ok) return constraints;
  const priors = parseBeliefs(form.beliefs, space);
  if (!priors.ok) return priors;
  return {
    ok: true,
    value: {
      accountId,
      objective: form.objective,
      budget: budget.value,
      batch: batch.value,
      ...(seed === undefined ? {} : { seed }),
      constraints: constraints.value,
      ...(Object.keys(priors.value).length > 0 ? { priors: priors.value } : {}),
      compare: form.compare,
      folds: folds.value,
      testYears,
      warmStart: form.warmStart ? 'latest' : 'none',
    },
  };
}

/** "Sharpe ≥ … · max drawdown ≤ 20 % · turnover ≤ 200 % a year": a run's limits in words. */
export function constraintsSentence(constraints: readonly TuningConstraint[]): string {
  if (constraints.length === 0) return 'none';
  return constraints
    .map((c) => {
      const meta = CONSTRAINT_METRICS.find((m) => m.metric === c.metric);
      return `${meta?.label.toLowerCase() ?? c.metric} ${trim(c.max * 100, 2)} ${meta?.suffix ?? ''}`.trim();
    })
    .join(' · ');
}

/** A prior in words: "most likely 20 to 60 trading days". */
export function priorSentence(name: string, prior: TuningPrior): string {
  const v = (x: number) => formatParameterValue(name, x);
  switch (prior.type) {
    case 'range':
      return `most likely ${v(prior.low)} to ${v(prior.high)}`;
    case 'normal':
      return `about ${v(prior.mean)}, give or take ${v(prior.sd)}`;
    case 'logNormal':
      return `about ${v(prior.median)}, within a factor of ${trim(Math.exp(prior.sdLog), 2)}`;
    case 'categorical': {
      const top = Object.entries(prior.weights).sort((a, b) => b[1] - a[1])[0];
      return top ? `most likely ${formatParameterValue(name, top[0])}` : 'no preference';
    }
  }
}

/**
 * The parameters a belief can be stated for: the searched space of the account's latest run (the tuner keeps
 * its space between runs), else the tuner's default space (the contract's, so the ranges are the ones a run searches).
 */
export function beliefParameters(latestSpace: readonly TuningParameter[] | null): TuningParameter[] {
  if (latestSpace && latestSpace.length > 0) return [...latestSpace];
  return [...DEFAULT_TUNING_SPACE];
}
