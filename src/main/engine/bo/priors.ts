/**
 * Expert beliefs about where good parameters lie, for πBO (Hvarfner et al. 2022, "πBO: Augmenting
 * acquisition functions with user beliefs for Bayesian optimization"): the acquisition is multiplied by
 * π(x)^(β/n), so the prior steers the first model-based steps and fades as evaluations accumulate.
 *
 * Densities are taken with respect to the encoded coordinates (the space the acquisition is maximised in),
 * so a log-scale parameter carries the Jacobian of x = exp(…). Normalising constants and truncation to the
 * bounds are dropped: they add a constant to log π and cannot move the maximiser.
 */
import { z } from 'zod';
import { BallastError } from '../../../shared/errors';
import { normalCdf, normalQuantile } from './normal';
import type { ParameterSpec, SearchSpace } from './space';

export const ParameterPriorSchema = z.discriminatedUnion('type', [
  /** x ~ Normal(mean, sd²), in the parameter's own units. */
  z.object({ type: z.literal('normal'), mean: z.number(), sd: z.number().positive() }),
  /** ln x ~ Normal(ln median, sdLog²): the natural belief for a log-scale parameter ("about 0.01, give or take ×3"). */
  z.object({ type: z.literal('logNormal'), median: z.number().positive(), sdLog: z.number().positive() }),
  /** Relative weights per choice, keyed by String(choice); every choice needs a weight above 0. */
  z.object({ type: z.literal('categorical'), weights: z.record(z.string(), z.number().positive()) }),
]);
export type ParameterPrior = z.infer<typeof ParameterPriorSchema>;
export type Priors = Readonly<Record<string, ParameterPrior>>;

interface Term {
  spec: ParameterSpec;
  offset: number;
  width: number;
  prior: ParameterPrior;
}

export class PriorModel {
  private readonly terms: Term[];
  private readonly space: SearchSpace;

  constructor(space: SearchSpace, priors: Priors) {
    this.space = space;
    this.terms = [];
    for (const [name, raw] of Object.entries(priors)) {
      const slot = space.layout().find((s) => s.spec.name === name);
      if (!slot) throw new BallastError('BAD_INPUT', `a prior names "${name}", which is not a parameter of the search space`);
      const parsed = ParameterPriorSchema.safeParse(raw);
      if (!parsed.success) throw new BallastError('BAD_INPUT', `the prior on "${name}" is not valid: ${parsed.error.message}`);
      const prior = parsed.data;
      checkPriorFits(slot.spec, prior);
      this.terms.push({ spec: slot.spec, offset: slot.offset, width: slot.width, prior });
    }
  }

  get isEmpty(): boolean {
    return this.terms.length === 0;
  }

  /**
   * log π at an encoded point; when `gradient` is given, adds ∂log π/∂z for continuous coordinates into it
   * (discrete coordinates have no gradient: the acquisition is piecewise constant there).
   */
  logDensity(encoded: Float64Array, gradient?: Float64Array): number {
    let total = 0;
    for (const { spec, offset, width, prior } of this.terms) {
      if (spec.type === 'categorical') {
        if (prior.type !== 'categorical') continue;
        let best = 0;
        for (let c = 1; c < width; c++) if (encoded[offset + c]! > encoded[offset + best]!) best = c;
        total += Math.log(prior.weights[String(spec.choices[best])]!);
        continue;
      }
      if (prior.type === 'categorical') continue;
      const u = encoded[offset]!;
      const { x, logJacobian, dxdu, dLogJacobianDu } = toValue(spec, u);
      if (spec.type === 'integer') {
        // Mass of value k taken as the density at k: a discretised prior, no Jacobian (the bins are the unit).
        total += logDensityOf(prior, Math.round(x)).value;
        continue;
      }
      const density = logDensityOf(prior, x);
      total += density.value + logJacobian;
      if (gradient) gradient[offset] = gradient[offset]! + density.derivative * dxdu + dLogJacobianDu;
    }
    return total;
  }

  /**
   * An encoded point drawn from the prior by inverse transform of a uniform point of the cube, so a
   * quasi-random (Sobol) input gives a prior-distributed design that is still evenly spread. Parameters
   * without a prior take the uniform coordinate as is (snapped).
   */
  sample(uniform: Float64Array): Float64Array {
    const encoded = this.space.snap(uniform);
    for (const { spec, offset, width, prior } of this.terms) {
      const u = Math.min(Math.max(uniform[offset]!, 1e-12), 1 - 1e-12);
      if (spec.type === 'categorical' && prior.type === 'categorical') {
        const weights = spec.choices.map((c) => prior.weights[String(c)]!);
        const totalWeight = weights.reduce((a, b) => a + b, 0);
        let pick = 0;
        let cumulative = weights[0]! / totalWeight;
        while (pick < width - 1 && u > cumulative) cumulative += weights[++pick]! / totalWeight;
        encoded.fill(0, offset, offset + width);
        encoded[offset + pick] = 1;
        continue;
      }
      if (spec.type === 'categorical' || prior.type === 'categorical') continue;
      // Integers: draw a continuous value over [lower − ½, upper + ½] and round, so end values get full bins.
      const pad = spec.type === 'integer' ? 0.5 : 0;
      const lower = Math.max(spec.lower - pad, prior.type === 'logNormal' ? Number.MIN_VALUE : -Infinity);
      const upper = spec.upper + pad;
      let x = truncatedQuantile(prior, lower, upper, u);
      if (spec.type === 'integer') x = Math.round(x);
      x = Math.min(spec.upper, Math.max(spec.lower, x));
      const values = this.space.decode(encoded);
      values[spec.name] = x;
      encoded[offset] = this.space.encode(values)[offset]!;
    }
    return encoded;
  }
}

function checkPriorFits(spec: ParameterSpec, prior: ParameterPrior): void {
  if (spec.type === 'categorical') {
    if (prior.type !== 'categorical') {
      throw new BallastError('BAD_INPUT', `parameter "${spec.name}" is categorical, so its prior must give weights per choice`);
    }
    const missing = spec.choices.filter((c) => !(String(c) in prior.weights));
    if (missing.length > 0) {
      throw new BallastError('BAD_INPUT', `the prior on "${spec.name}" gives no weight to ${missing.map((c) => JSON.stringify(c)).join(', ')}`);
    }
    return;
  }
  if (prior.type === 'categorical') {
    throw new BallastError('BAD_INPUT', `parameter "${spec.name}" is numeric, so its prior must be normal or logNormal`);
  }
  const centre = prior.type === 'normal' ? prior.mean : prior.median;
  if (centre < spec.lower || centre > spec.upper) {
    throw new BallastError('BAD_INPUT', `the prior on "${spec.name}" is centred at ${centre}, outside the range ${spec.lower} to ${spec.upper}`);
  }
  if (prior.type === 'logNormal' && !(spec.lower > 0)) {
    throw new BallastError('BAD_INPUT', `parameter "${spec.name}" can be 0 or negative, so it cannot take a logNormal prior`);
  }
}

function toValue(
  spec: Extract<ParameterSpec, { type: 'continuous' | 'integer' }>,
  u: number,
): { x: number; logJacobian: number; dxdu: number; dLogJacobianDu: number } {
  if (spec.scale === 'log') {
    const span = Math.log(spec.upper) - Math.log(spec.lower);
    const x = Math.exp(Math.log(spec.lower) + u * span);
    return { x, logJacobian: Math.log(x * span), dxdu: x * span, dLogJacobianDu: span };
  }
  const span = spec.upper - spec.lower;
  return { x: spec.lower + u * span, logJacobian: Math.log(span), dxdu: span, dLogJacobianDu: 0 };
}

function logDensityOf(prior: Exclude<ParameterPrior, { type: 'categorical' }>, x: number): { value: number; derivative: number } {
  if (prior.type === 'normal') {
    const r = (x - prior.mean) / prior.sd;
    return { value: -0.5 * r * r, derivative: -r / prior.sd };
  }
  if (!(x > 0)) return { value: -Infinity, derivative: 0 };
  const r = (Math.log(x) - Math.log(prior.median)) / prior.sdLog;
  return { value: -0.5 * r * r - Math.log(x), derivative: (-r / prior.sdLog - 1) / x };
}

/** Inverse CDF of the prior truncated to [lower, upper]. */
function truncatedQuantile(prior: Exclude<ParameterPrior, { type: 'categorical' }>, lower: number, upper: number, u: number): number {
  const toStandard = (x: number) =>
    prior.type === 'normal' ? (x - prior.mean) / prior.sd : (Math.log(x) - Math.log(prior.median)) / prior.sdLog;
  const fromStandard = (s: number) => (prior.type === 'normal' ? prior.mean + prior.sd * s : prior.median * Math.exp(prior.sdLog * s));
  const a = normalCdf(toStandard(lower));
  const b = normalCdf(toStandard(upper));
  return fromStandard(normalQuantile(a + u * (b - a)));
}
