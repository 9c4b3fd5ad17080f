import { DEFAULT_STRATEGY_PARAMETERS, type StrategyParameters } from '../../shared/strategy';
import { type TuningEvaluation, type TuningRunReport, type TuningRunSummary, type TuningSurrogateSlice } from '../../shared/tuning';

/*
 * A tuning run as the server reports it, for the renderer's unit tests: a small space (a log-scale number, a
 * day count, a choice), six evaluations of the tuner (one breaks the drawdown limit) and three each of random and
 * grid search. Numbers are made up but consistent (the best is the highest feasible validation).
 */

const evaluation = (index: number, source: TuningEvaluation['source'], theta: TuningEvaluation['theta'], validation: number | null, feasible = true, reason: string | null = null): TuningEvaluation => ({
  index,
  theta,
  validation,
  folds: validation == null ? [null, null] : [validation - 0.05, validation + 0.05],
  feasible,
  reason,
  source,
  seconds: 1.25,
});

export function tuningTheta(): StrategyParameters {
  return structuredClone({ ...DEFAULT_STRATEGY_PARAMETERS, riskAversion: 12.5, rebalance: { ...DEFAULT_STRATEGY_PARAMETERS.rebalance, everyDays: 42 } });
}

export function tuningReport(): TuningRunReport {
  return {
    runId: 3,
    accountId: 'DEMO',
    status: 'complete',
    objective: 'sharpe',
    budget: 6,
    batch: 2,
    seed: 11,
    bestValidation: 0.91,
    test: 0.64,
    createdAt: '2026-08-04T09:00:00.000Z',
    finishedAt: '2026-08-04T09:02:00.000Z',
    acceptedAt: null,
    acceptedBy: null,
    inUse: false,
    compare: true,
    error: null,
    space: [
      { name: 'riskAversion', type: 'continuous', lower: 1, upper: 100, scale: 'log' },
      { name: 'rebalance.everyDays', type: 'integer', lower: 5, upper: 63 },
      { name: 'rebalance.mode', type: 'categorical', choices: ['calendar', 'bands'] },
    ],
    priors: { 'rebalance.everyDays': { type: 'range', low: 20, high: 60 } },
    constraints: [{ metric: 'maxDrawdown', max: 0.2 }],
    tickers: ['SPY', 'TLT'],
    folds: [
      { from: '2010-01-04', to: '2013-12-31' },
      { from: '2014-01-02', to: '2019-12-31' },
    ],
    testWindow: { from: '2020-01-02', to: '2023-08-03' },
    modelRunId: 1,
    warmStartedFrom: null,
    best: { theta: tuningTheta(), values: { riskAversion: 12.5, 'rebalance.everyDays': 42, 'rebalance.mode': 'calendar' }, validation: 0.91, estimate: 0.88, test: 0.64, deflatedSharpe: { probability: 0.83, benchmark: 0.62, trials: 5, returns: 2510 } },
    evaluations: [
      evaluation(0, 'design', { riskAversion: 3, 'rebalance.everyDays': 10, 'rebalance.mode': 'bands' }, 0.5),
      evaluation(1, 'design', { riskAversion: 50, 'rebalance.everyDays': 60, 'rebalance.mode': 'calendar' }, 0.7),
      evaluation(2, 'model', { riskAversion: 1.5, 'rebalance.everyDays': 30, 'rebalance.mode': 'calendar' }, 0.95, false, 'max drawdown 23.1 % above the 20 % limit on fold 2'),
      evaluation(3, 'model', { riskAversion: 12.5, 'rebalance.everyDays': 42, 'rebalance.mode': 'calendar' }, 0.91),
      evaluation(4, 'model', { riskAversion: 20, 'rebalance.everyDays': 21, 'rebalance.mode': 'calendar' }, 0.8),
      evaluation(5, 'feasibility', { riskAversion: 8, 'rebalance.everyDays': 5, 'rebalance.mode': 'bands' }, null, false, 'the backtest failed'),
      evaluation(6, 'random', { riskAversion: 2, 'rebalance.everyDays': 7, 'rebalance.mode': 'bands' }, 0.4),
      evaluation(7, 'random', { riskAversion: 70, 'rebalance.everyDays': 50, 'rebalance.mode': 'calendar' }, 0.75),
      evaluation(8, 'random', { riskAversion: 5, 'rebalance.everyDays': 33, 'rebalance.mode': 'calendar' }, 0.6),
      evaluation(9, 'grid', { riskAversion: 1, 'rebalance.everyDays': 5, 'rebalance.mode': 'calendar' }, 0.3),
      evaluation(10, 'grid', { riskAversion: 10, 'rebalance.everyDays': 34, 'rebalance.mode': 'calendar' }, 0.85),
      evaluation(11, 'grid', { riskAversion: 100, 'rebalance.everyDays': 63, 'rebalance.mode': 'bands' }, 0.2),
    ],
    comparison: {
      bayesian: { bestValidation: 0.91, test: 0.64, evaluationsTo95: 4, best: { riskAversion: 12.5 }, evaluations: 6, bestSoFar: [0.5, 0.7, 0.7, 0.91, 0.91, 0.91] },
      random: { bestValidation: 0.75, test: 0.5, evaluationsTo95: null, best: { riskAversion: 70 }, evaluations: 6, bestSoFar: [0.4, 0.75, 0.75, 0.75, 0.75, 0.75] },
      grid: { bestValidation: 0.85, test: null, evaluationsTo95: null, best: null, evaluations: 3, bestSoFar: [0.3, 0.85, 0.85] },
    },
    importance: [
      { name: 'riskAversion', lengthscale: 0.5, importance: 0.25 },
      { name: 'rebalance.everyDays', lengthscale: 0.2, importance: 0.625 },
      { name: 'rebalance.mode', lengthscale: 1, importance: 0.125 },
    ],
    untuned: { validation: 0.86, folds: [0.88, 0.84], test: 0.71, feasible: true, reason: null },
  };
}

export function surrogateSlice(parameter = 'rebalance.everyDays'): TuningSurrogateSlice {
  return {
    runId: 3,
    parameter,
    type: 'integer',
    x: [5, 20, 40, 63],
    mean: [0.4, 0.7, 0.9, 0.6],
    lower: [-0.1, 0.5, 0.8, 0.3],
    upper: [0.9, 0.9, 1.0, 0.9],
    observations: [
      { x: 10, y: 0.5 },
      { x: 42, y: 0.91 },
    ],
  };
}

export function tuningSummary(patch: Partial<TuningRunSummary> = {}): TuningRunSummary {
  const { space: _s, priors: _p, constraints: _c, tickers: _t, folds: _f, testWindow: _w, modelRunId: _m, warmStartedFrom: _ws, best: _b, evaluations, comparison: _cmp, importance: _i, ...rest } = tuningReport();
  return { ...rest, evaluations: evaluations.length, ...patch };
}
