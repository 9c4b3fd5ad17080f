/**
 * The tuning run's surrogate for people: a GP refitted on the run's feasible evaluations (validation objective
 * against the encoded θ, the same unit-cube encoding the optimiser uses), read as
 *  - parameter importance: 1/ℓ per parameter from the fitted ARD lengthscales (a categorical's shortest
 *    lengthscale over its one-hot block), normalised to sum 1 — a short lengthscale means the objective changes
 *    quickly along that parameter;
 *  - a slice: mean and 90 % band of the latent objective along one parameter, the others held at the best point.
 * The model is the optimiser's noisy objective model (`fitObjectiveModel`: Matérn-5/2 ARD, standardised outputs,
 * learned noise, its priors), refitted on the stored evaluations.
 */
import { BallastError } from '../../../shared/errors';
import type { TuningParameter } from '../../../shared/tuning';
import { SearchSpace, normalQuantile, type ParameterValue, type ParameterValues } from '../bo';
import { fitObjectiveModel } from '../bo/models';
import type { GaussianProcess } from '../gp';
import { matrixFromData } from '../math/linalg';
import { mixSeed } from '../math/random';
import { optimizerSpace } from './space';

export interface SurrogatePoint {
  values: ParameterValues;
  validation: number;
}

export interface ParameterImportance {
  name: string;
  lengthscale: number;
  importance: number;
}

export interface SurrogateSlice {
  parameter: string;
  type: TuningParameter['type'];
  x: ParameterValue[];
  mean: number[];
  lower: number[];
  upper: number[];
  observations: { x: ParameterValue; y: number }[];
}

const BAND = normalQuantile(0.95);

export function fitSurrogate(space: readonly TuningParameter[], points: readonly SurrogatePoint[], seed: number): { gp: GaussianProcess; searchSpace: SearchSpace } | null {
  if (points.length < 3) return null;
  const searchSpace = new SearchSpace(optimizerSpace(space));
  const d = searchSpace.dimension;
  const data = new Float64Array(points.length * d);
  points.forEach((p, i) => data.set(searchSpace.encode(p.values), i * d));
  const y = Float64Array.from(points, (p) => p.validation);
  // The optimiser's own noisy objective model (bo/models.ts), so what the PM sees is the model the search used.
  const gp = fitObjectiveModel(matrixFromData(points.length, d, data), y, { kernel: 'matern52', noisy: true, restarts: 2, seed: mixSeed(seed, 21) });
  return { gp, searchSpace };
}

export function parameterImportance(space: readonly TuningParameter[], points: readonly SurrogatePoint[], seed: number): ParameterImportance[] {
  const fitted = fitSurrogate(space, points, seed);
  if (!fitted) return [];
  const lengthscales = fitted.gp.hyperparameters.lengthscales;
  const rows = fitted.searchSpace.layout().map(({ spec, offset, width }) => {
    let shortest = Infinity;
    for (let c = 0; c < width; c++) shortest = Math.min(shortest, lengthscales[offset + c]!);
    return { name: spec.name, lengthscale: shortest };
  });
  const total = rows.reduce((s, r) => s + 1 / r.lengthscale, 0);
  return rows.map((r) => ({ ...r, importance: 1 / r.lengthscale / total }));
}

export function surrogateSlice(
  space: readonly TuningParameter[],
  points: readonly SurrogatePoint[],
  at: ParameterValues,
  parameter: string,
  options: { points?: number; seed: number },
): SurrogateSlice {
  const spec = space.find((p) => p.name === parameter);
  if (!spec) throw new BallastError('BAD_INPUT', `"${parameter}" is not a parameter of this run's search space (${space.map((p) => p.name).join(', ')})`);
  const fitted = fitSurrogate(space, points, options.seed);
  if (!fitted) throw new BallastError('INSUFFICIENT_DATA', `The surrogate needs at least 3 feasible evaluations; this run has ${points.length}.`);
  const { gp, searchSpace } = fitted;
  const xs: ParameterValue[] = sliceValues(spec, options.points ?? 60);
  const d = searchSpace.dimension;
  const data = new Float64Array(xs.length * d);
  xs.forEach((x, i) => data.set(searchSpace.encode({ ...at, [parameter]: x }), i * d));
  const { mean, variance } = gp.predict(matrixFromData(xs.length, d, data));
  const sd = Array.from(variance, (v) => Math.sqrt(Math.max(v, 0)));
  return {
    parameter,
    type: spec.type,
    x: xs,
    mean: Array.from(mean),
    lower: Array.from(mean, (m, i) => m - BAND * sd[i]!),
    upper: Array.from(mean, (m, i) => m + BAND * sd[i]!),
    observations: points.map((p) => ({ x: p.values[parameter]!, y: p.validation })),
  };
}

function sliceValues(spec: TuningParameter, count: number): ParameterValue[] {
  if (spec.type === 'categorical') return [...spec.choices];
  const n = Math.max(2, count);
  // Clamped: exp(log) round trips can land a hair outside the bounds.
  const at = (u: number) =>
    Math.min(spec.upper, Math.max(spec.lower, spec.scale === 'log' ? Math.exp(Math.log(spec.lower) + u * (Math.log(spec.upper) - Math.log(spec.lower))) : spec.lower + u * (spec.upper - spec.lower)));
  if (spec.type === 'integer') {
    if (spec.upper - spec.lower + 1 <= n) return Array.from({ length: spec.upper - spec.lower + 1 }, (_v, k) => spec.lower + k);
    return [...new Set(Array.from({ length: n }, (_v, k) => Math.round(at(k / (n - 1)))))];
  }
  return Array.from({ length: n }, (_v, k) => at(k / (n - 1)));
}
