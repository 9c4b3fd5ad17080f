/**
 * The Bayesian strategy: one decision on date t, from data dated ≤ t and the newest stored forecast ≤ t.
 *
 *   daily returns over the lookback ─► Σ (Ledoit–Wolf or EWMA), horizon Σ_h = h·Σ_daily
 *   Σ ─► anchor a: equal-risk-contribution weights × (1 − cash floor), within the per-asset limits
 *   forecasts (μ, σ²_epistemic) + Σ_h + costs + constraints ─► tilt w* (allocate/allocator.ts):
 *        maximise (w − a)ᵀμ − (γ/2)(w − a)ᵀ(Σ_h + κ·diag(σ²_epistemic))(w − a) − costs(w − w₀)
 *        subject to the mandate and a tracking-error budget around a
 *   circuit breaker state (breaker/breaker.ts) ─► risky weights × exposure, the rest to cash
 *
 * With no signal (μ = 0) or unbounded epistemic variance the tilt vanishes and the target is the anchor; with the
 * breaker tripped the risky sleeve shrinks toward cash down to the configured floor.
 *
 * The breaker's certainty is a property of the model run, not of one account: it is computed once per forecast
 * set over every forecast date (from the equal-weight portfolio's epistemic spread against its own trailing
 * distribution), so a backtest, a tuning run and a proposal see the same states on the same dates.
 */
import type { BreakerStateName, BreakerTransition } from '../../../shared/domain';
import { BallastError } from '../../../shared/errors';
import type { StrategyParameters } from '../../../shared/strategy';
import { allocate, type AllocationProblem, type AllocationResult } from '../allocate/allocator';
import { anchorWithinLimits } from '../allocate/anchor';
import type { BacktestStrategy, RebalanceDecision } from '../backtest/backtest';
import { applyExposure, certaintyScores, portfolioEpistemicSpread, runBreaker, type BreakerStep } from '../breaker/breaker';
import { indexAtOrBefore, type PricePanel } from '../features/panel';
import { forecastAtOrBefore, type ForecastSet, type ForecastSlice } from '../forecast/types';
import { type Matrix, zeros } from '../math/linalg';
import { ledoitWolfCovariance } from '../risk/covariance';
import { ewmaCovariance } from '../risk/ewma';
import { riskBudgetWeights } from '../risk/riskBudgeting';

export const BAYESIAN_ENGINE = {
  name: 'bayesian',
  label: 'Bayesian strategy (BNN forecasts, uncertainty-penalised tilt around risk parity, circuit breaker)',
} as const;

/** Parts of the strategy that an ablation switches off (the backtest's "without the breaker" etc.). */
export interface Ablation {
  breaker?: boolean;
  uncertaintyPenalty?: boolean;
  forecasts?: boolean;
}

/** The breaker run over a forecast set: state and exposure on each forecast date. */
export interface BreakerTrack {
  dates: readonly string[];
  certainty: Float64Array;
  steps: BreakerStep[];
  transitions: BreakerTransition[];
}

/** Trading-day index of each forecast date within the panel (dwell and trailing windows count trading days). */
function dayIndexOf(panelDates: readonly string[], dates: readonly string[]): Int32Array {
  const out = new Int32Array(dates.length);
  let j = 0;
  for (let d = 0; d < dates.length; d++) {
    while (j < panelDates.length && panelDates[j]! < dates[d]!) j++;
    out[d] = j;
  }
  return out;
}

/**
 * Spread of the equal-weight portfolio of the assets with a forecast, per forecast date: epistemic only, or the
 * whole predictive variance (epistemic + aleatoric) when the breaker's metric is 'predictive'.
 */
export function forecastSpreads(forecasts: ForecastSet, metric: 'epistemic' | 'predictive' = 'epistemic'): Float64Array {
  const n = forecasts.tickers.length;
  const out = new Float64Array(forecasts.dates.length);
  for (let d = 0; d < forecasts.dates.length; d++) {
    const epi =
      metric === 'epistemic'
        ? forecasts.epistemicVariance.subarray(d * n, d * n + n)
        : Float64Array.from({ length: n }, (_v, i) => forecasts.epistemicVariance[d * n + i]! + forecasts.aleatoricVariance[d * n + i]!);
    const weights = new Float64Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) if (Number.isFinite(epi[i]!)) count++;
    const clean = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (Number.isFinite(epi[i]!)) {
        weights[i] = 1 / count;
        clean[i] = epi[i]!;
      }
    }
    out[d] = count > 0 ? portfolioEpistemicSpread(weights, clean) : NaN;
  }
  return out;
}

export function breakerTrack(panelDates: readonly string[], forecasts: ForecastSet, theta: StrategyParameters): BreakerTrack {
  const dayIndex = dayIndexOf(panelDates, forecasts.dates);
  const certainty = certaintyScores(forecasts.dates, dayIndex, forecastSpreads(forecasts, theta.breaker.metric), theta.breaker.trailingDays);
  const { steps, transitions } = runBreaker(forecasts.dates, dayIndex, certainty, theta.breaker);
  return { dates: forecasts.dates, certainty, steps, transitions };
}

/** The breaker step in force on `date`: the one of the newest forecast date ≤ date. */
export function breakerAt(track: BreakerTrack, date: string): { step: BreakerStep; certainty: number; index: number } | undefined {
  const found = indexAtOrBefore(track.dates, date);
  return found < 0 ? undefined : { step: track.steps[found]!, certainty: track.certainty[found]!, index: found };
}

/** Assets that can be held on day t: a price on every day of the covariance window ending at t, and a forecast. */
export function investableAssets(panel: PricePanel, t: number, lookbackDays: number, forecast: ForecastSlice | undefined): boolean[] {
  const n = panel.tickers.length;
  const { cols, data } = panel.prices;
  const start = t - lookbackDays;
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) {
    let ok = start >= 0 && (!forecast || (Number.isFinite(forecast.mean[i]!) && Number.isFinite(forecast.epistemicVariance[i]!)));
    for (let s = Math.max(start, 0); ok && s <= t; s++) {
      const p = data[s * cols + i]!;
      if (!(p > 0)) ok = false;
    }
    out.push(ok);
  }
  return out;
}

/**
 * Daily covariance of simple returns over `lookbackDays` ending at t, for the listed columns, with the Ledoit–Wolf
 * shrinkage intensity (0 for EWMA, which does not shrink).
 */
export function dailyCovariance(panel: PricePanel, t: number, columns: readonly number[], theta: StrategyParameters): { covariance: Matrix; shrinkage: number } {
  const L = theta.covariance.lookbackDays;
  const k = columns.length;
  const returns = zeros(L, k);
  const { cols, data } = panel.prices;
  for (let r = 0; r < L; r++) {
    const day = t - L + 1 + r;
    for (let c = 0; c < k; c++) {
      const j = columns[c]!;
      returns.data[r * k + c] = data[day * cols + j]! / data[(day - 1) * cols + j]! - 1;
    }
  }
  if (theta.covariance.estimator === 'ewma') return { covariance: ewmaCovariance(returns, theta.covariance.halfLifeDays), shrinkage: 0 };
  const { covariance, shrinkage } = ledoitWolfCovariance(returns);
  return { covariance, shrinkage };
}

export interface DecisionInput {
  panel: PricePanel;
  /** Decision day (index into panel.dates); nothing after it is read. */
  t: number;
  /** Current weights per asset (fractions of total value). */
  current: Float64Array;
  forecast: ForecastSlice | undefined;
  horizonDays: number;
  theta: StrategyParameters;
  /** Breaker exposure in force (1 when the breaker is off or NORMAL). */
  exposure: number;
  ablation?: Ablation;
  /** For square-root impact: average daily traded value per asset and the account's value. */
  adv?: Float64Array;
  portfolioValue?: number;
}

export interface StrategyDecision {
  /** Final target: risky weights per asset after the breaker (cash = 1 − Σ). */
  weights: Float64Array;
  /** Risk-budgeting anchor (× (1 − cash floor), within the per-asset limits) on the investable assets. */
  anchor: Float64Array;
  /** The allocator's target before the breaker. */
  tilted: Float64Array;
  investable: boolean[];
  /** Daily covariance on the investable columns, and those columns. */
  covariance: Matrix;
  columns: number[];
  allocation: Extract<AllocationResult, { ok: true }>;
}

/** Scatter a vector over the investable columns back to all N assets (zeros elsewhere). */
function expand(values: Float64Array, columns: readonly number[], n: number): Float64Array {
  const out = new Float64Array(n);
  columns.forEach((j, c) => (out[j] = values[c]!));
  return out;
}

function pick(values: Float64Array, columns: readonly number[]): Float64Array {
  return Float64Array.from(columns, (j) => values[j]!);
}

/** Everything a decision needs besides the knobs that attribution switches: computed once per decision. */
export interface DecisionBasis {
  columns: number[];
  investable: boolean[];
  covariance: Matrix;
  horizonCovariance: Matrix;
  anchor: Float64Array;
  /** How the risk model and the anchor's risk budgeting came out (shown with a proposal). */
  riskModel: { shrinkage: number; converged: boolean; iterations: number; spread: number; tolerance: number };
}

export function decisionBasis(input: Pick<DecisionInput, 'panel' | 't' | 'forecast' | 'horizonDays' | 'theta'>): DecisionBasis {
  const { panel, t, forecast, horizonDays, theta } = input;
  const n = panel.tickers.length;
  const excluded = new Set(theta.constraints.excluded);
  const investable = investableAssets(panel, t, theta.covariance.lookbackDays, forecast).map((ok, i) => ok && !excluded.has(panel.tickers[i]!));
  const columns = investable.flatMap((ok, i) => (ok ? [i] : []));
  if (columns.length === 0) {
    throw new BallastError('INSUFFICIENT_DATA', `No asset has ${theta.covariance.lookbackDays} days of prices and a forecast on ${panel.dates[t]}.`);
  }
  const { covariance, shrinkage } = dailyCovariance(panel, t, columns, theta);
  const k = columns.length;
  const horizonCovariance = zeros(k, k);
  for (let q = 0; q < k * k; q++) horizonCovariance.data[q] = covariance.data[q]! * horizonDays;
  const tolerance = 1e-10;
  const erc = riskBudgetWeights(covariance, undefined, { tolerance });
  // ERC × (1 − cash floor), kept inside the per-asset limits (the rest to the other names, or to cash when the
  // maximums cannot hold it): a TE budget around an anchor the mandate forbids could be unreachable.
  const anchor = expand(anchorWithinLimits(erc.weights, columns.map((j) => panel.tickers[j]!), theta.constraints), columns, n);
  return {
    columns,
    investable,
    covariance,
    horizonCovariance,
    anchor,
    riskModel: { shrinkage, converged: erc.converged, iterations: erc.iterations, spread: erc.spread, tolerance },
  };
}

/** The switches of one allocation (what attribution turns on and off). */
export interface AllocationSwitches {
  forecasts: boolean;
  uncertaintyPenalty: boolean;
  /** Off: anchor = current weights (no risk view: stay where you are). */
  riskModel: boolean;
  /** Off: no costs, no tracking-error budget, only long-only bounds and the current budget. */
  costsAndConstraints: boolean;
}

/** The allocator's problem for one decision, on the investable columns (what allocateWith solves). */
export function allocationProblem(input: DecisionInput, basis: DecisionBasis, switches: AllocationSwitches): AllocationProblem {
  const { panel, theta, forecast, current } = input;
  const { columns } = basis;
  // Risk model off: the anchor is "stay where you are" — the current weights, kept inside the per-asset limits when
  // the constraints are on (a current book outside them would otherwise make the tracking-error budget unreachable).
  const tickers = columns.map((j) => panel.tickers[j]!);
  const anchor = switches.riskModel
    ? pick(basis.anchor, columns)
    : switches.costsAndConstraints
      ? anchorWithinLimits(pick(current, columns), tickers, theta.constraints)
      : pick(current, columns);
  const mu = switches.forecasts && forecast ? pick(forecast.mean, columns) : new Float64Array(columns.length);
  const epi = switches.uncertaintyPenalty && forecast ? pick(forecast.epistemicVariance, columns) : new Float64Array(columns.length);
  const constraints = switches.costsAndConstraints
    ? theta.constraints
    : {
        ...theta.constraints,
        minWeight: 0,
        maxWeight: 1,
        perAsset: {},
        classLimits: {},
        turnoverCap: null,
        minTradeWeight: 0,
        cashFloor: Math.max(0, 1 - anchor.reduce((a, b) => a + b, 0)),
        noBuy: [],
        noSell: [],
        excluded: [],
      };
  return {
    tickers,
    ...(panel.assetClasses ? { assetClasses: columns.map((j) => panel.assetClasses![j]!) } : {}),
    current: pick(current, columns),
    anchor,
    expectedReturns: mu,
    epistemicVariance: epi,
    covariance: basis.horizonCovariance,
    horizonDays: input.horizonDays,
    riskAversion: theta.riskAversion,
    uncertaintyPenalty: switches.uncertaintyPenalty ? theta.uncertaintyPenalty : 0,
    trackingErrorBudget: switches.costsAndConstraints ? theta.trackingErrorBudget : 0,
    costs: switches.costsAndConstraints
      ? {
          bpsPerSide: theta.costs.bpsPerSide,
          impactCoefficient: theta.costs.impactCoefficient,
          dailyVolatility: Float64Array.from(columns, (_j, c) => Math.sqrt(basis.covariance.data[c * columns.length + c]!)),
          ...(input.adv ? { adv: pick(input.adv, columns) } : {}),
          ...(input.portfolioValue !== undefined ? { portfolioValue: input.portfolioValue } : {}),
        }
      : { bpsPerSide: 0, impactCoefficient: 0 },
    constraints,
  };
}

export function allocateWith(input: DecisionInput, basis: DecisionBasis, switches: AllocationSwitches): Extract<AllocationResult, { ok: true }> {
  const { panel } = input;
  const { columns } = basis;
  const n = panel.tickers.length;
  const result = allocate(allocationProblem(input, basis, switches));
  if (!result.ok) {
    throw new BallastError('INFEASIBLE', result.message, { constraint: result.constraint, date: panel.dates[input.t], details: result.details });
  }
  return { ...result, weights: expand(result.weights, columns, n) };
}

/**
 * The breaker de-risks by scaling every risky weight, but a holding on the no-sell list is never sold for it: it
 * keeps min(its allocated weight, its current weight) — the allocator already kept it at or above its current
 * weight — and the rest of the book carries the cut.
 */
function keepNoSell(scaled: Float64Array, allocated: Float64Array, input: DecisionInput): Float64Array {
  const noSell = input.theta.constraints.noSell;
  if (noSell.length === 0) return scaled;
  const out = Float64Array.from(scaled);
  input.panel.tickers.forEach((ticker, i) => {
    if (noSell.includes(ticker)) out[i] = Math.max(out[i]!, Math.min(allocated[i]!, input.current[i]!));
  });
  return out;
}

const ALL_ON: AllocationSwitches = { forecasts: true, uncertaintyPenalty: true, riskModel: true, costsAndConstraints: true };

/** One decision of the full strategy (or an ablation of it). */
export function decide(input: DecisionInput): StrategyDecision {
  const basis = decisionBasis(input);
  const ablation = input.ablation ?? {};
  const allocation = allocateWith(input, basis, {
    ...ALL_ON,
    forecasts: ablation.forecasts !== true,
    uncertaintyPenalty: ablation.uncertaintyPenalty !== true,
  });
  const exposure = ablation.breaker ? 1 : input.exposure;
  return {
    weights: keepNoSell(applyExposure(allocation.weights, exposure), allocation.weights, input),
    anchor: basis.anchor,
    tilted: allocation.weights,
    investable: basis.investable,
    covariance: basis.covariance,
    columns: basis.columns,
    allocation,
  };
}

/**
 * The strategy as a backtest sees it: decisions from stored forecasts (never retrained here) and the breaker
 * track precomputed over the forecast set.
 */
export function bayesianStrategy(
  panel: PricePanel,
  forecasts: ForecastSet,
  theta: StrategyParameters,
  options: { name?: string; ablation?: Ablation } = {},
): BacktestStrategy & { track: BreakerTrack } {
  const track = breakerTrack(panel.dates, forecasts, theta);
  const ablation = options.ablation ?? {};
  const breakerOn = theta.breaker.enabled && !ablation.breaker;
  return {
    name: options.name ?? 'bayesian',
    track,
    decide(t: number, current: Float64Array, view: PricePanel): RebalanceDecision {
      const date = view.dates[t]!;
      const forecast = forecastAtOrBefore(forecasts, date);
      const state = breakerAt(track, date);
      const exposure = breakerOn && state ? state.step.exposure : 1;
      if (!forecast) {
        // Before the first forecast the strategy is its own anchor: risk parity.
        const basis = decisionBasis({ panel: view, t, forecast: undefined, horizonDays: forecasts.horizon, theta });
        return { weights: basis.anchor, ...(state && breakerOn ? { breaker: { state: state.step.status.state, certainty: state.certainty } } : {}) };
      }
      const result = decide({ panel: view, t, current, forecast, horizonDays: forecasts.horizon, theta, exposure, ablation });
      const breaker: { state: BreakerStateName; certainty: number } | undefined = breakerOn && state ? { state: state.step.status.state, certainty: state.certainty } : undefined;
      return { weights: result.weights, ...(breaker ? { breaker } : {}) };
    },
  };
}
