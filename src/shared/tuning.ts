import { z } from 'zod';
import { AccountId, IsoDate, IsoTimestamp } from './domain';
import { StrategyParameters } from './strategy';

/**
 * Tuning: Bayesian optimisation of the strategy's own parameters θ on nested walk-forward backtests.
 *
 * A tuning run chooses θ on *validation folds* (the objective averaged over several consecutive windows before
 * the test window — noisy, so the optimiser runs in its noisy mode) and then reports the chosen θ once on a *test
 * window* that no evaluation saw. Every evaluation backtests over stored forecasts (the walk-forward BNN run of
 * the account's universe), so evaluations differ only in θ. Runs and their observations are stored, resumable,
 * and change proposals only when a PM accepts one.
 */

/** θ's tunable leaves, by path into `StrategyParameters`. */
export const TunableParameterName = z.enum([
  'riskAversion',
  'uncertaintyPenalty',
  'trackingErrorBudget',
  'rebalance.mode',
  'rebalance.everyDays',
  'rebalance.bandWidth',
  'covariance.lookbackDays',
  'breaker.warn',
  'breaker.trip',
  'breaker.trailingDays',
  'breaker.cautionExposure',
  'breaker.floorExposure',
  'constraints.maxWeight',
  'constraints.turnoverCap',
]);
export type TunableParameterName = z.infer<typeof TunableParameterName>;

/** One dimension of the search space (same shape as the optimiser's own parameter specs). */
export const TuningParameter = z.discriminatedUnion('type', [
  z
    .object({
      name: TunableParameterName,
      type: z.literal('continuous'),
      lower: z.number(),
      upper: z.number(),
      scale: z.enum(['linear', 'log']).optional(),
    })
    .strict(),
  z
    .object({
      name: TunableParameterName,
      type: z.literal('integer'),
      lower: z.number().int(),
      upper: z.number().int(),
      scale: z.enum(['linear', 'log']).optional(),
    })
    .strict(),
  z
    .object({
      name: TunableParameterName,
      type: z.literal('categorical'),
      choices: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
    })
    .strict(),
]);
export type TuningParameter = z.infer<typeof TuningParameter>;

/**
 * The space a run searches when the request names none (7 parameters). One list for the engine and the Tuning
 * screen, which offers beliefs on these parameters before the account has a run. Bounds chosen so that every
 * point is a sensible strategy and the search needs no repair:
 *  - riskAversion γ, log 1–100: the tilt's strength spans two orders of magnitude, so it is searched in log γ;
 *  - uncertaintyPenalty κ, 0–200: κ acts from ~10 up (see StrategyParameters) and 200 already pins the tilt to
 *    the anchor for unsure forecasts;
 *  - trackingErrorBudget, log 0.5 %–8 %: from "hug the anchor" to a wide active-risk budget;
 *  - rebalance.everyDays, integer 5–63: weekly to quarterly;
 *  - covariance.lookbackDays, integer 126–756: six months to three years of daily returns;
 *  - breaker.warn in [−1.8, −0.6] and breaker.trip in [−3.5, −1.9]: the two ranges do not overlap and both lie
 *    below the default reset (−0.5), so trip < warn < reset holds everywhere in the default space.
 */
export const DEFAULT_TUNING_SPACE: readonly TuningParameter[] = [
  { name: 'riskAversion', type: 'continuous', lower: 1, upper: 100, scale: 'log' },
  { name: 'uncertaintyPenalty', type: 'continuous', lower: 0, upper: 200 },
  { name: 'trackingErrorBudget', type: 'continuous', lower: 0.005, upper: 0.08, scale: 'log' },
  { name: 'rebalance.everyDays', type: 'integer', lower: 5, upper: 63 },
  { name: 'covariance.lookbackDays', type: 'integer', lower: 126, upper: 756 },
  { name: 'breaker.warn', type: 'continuous', lower: -1.8, upper: -0.6 },
  { name: 'breaker.trip', type: 'continuous', lower: -3.5, upper: -1.9 },
];

/** A PM's belief about one parameter (πBO prior), in the parameter's own units. */
export const TuningPrior = z.discriminatedUnion('type', [
  /** x ~ Normal(mean, sd²). */
  z.object({ type: z.literal('normal'), mean: z.number(), sd: z.number().positive() }).strict(),
  /** ln x ~ Normal(ln median, sdLog²): "about 0.01, give or take ×3". */
  z.object({ type: z.literal('logNormal'), median: z.number().positive(), sdLog: z.number().positive() }).strict(),
  /** "Most likely between a and b" (read as a normal with 90 % of its mass inside [a, b]). */
  z.object({ type: z.literal('range'), low: z.number(), high: z.number() }).strict(),
  /** Relative weights per choice, keyed by String(choice). */
  z.object({ type: z.literal('categorical'), weights: z.record(z.string(), z.number().positive()) }).strict(),
]);
export type TuningPrior = z.infer<typeof TuningPrior>;

export const TuningObjective = z.enum(['sharpe', 'sortino', 'calmar', 'utility']);
export type TuningObjective = z.infer<typeof TuningObjective>;

/** An outcome constraint on every validation fold's backtest, e.g. max drawdown ≤ 0.20; handled as an unknown constraint. */
export const TuningConstraint = z
  .object({
    metric: z.enum(['maxDrawdown', 'turnover', 'volatility', 'costDrag']),
    max: z.number().nonnegative(),
  })
  .strict();
export type TuningConstraint = z.infer<typeof TuningConstraint>;

export const TuningSearch = z.enum(['bayesian', 'random', 'grid']);
export type TuningSearch = z.infer<typeof TuningSearch>;

export const TuningRunInput = z
  .object({
    accountId: AccountId,
    objective: TuningObjective.default('sharpe'),
    /** Backtest evaluations (each = one θ on every validation fold). */
    budget: z.number().int().min(4).max(500).default(40),
    /** Points evaluated concurrently per optimiser step (q-batch). */
    batch: z.number().int().min(1).max(16).default(2),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    /** The search space; the default space when omitted. */
    space: z.array(TuningParameter).min(1).max(14).optional(),
    priors: z.record(z.string(), TuningPrior).optional(),
    constraints: z.array(TuningConstraint).default([]),
    /** Validation folds before the test window, and the test window's length. */
    folds: z.number().int().min(1).max(10).default(4),
    testYears: z.number().min(0.5).max(10).default(3),
    /** Run random and grid search at the same budget on the same folds, for the comparison table. */
    compare: z.boolean().default(false),
    /** Warm-start from an earlier run's observations (default: the account's latest run with the same space). */
    warmStart: z.union([z.literal('latest'), z.literal('none'), z.number().int().positive()]).default('latest'),
    /** θ fixed for everything not tuned (default: the saved settings' θ). */
    base: StrategyParameters.optional(),
  })
  .strict();
export type TuningRunInput = z.input<typeof TuningRunInput>;
export type TuningRunParsedInput = z.output<typeof TuningRunInput>;

/**
 * 'interrupted' is never stored: it is a 'running' run whose process is gone (killed, crashed, the machine lost
 * power), as read — its owner process is not alive on this host, or, owned on another host, it has not committed a
 * batch for a long while. It can be resumed like a cancelled run.
 */
export const TuningRunStatus = z.enum(['running', 'complete', 'cancelled', 'failed', 'interrupted']);
export type TuningRunStatus = z.infer<typeof TuningRunStatus>;

export const TuningValues = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));
export type TuningValues = z.infer<typeof TuningValues>;

export const TuningEvaluation = z.object({
  index: z.number().int().nonnegative(),
  /** The tuned parameters' values (the rest of θ is the run's base). */
  theta: TuningValues,
  /** Mean objective over the validation folds (null when infeasible or failed). */
  validation: z.number().nullable(),
  folds: z.array(z.number().nullable()),
  feasible: z.boolean(),
  /** Why it is infeasible, in words (which constraint, on which fold). */
  reason: z.string().nullable(),
  source: z.enum(['design', 'model', 'feasibility', 'warm-start', 'random', 'grid', 'external']),
  seconds: z.number().nonnegative(),
});
export type TuningEvaluation = z.infer<typeof TuningEvaluation>;

export const TuningSearchSummary = z.object({
  bestValidation: z.number().nullable(),
  test: z.number().nullable(),
  /**
   * Evaluations needed before the search's best so far reached 95 % of the best validation objective *any* search of
   * the run found (target − 5 %·|target|, so it reads the same for negative objectives); null if it never did. A
   * common target, so a search that settles early on a poor value does not look fast.
   */
  evaluationsTo95: z.number().int().nullable(),
  best: TuningValues.nullable(),
  /** Evaluations done so far by this search. */
  evaluations: z.number().int().nonnegative(),
  /** Best feasible validation objective after each evaluation (null before the first feasible one): the live curve. */
  bestSoFar: z.array(z.number().nullable()),
});
export type TuningSearchSummary = z.infer<typeof TuningSearchSummary>;

export const TuningWindow = z.object({ from: IsoDate, to: IsoDate });

/**
 * The run's base θ as it is — the saved settings proposals use unless a tuning run is accepted — scored on the same
 * validation folds and test window as the tuned θ: what tuning is measured against.
 */
export const TuningUntuned = z.object({
  /** Mean objective over the validation folds; null when it breaks a constraint or a backtest fails. */
  validation: z.number().nullable(),
  /** The objective on each validation fold, in order (null where the backtest failed). */
  folds: z.array(z.number().nullable()),
  /** The test window's objective; null when it breaks a constraint there or the backtest fails. */
  test: z.number().nullable(),
  /** Whether it meets the run's limits on every validation fold. */
  feasible: z.boolean(),
  /** Why it is infeasible, in words; or, when it is feasible but has no test score, why not. */
  reason: z.string().nullable(),
});
export type TuningUntuned = z.infer<typeof TuningUntuned>;

export const TuningRunSummary = z.object({
  runId: z.number().int().positive(),
  accountId: AccountId,
  status: TuningRunStatus,
  objective: TuningObjective,
  budget: z.number().int(),
  batch: z.number().int(),
  seed: z.number().int(),
  evaluations: z.number().int().nonnegative(),
  bestValidation: z.number().nullable(),
  test: z.number().nullable(),
  createdAt: IsoTimestamp,
  finishedAt: IsoTimestamp.nullable(),
  acceptedAt: IsoTimestamp.nullable(),
  acceptedBy: z.string().nullable(),
  /** True for the account's currently accepted run (the one proposals use). */
  inUse: z.boolean(),
  /** Whether random and grid search run beside the Bayesian one (each at the same budget). */
  compare: z.boolean(),
  /** Why a failed run stopped, in words; null otherwise. */
  error: z.string().nullable(),
});
export type TuningRunSummary = z.infer<typeof TuningRunSummary>;

export const TuningRunReport = TuningRunSummary.extend({
  space: z.array(TuningParameter),
  priors: z.record(z.string(), TuningPrior),
  constraints: z.array(TuningConstraint),
  tickers: z.array(z.string()),
  folds: z.array(TuningWindow),
  testWindow: TuningWindow,
  modelRunId: z.number().int().nullable(),
  warmStartedFrom: z.number().int().nullable(),
  /**
   * The recommended θ: while running, the best feasible evaluation so far (estimate and test null); when complete,
   * the optimiser's recommendation among feasible evaluations (noisy mode: the best posterior mean), with its test
   * window objective. Null while nothing feasible was found.
   */
  best: z
    .object({
      /** The whole θ a proposal would use. */
      theta: StrategyParameters,
      values: TuningValues,
      validation: z.number(),
      /** Posterior-mean estimate of the validation objective at the recommended point. */
      estimate: z.number().nullable(),
      /** The test window's objective, computed once at the end. */
      test: z.number().nullable(),
      /**
       * Sharpe objective only, when the run is complete: the deflated Sharpe ratio of the validation score (Bailey &
       * López de Prado 2014) — the probability that its true Sharpe ratio beats what the best of the run's feasible
       * backtests would show with no skill at all (`benchmark`, annualised), given their spread and `returns` daily
       * returns behind the score. Null for other objectives, while running, and for runs finished before it existed.
       */
      deflatedSharpe: z
        .object({ probability: z.number(), benchmark: z.number(), trials: z.number().int().positive(), returns: z.number().int().nonnegative() })
        .nullable(),
    })
    .nullable(),
  evaluations: z.array(TuningEvaluation),
  /** The searches side by side (Bayesian alone when the run does not compare); filled in as the run goes. */
  comparison: z.object({ bayesian: TuningSearchSummary, random: TuningSearchSummary.nullable(), grid: TuningSearchSummary.nullable() }).nullable(),
  /** Relative importance per parameter from the fitted GP's lengthscales (1/ℓ, normalised to sum 1). */
  importance: z.array(z.object({ name: z.string(), lengthscale: z.number(), importance: z.number() })),
  /** The saved settings untuned, scored once the run is complete; null before, and for runs finished before it existed. */
  untuned: TuningUntuned.nullable(),
});
export type TuningRunReport = z.infer<typeof TuningRunReport>;

/** The GP's view of one parameter: the others held at the best point. */
export const TuningSurrogateSlice = z.object({
  runId: z.number().int().positive(),
  parameter: z.string(),
  type: z.enum(['continuous', 'integer', 'categorical']),
  x: z.array(z.union([z.number(), z.string(), z.boolean()])),
  mean: z.array(z.number()),
  lower: z.array(z.number()),
  upper: z.array(z.number()),
  observations: z.array(z.object({ x: z.union([z.number(), z.string(), z.boolean()]), y: z.number() })),
});
export type TuningSurrogateSlice = z.infer<typeof TuningSurrogateSlice>;
