/**
 * The tuning search space: which leaves of θ (StrategyParameters) are searched, within what bounds, and how a
 * point of the space becomes a whole θ.
 *
 * The default space (DEFAULT_TUNING_SPACE) lives in the contract (src/shared/tuning.ts, with why each range is
 * what it is), so the Tuning screen offers beliefs on the same parameters and ranges before any run exists; it is
 * re-exported here for the engine.
 * A custom space (or a base θ with another reset) can still describe an invalid θ — trip ≥ warn, warn ≥ reset,
 * floor exposure above caution exposure. Such a point is never repaired: `thetaFor` reports it, in words, and the
 * tuner records it as an infeasible evaluation (the optimiser's feasibility model then learns to avoid it).
 */
import { BallastError } from '../../../shared/errors';
import type { StrategyParameters } from '../../../shared/strategy';
import { StrategyParameters as StrategyParametersSchema } from '../../../shared/strategy';
import type { TuningParameter, TuningPrior } from '../../../shared/tuning';
import type { ParameterPrior, ParameterSpec, ParameterValues } from '../bo';
import { normalQuantile } from '../bo/normal';

export { DEFAULT_TUNING_SPACE } from '../../../shared/tuning';

/** The mass of a 'range' prior inside [low, high]: "most likely between a and b" read as a 90 % interval. */
export const RANGE_PRIOR_MASS = 0.9;

/** The optimiser's parameter specs for a tuning space (the shapes are the same; names are θ paths). */
export function optimizerSpace(space: readonly TuningParameter[]): ParameterSpec[] {
  return space.map((p) => ({ ...p }) as ParameterSpec);
}

/**
 * The optimiser's πBO priors from the PM's beliefs. A 'range' prior [a, b] becomes a normal with 90 % of its mass
 * inside [a, b] (mean (a + b)/2, sd (b − a)/(2·z₀.₉₅)); on a log-scale parameter a log-normal with the same 90 %
 * interval (median √(ab)), since "between 20 and 60 days" on a log axis is a statement about ratios.
 */
export function optimizerPriors(space: readonly TuningParameter[], priors: Readonly<Record<string, TuningPrior>>): Record<string, ParameterPrior> {
  const out: Record<string, ParameterPrior> = {};
  const z = normalQuantile(0.5 + RANGE_PRIOR_MASS / 2);
  for (const [name, prior] of Object.entries(priors)) {
    const spec = space.find((p) => p.name === name);
    if (!spec) throw new BallastError('BAD_INPUT', `the prior on "${name}" names no parameter of the search space (parameters: ${space.map((p) => p.name).join(', ')})`);
    if (prior.type !== 'range') {
      out[name] = prior;
      continue;
    }
    if (!(prior.high > prior.low)) throw new BallastError('BAD_INPUT', `the range prior on "${name}" needs low < high, got ${prior.low} to ${prior.high}`);
    if (spec.type === 'categorical') throw new BallastError('BAD_INPUT', `"${name}" is categorical: give its prior as weights per choice, not a range`);
    if (spec.scale === 'log' && prior.low > 0) {
      out[name] = { type: 'logNormal', median: Math.sqrt(prior.low * prior.high), sdLog: Math.log(prior.high / prior.low) / (2 * z) };
    } else {
      out[name] = { type: 'normal', mean: (prior.low + prior.high) / 2, sd: (prior.high - prior.low) / (2 * z) };
    }
  }
  return out;
}

/** Checks a space against θ's own limits before anything runs, so a typo fails at once and in words. */
export function validateTuningSpace(space: readonly TuningParameter[]): void {
  const seen = new Set<string>();
  space.forEach((p, i) => {
    if (seen.has(p.name)) throw new BallastError('BAD_INPUT', `space[${i}]: "${p.name}" is listed twice`);
    seen.add(p.name);
    if (p.type === 'categorical') {
      for (const c of p.choices) probe(p.name, c, i);
      return;
    }
    if (!(p.lower <= p.upper) || (p.type === 'continuous' && !(p.lower < p.upper))) {
      throw new BallastError('BAD_INPUT', `space[${i}] "${p.name}": lower ${p.lower} must be below upper ${p.upper}`);
    }
    if (p.scale === 'log' && !(p.lower > 0)) throw new BallastError('BAD_INPUT', `space[${i}] "${p.name}": a log scale needs lower > 0, got ${p.lower}`);
    probe(p.name, p.lower, i);
    probe(p.name, p.upper, i);
  });
}

function probe(name: string, value: unknown, index: number): void {
  const theta = setPath(structuredClone(StrategyParametersSchema.parse({})) as unknown as Record<string, unknown>, name, value);
  const parsed = StrategyParametersSchema.safeParse(theta);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BallastError('BAD_INPUT', `space[${index}] "${name}": ${JSON.stringify(value)} is outside what θ allows (${issue?.message ?? 'invalid'})`);
  }
}

function setPath(target: Record<string, unknown>, pathName: string, value: unknown): Record<string, unknown> {
  const keys = pathName.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null) throw new BallastError('BAD_INPUT', `"${pathName}" is not a path into θ`);
    node = child as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
  return target;
}

export type ThetaResult = { ok: true; theta: StrategyParameters } | { ok: false; reason: string };

/**
 * θ = base with the searched leaves set to `values`. Returns the reason in words when the result is not a valid
 * strategy (out of θ's limits, or an ordering such as trip < warn < reset broken) — never a silently fixed θ.
 */
export function thetaFor(base: StrategyParameters, values: ParameterValues): ThetaResult {
  const theta = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(values)) setPath(theta, name, value);
  const parsed = StrategyParametersSchema.safeParse(theta);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `θ.${issue.path.join('.')} is not valid: ${issue.message}` };
  }
  const t = parsed.data;
  const { warn, trip, reset, cautionExposure, floorExposure } = t.breaker;
  if (!(trip < warn && warn < reset)) {
    return { ok: false, reason: `breaker thresholds must satisfy trip < warn < reset, got trip ${round(trip)}, warn ${round(warn)}, reset ${round(reset)}` };
  }
  if (!(floorExposure <= cautionExposure)) {
    return { ok: false, reason: `breaker floor exposure ${round(floorExposure)} is above the caution exposure ${round(cautionExposure)}` };
  }
  if (t.constraints.minWeight > t.constraints.maxWeight) {
    return { ok: false, reason: `minimum weight ${round(t.constraints.minWeight)} is above the maximum weight ${round(t.constraints.maxWeight)}` };
  }
  return { ok: true, theta: t };
}

/** The longest covariance lookback any point of the space may ask for (the folds must leave room for it). */
export function maxLookbackDays(space: readonly TuningParameter[], base: StrategyParameters): number {
  const p = space.find((s) => s.name === 'covariance.lookbackDays');
  if (!p) return base.covariance.lookbackDays;
  return p.type === 'categorical' ? Math.max(...p.choices.map(Number)) : Math.ceil(p.upper);
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
