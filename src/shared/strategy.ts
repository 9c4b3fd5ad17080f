import { z } from 'zod';

/**
 * θ — the Bayesian strategy's own parameters: what a backtest varies, what Bayesian optimisation tunes and what
 * a proposal records. Model settings (network size, priors, retraining cadence) are not here: they belong to the
 * forecast stage (`ForecastConfig`) and are chosen by its own validation.
 *
 * Units: weights are fractions of total account value; rates and volatilities annualised fractions; costs in
 * basis points of traded value per side; days are trading days.
 *
 * Defaults: chosen on the demo ETFs' early years only (first decision 2007-12 → 2012-12, by Sharpe, in
 * `npm run bench -- strategy`): γ 10, tracking-error budget 2 %, breaker warn −1 / trip −2 over a 252-day window.
 * κ = 20 is a product choice — the early data could not tell κ 0, 20 and 200 apart (the tracking-error budget
 * binds first) — so the uncertainty penalty stays on, at a size where it acts.
 */
export const RebalanceRule = z
  .object({
    /** 'calendar': rebalance every `everyDays`; 'bands': check daily, trade only assets outside their band. */
    mode: z.enum(['calendar', 'bands']).default('calendar'),
    everyDays: z.number().int().min(1).max(252).default(21),
    /** Half-width of each asset's band around its target, in weight (0.02 = ±2 percentage points). */
    bandWidth: z.number().min(0).max(0.5).default(0.03),
    /** Where an asset outside its band is traded to: its band's nearer edge, or all the way to target. */
    bandTarget: z.enum(['edge', 'target']).default('target'),
  })
  .strict();

export const CovarianceSettings = z
  .object({
    estimator: z.enum(['ledoit-wolf', 'ewma']).default('ledoit-wolf'),
    /** Daily returns in the estimate. */
    lookbackDays: z.number().int().min(60).max(5000).default(252),
    /** EWMA half-life in trading days (estimator 'ewma' only). */
    halfLifeDays: z.number().min(5).max(1000).default(63),
  })
  .strict();

export const BreakerSettings = z
  .object({
    /**
     * Thresholds on the certainty score (see engine/breaker): NORMAL → CAUTION when certainty falls below
     * `warn`, → DE_RISKED below `trip`; back one step only when it rises above `reset` (hysteresis), and never
     * before `minDwellDays` in the current state.
     */
    warn: z.number().default(-1),
    trip: z.number().default(-2),
    reset: z.number().default(-0.5),
    minDwellDays: z.number().int().min(0).max(252).default(10),
    /** Risky exposure (fraction of the target's risky weight kept) in CAUTION and in DE_RISKED; the rest goes to cash. */
    cautionExposure: z.number().min(0).max(1).default(0.7),
    floorExposure: z.number().min(0).max(1).default(0.35),
    /** Trading days of the certainty metric's own history that set its normal range. */
    trailingDays: z.number().int().min(20).max(2520).default(252),
    enabled: z.boolean().default(true),
    /**
     * What the certainty score measures: 'epistemic' — the spread of the network's weight draws (the model not
     * knowing), or 'predictive' — epistemic plus aleatoric (the model's whole uncertainty about the next
     * period's returns, which also rises when it expects a turbulent market).
     */
    metric: z.enum(['epistemic', 'predictive']).default('epistemic'),
  })
  .strict();

export const CostSettings = z
  .object({
    /** Commission and half-spread, basis points of traded value per side. */
    bpsPerSide: z.number().min(0).max(500).default(5),
    /** Square-root market impact: cost fraction = coefficient · σ_daily · √(traded value / ADV); 0 = off or no ADV. */
    impactCoefficient: z.number().min(0).max(10).default(0),
  })
  .strict();

export const ClassLimit = z.object({ min: z.number().min(0).max(1).optional(), max: z.number().min(0).max(1).optional() }).strict();

export const ConstraintSettings = z
  .object({
    /** Per-asset weight bounds (fractions of total value); per-ticker overrides in `perAsset`. */
    minWeight: z.number().min(0).max(1).default(0),
    maxWeight: z.number().min(0).max(1).default(0.35),
    perAsset: z.record(z.string(), z.object({ min: z.number().min(0).max(1).optional(), max: z.number().min(0).max(1).optional() }).strict()).default({}),
    /** Asset-class caps, e.g. { "equity": { "max": 0.7 } }. */
    classLimits: z.record(z.string(), ClassLimit).default({}),
    /** One-way turnover cap per rebalance (half the sum of |Δw|); null = none. */
    turnoverCap: z.number().min(0).max(2).nullable().default(null),
    /** Trades smaller than this weight are dropped. */
    minTradeWeight: z.number().min(0).max(0.2).default(0.0025),
    /** Cash kept after trades, fraction of total value. */
    cashFloor: z.number().min(0).max(0.9).default(0.02),
    /** Restricted list (tickers): not bought, not sold, or held at zero. */
    noBuy: z.array(z.string()).default([]),
    noSell: z.array(z.string()).default([]),
    excluded: z.array(z.string()).default([]),
  })
  .strict();

export const StrategyParameters = z
  .object({
    /** γ in the mean–variance tilt around the risk-budgeting anchor (per unit of horizon variance). */
    riskAversion: z.number().positive().max(1000).default(10),
    /**
     * κ: epistemic variance added to the risk term, so an unsure forecast moves weights less. The epistemic
     * variance of a 21-day forecast is ~1e-5–1e-4 against a horizon variance of ~1e-3, so κ acts from ~10 up.
     */
    uncertaintyPenalty: z.number().min(0).max(1000).default(20),
    /** Annualised tracking-error budget of the target around the anchor. */
    trackingErrorBudget: z.number().min(0).max(0.5).default(0.02),
    rebalance: RebalanceRule.default(RebalanceRule.parse({})),
    covariance: CovarianceSettings.default(CovarianceSettings.parse({})),
    costs: CostSettings.default(CostSettings.parse({})),
    constraints: ConstraintSettings.default(ConstraintSettings.parse({})),
    breaker: BreakerSettings.default(BreakerSettings.parse({})),
  })
  .strict();
export type StrategyParameters = z.infer<typeof StrategyParameters>;
export type StrategyParametersInput = z.input<typeof StrategyParameters>;
export type BreakerSettings = z.infer<typeof BreakerSettings>;
export type ConstraintSettings = z.infer<typeof ConstraintSettings>;
export type CostSettings = z.infer<typeof CostSettings>;
export type CovarianceSettings = z.infer<typeof CovarianceSettings>;
export type RebalanceRule = z.infer<typeof RebalanceRule>;

export const DEFAULT_STRATEGY_PARAMETERS: StrategyParameters = StrategyParameters.parse({});

/**
 * The forecast stage's settings: one pooled Bayesian neural network across assets, trained walk-forward. A stored
 * model run is keyed by these settings, the seed and the price data it saw.
 */
export const ForecastConfig = z
  .object({
    /** Forecast horizon in trading days (the next rebalance period). */
    horizonDays: z.number().int().min(1).max(126).default(21),
    /** Trading days between retrains (each a warm-started online update of the previous posterior). */
    retrainEveryDays: z.number().int().min(5).max(1260).default(63),
    /** Rolling training window in trading days (most recent samples). */
    trainWindowDays: z.number().int().min(126).max(10_000).default(1260),
    /** No forecast before this many trading days of usable history. */
    minTrainDays: z.number().int().min(126).max(5000).default(504),
    /** A forecast every this many trading days (decisions read the latest one at or before their date). */
    strideDays: z.number().int().min(1).max(63).default(5),
    /** Monte Carlo draws of the network per stored forecast. */
    samples: z.number().int().min(8).max(1000).default(64),
    /** Epochs of the first fit and of each online update. */
    epochs: z.number().int().min(1).max(2000).default(60),
    updateEpochs: z.number().int().min(1).max(2000).default(15),
    hiddenLayers: z.array(z.number().int().min(1).max(256)).min(1).max(4).default([32, 16]),
    priorScale: z.number().positive().max(100).default(1),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(7),
  })
  .strict();
export type ForecastConfig = z.infer<typeof ForecastConfig>;
export type ForecastConfigInput = z.input<typeof ForecastConfig>;
export const DEFAULT_FORECAST_CONFIG: ForecastConfig = ForecastConfig.parse({});
