/**
 * A proposal's decision: the strategy's target for today plus what a PM needs to judge it — the portfolio's
 * predictive return with its interval, the probability that the target beats keeping current weights, the
 * circuit breaker's state in words, and an exact attribution of every weight change to the strategy's inputs.
 */
import type { Attribution, BreakerInfo, BreakerStateName, PortfolioConfidence } from '../../../shared/domain';
import type { StrategyParameters } from '../../../shared/strategy';
import { groupedShapley } from '../attribution/shapley';
import { describeBreaker } from '../breaker/breaker';
import { mixtureQuantiles, normalCdf } from '../bnn/gaussian';
import type { ForecastSlice } from '../forecast/types';
import type { Matrix } from '../math/linalg';
import { riskContributions } from '../risk/riskBudgeting';
import { allocateWith, decisionBasis, type AllocationSwitches, type BreakerTrack, type DecisionBasis, type DecisionInput, type StrategyDecision } from './strategy';

export const ATTRIBUTION_GROUPS = [
  { key: 'forecasts', label: 'Forecast means' },
  { key: 'uncertainty', label: 'Uncertainty penalty' },
  { key: 'riskModel', label: 'Risk model' },
  { key: 'breaker', label: 'Circuit breaker' },
  { key: 'costsConstraints', label: 'Costs & constraints' },
] as const;

export interface PredictiveDraws {
  /** S×N sample-major: draw s, asset i at s·N + i (log returns over the horizon). */
  means: Float64Array;
  variances: Float64Array;
  count: number;
}

export interface ProposalDecisionInput extends Omit<DecisionInput, 'exposure' | 'ablation' | 'forecast'> {
  forecast: ForecastSlice;
  /** Breaker run over the stored forecasts with today's appended; its last step is today's. */
  track: BreakerTrack;
  draws: PredictiveDraws;
  /** Annualised cash yield today (fraction), 0 without a rate series. */
  cashRate: number;
  override?: { state: BreakerStateName; reason: string; by: string };
}

export interface ProposalDecision {
  decision: StrategyDecision;
  riskModel: DecisionBasis['riskModel'];
  breaker: BreakerInfo;
  confidence: PortfolioConfidence;
  attribution: Attribution;
}

function exposureOf(state: BreakerStateName, theta: StrategyParameters): number {
  if (state === 'DE_RISKED') return theta.breaker.floorExposure;
  if (state === 'CAUTION') return theta.breaker.cautionExposure;
  return 1;
}

/** Euler risk shares (sum 1 over the held investable assets) of weights on the covariance's columns. */
export function riskShares(covariance: Matrix, columns: readonly number[], weights: Float64Array, n: number): Float64Array {
  const w = Float64Array.from(columns, (j) => weights[j]!);
  const out = new Float64Array(n);
  if (!w.some((x) => x > 0)) return out;
  const shares = riskContributions(covariance, w);
  columns.forEach((j, c) => (out[j] = shares[c]!));
  return out;
}

export function proposalDecision(input: ProposalDecisionInput): ProposalDecision {
  const { panel, theta, current, forecast, track, draws, horizonDays } = input;
  const n = panel.tickers.length;
  const last = track.steps.length - 1;
  const modelStep = track.steps[last]!;
  const certainty = track.certainty[last]!;
  const breakerEnabled = theta.breaker.enabled;
  const modelState = breakerEnabled ? modelStep.status.state : 'NORMAL';
  const state = input.override ? input.override.state : modelState;
  const exposure = breakerEnabled || input.override ? exposureOf(state, theta) : 1;

  const basis = decisionBasis({ panel, t: input.t, forecast, horizonDays, theta });
  const decisionInput: DecisionInput = { ...input, exposure };
  const held = (i: number) => basis.investable[i]!;

  // Attribution: value(mask) = weights (assets, then cash) with the masked groups switched on. All off = no
  // forecasts, no risk view (anchor = current weights), no breaker, no costs or constraints = current weights,
  // so the Shapley values add up exactly to target − current.
  const cache = new Map<number, Float64Array>();
  const computeAllocation = (switches: AllocationSwitches, key: number): Float64Array => {
    const computed = allocateWith(decisionInput, basis, switches).weights;
    // An asset the model cannot hold (no forecast or price history) leaves only when the risk model is on.
    if (!switches.riskModel) for (let i = 0; i < n; i++) if (!held(i)) computed[i] = current[i]!;
    cache.set(key, computed);
    return computed;
  };
  const value = (mask: number): Float64Array => {
    const on = (key: (typeof ATTRIBUTION_GROUPS)[number]['key']) => (mask & (1 << ATTRIBUTION_GROUPS.findIndex((g) => g.key === key))) !== 0;
    const switches = { forecasts: on('forecasts'), uncertaintyPenalty: on('uncertainty'), riskModel: on('riskModel'), costsAndConstraints: on('costsConstraints') };
    const switchKey = (switches.forecasts ? 1 : 0) | (switches.uncertaintyPenalty ? 2 : 0) | (switches.riskModel ? 4 : 0) | (switches.costsAndConstraints ? 8 : 0);
    const allocated = cache.get(switchKey) ?? computeAllocation(switches, switchKey);
    const scale = on('breaker') ? exposure : 1;
    const out = new Float64Array(n + 1);
    let risky = 0;
    for (let i = 0; i < n; i++) {
      out[i] = allocated[i]! * scale;
      risky += out[i]!;
    }
    out[n] = 1 - risky;
    return out;
  };
  const shapley = groupedShapley(ATTRIBUTION_GROUPS.length, value);
  const target = shapley.full;
  const weights = target.subarray(0, n).slice();
  const full = allocateWith(decisionInput, basis, { forecasts: true, uncertaintyPenalty: true, riskModel: true, costsAndConstraints: true });
  const decision: StrategyDecision = {
    weights,
    anchor: basis.anchor,
    tilted: full.weights,
    investable: basis.investable,
    covariance: basis.covariance,
    columns: basis.columns,
    allocation: full,
  };

  const before = riskShares(basis.covariance, basis.columns, current, n);
  const after = riskShares(basis.covariance, basis.columns, weights, n);
  const currentCash = 1 - current.reduce((a, b) => a + b, 0);
  const attribution: Attribution = {
    groups: ATTRIBUTION_GROUPS.map((g) => ({ key: g.key, label: g.label })),
    assets: panel.tickers.map((ticker, i) => ({
      ticker,
      change: weights[i]! - current[i]!,
      contributions: Object.fromEntries(ATTRIBUTION_GROUPS.map((g, k) => [g.key, shapley.contributions[k]![i]!])),
      riskContributionBefore: before[i]!,
      riskContributionAfter: after[i]!,
    })),
    cash: {
      change: target[n]! - currentCash,
      contributions: Object.fromEntries(ATTRIBUTION_GROUPS.map((g, k) => [g.key, shapley.contributions[k]![n]!])),
    },
  };

  const confidence = portfolioConfidence({
    weights,
    current,
    columns: basis.columns,
    horizonCovariance: basis.horizonCovariance,
    draws,
    n,
    horizonDays,
    cashReturn: (input.cashRate * horizonDays) / 252,
    riskAversion: theta.riskAversion,
    costFraction: (theta.costs.bpsPerSide / 1e4) * weights.reduce((a, w, i) => a + Math.abs(w - current[i]!), 0),
  });

  const thresholds = { warn: theta.breaker.warn, trip: theta.breaker.trip, reset: theta.breaker.reset };
  const modelReason = breakerEnabled ? describeBreaker(modelStep, certainty, theta.breaker) : 'The circuit breaker is switched off in the strategy parameters.';
  const breaker: BreakerInfo = {
    state,
    certainty: Number.isFinite(certainty) ? certainty : null,
    thresholds,
    reason: input.override
      ? `Overridden by ${input.override.by} to ${state.replace('_', '-').toLowerCase()} for this proposal: ${input.override.reason}. The model said: ${modelReason}`
      : modelReason,
    since: input.override ? panel.dates[input.t]! : breakerEnabled ? modelStep.status.since : panel.dates[input.t]!,
    exposure,
    override: input.override ? { modelState, reason: input.override.reason, by: input.override.by } : null,
    transitions: track.transitions,
  };
  return { decision, riskModel: basis.riskModel, breaker, confidence, attribution };
}

interface ConfidenceInput {
  weights: Float64Array;
  current: Float64Array;
  columns: readonly number[];
  horizonCovariance: Matrix;
  draws: PredictiveDraws;
  n: number;
  horizonDays: number;
  cashReturn: number;
  riskAversion: number;
  costFraction: number;
}

/**
 * The portfolio's predictive over the horizon, from the network's coherent weight draws: draw s gives every
 * asset a mean μ_s and a noise variance v_s; the noise is correlated across assets as the risk model says
 * (correlations of Σ_h, scaled to the draw's own standard deviations), so the portfolio return under draw s is
 * Gaussian N(wᵀμ_s + w_cash·r_cash, Σ_ij w_i w_j ρ_ij √(v_s,i v_s,j)) and the predictive is their equal mixture.
 * Log returns are aggregated linearly — the usual first-order approximation over a one-month horizon.
 *
 * P(target beats current): the risk-adjusted outcome is the mean–variance utility the allocator maximises,
 * return − (γ/2)·variance − costs; under draw s the difference target − current is Gaussian with mean
 * Δwᵀμ_s + Δcash·r_cash − costs − (γ/2)(wᵀΣ_h w − w₀ᵀΣ_h w₀) and variance Δwᵀ C_s Δw, so the probability is
 * the average over draws of Φ(mean / sd).
 */
export function portfolioConfidence(input: ConfidenceInput): PortfolioConfidence {
  const { weights, current, columns, horizonCovariance, draws, n, cashReturn } = input;
  const k = columns.length;
  const sd = Float64Array.from(columns, (_j, c) => Math.sqrt(horizonCovariance.data[c * k + c]!));
  const corr = (a: number, b: number) => horizonCovariance.data[a * k + b]! / (sd[a]! * sd[b]!);
  const cashTarget = 1 - weights.reduce((a, b) => a + b, 0);
  const cashCurrent = 1 - current.reduce((a, b) => a + b, 0);
  const S = draws.count;
  const means = new Float64Array(S);
  const variances = new Float64Array(S);
  let probability = 0;
  const quad = (x: Float64Array) => {
    let q = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) q += x[columns[a]!]! * x[columns[b]!]! * horizonCovariance.data[a * k + b]!;
    return q;
  };
  const riskPenalty = (input.riskAversion / 2) * (quad(weights) - quad(current));
  const delta = Float64Array.from(weights, (w, i) => w - current[i]!);
  for (let s = 0; s < S; s++) {
    const mu = draws.means.subarray(s * n, s * n + n);
    const v = draws.variances.subarray(s * n, s * n + n);
    let m = cashTarget * cashReturn;
    let dm = (cashTarget - cashCurrent) * cashReturn;
    for (const j of columns) {
      m += weights[j]! * mu[j]!;
      dm += delta[j]! * mu[j]!;
    }
    let variance = 0;
    let dv = 0;
    for (let a = 0; a < k; a++) {
      const ja = columns[a]!;
      for (let b = 0; b < k; b++) {
        const jb = columns[b]!;
        const c = corr(a, b) * Math.sqrt(v[ja]! * v[jb]!);
        variance += weights[ja]! * weights[jb]! * c;
        dv += delta[ja]! * delta[jb]! * c;
      }
    }
    means[s] = m;
    variances[s] = Math.max(variance, 1e-18);
    const diff = dm - input.costFraction - riskPenalty;
    probability += dv > 1e-18 ? normalCdf(diff / Math.sqrt(dv)) : diff > 0 ? 1 : diff < 0 ? 0 : 0.5;
  }
  const quantiles = new Float64Array(2);
  mixtureQuantiles([0.05, 0.95], means, variances, S, 0, 1, quantiles);
  return {
    horizonDays: input.horizonDays,
    expectedReturn: means.reduce((a, b) => a + b, 0) / S,
    lower90: quantiles[0]!,
    upper90: quantiles[1]!,
    probabilityBeatsCurrent: probability / S,
  };
}
