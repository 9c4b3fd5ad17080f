import { BallastError } from '../../../shared/errors';
import { type Matrix, zeros } from '../math/linalg';
import { minimize } from '../optim/lbfgsb';
import { createRng, type Rng } from '../math/random';
import { GaussianProcess } from './gaussianProcess';
import { kernelProfile } from './kernels';
import { type FactorisationOutcome, LikelihoodWorkspace, checkHyperparameters, checkTrainingData, factorisePrior } from './likelihood';
import type {
  AffineTransform,
  GpFitOptions,
  GpFitReport,
  GpHyperparameterBounds,
  GpHyperparameters,
  HyperPrior,
  OutputTransform,
} from './types';

export const DEFAULT_GP_RESTARTS = 4;
export const DEFAULT_GP_MAX_ITERATIONS = 200;

/** Resolved search box, as intervals on each hyperparameter (not its log). */
export interface ResolvedHyperparameterBounds {
  lengthscale: [number, number][];
  signalVariance: [number, number];
  noiseVariance: [number, number];
}

/**
 * Default search box in the working space, scaled to the data so it means the same for any units:
 *   lengthscale_k ∈ [1e-3, 1e3] × span_k   (span_k = max − min of input k; 1 if the input is constant),
 *   signal variance ∈ [1e-6, 1e6] × var(y),  noise variance ∈ [1e-6, 10] × var(y)   (var(y) = 1 if y is constant).
 * The noise floor 1e-6·var(y) keeps K well-conditioned for deterministic objectives without jitter; it is
 * the float64 analogue of BoTorch's 1e-4 floor on standardised outputs.
 */
export function defaultHyperparameterBounds(X: Matrix, y: Float64Array): ResolvedHyperparameterBounds {
  const spans = inputSpans(X);
  const v = outputVariance(y);
  return {
    lengthscale: Array.from(spans, (s): [number, number] => [1e-3 * s, 1e3 * s]),
    signalVariance: [1e-6 * v, 1e6 * v],
    noiseVariance: [1e-6 * v, 10 * v],
  };
}

/**
 * Fits a GP to (X, y): hyperparameters by maximising the log marginal likelihood (or log posterior when
 * priors are given) with L-BFGS-B over log-hyperparameters inside a box, from a deterministic default start
 * plus `restarts` seeded random starts; the best optimum wins. With `hyperparameters` given, no fitting.
 * Throws BallastError('NUMERICAL') when no start yields a factorisable covariance.
 */
export function fitGaussianProcess(X: Matrix, y: Float64Array, options: GpFitOptions): GaussianProcess {
  checkTrainingData(X, y);
  kernelProfile(options.kernel);
  const n = X.rows;
  const d = X.cols;
  const inputTransform = options.normalizeInputs ? resolveInputTransform(X, options.bounds) : null;
  const outputTransform = options.standardizeOutputs ? resolveOutputTransform(y) : null;
  const workingX = applyInputTransform(X, inputTransform);
  const workingY = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    workingY[i] = outputTransform === null ? y[i]! : (y[i]! - outputTransform.mean) / outputTransform.scale;
  }
  if (options.fixedNoiseVariance !== undefined && !(options.fixedNoiseVariance >= 0 && Number.isFinite(options.fixedNoiseVariance))) {
    throw new BallastError('BAD_INPUT', `fixed noise variance is ${options.fixedNoiseVariance}; it must be zero or a positive number`);
  }

  let hyperparameters: GpHyperparameters;
  let fitReport: GpFitReport | null = null;
  let workspace: LikelihoodWorkspace | null = null;
  if (options.hyperparameters !== undefined) {
    const given = options.hyperparameters;
    checkHyperparameters(given, d);
    if (options.fixedNoiseVariance !== undefined && options.fixedNoiseVariance !== given.noiseVariance) {
      throw new BallastError(
        'BAD_INPUT',
        `fixed noise variance ${options.fixedNoiseVariance} disagrees with the given hyperparameters' noise variance ${given.noiseVariance}`,
      );
    }
    hyperparameters = {
      lengthscales: Float64Array.from(given.lengthscales),
      signalVariance: given.signalVariance,
      noiseVariance: given.noiseVariance,
    };
  } else {
    ({ hyperparameters, fitReport, workspace } = fitHyperparameters(workingX, workingY, options));
  }

  // The fit's workspace already holds the pairwise distances: factorise the winner there.
  const factor = workspace === null ? factorisePrior(workingX, workingY, options.kernel, hyperparameters, false) : factoriseIn(workspace, hyperparameters);
  if (!factor.ok) {
    throw new BallastError(
      'NUMERICAL',
      'The GP covariance is not positive definite even with jitter; inputs may be duplicated with zero noise.',
      { reason: factor.reason, attempts: factor.attempts },
    );
  }
  return new GaussianProcess({
    kernel: options.kernel,
    hyperparameters,
    inputTransform,
    outputTransform,
    X,
    y,
    workingX,
    workingY,
    L: factor.L,
    alpha: factor.alpha,
    jitter: factor.jitter,
    logMarginalLikelihood: factor.value,
    fitReport,
  });
}

function fitHyperparameters(
  X: Matrix,
  y: Float64Array,
  options: GpFitOptions,
): { hyperparameters: GpHyperparameters; fitReport: GpFitReport; workspace: LikelihoodWorkspace } {
  const d = X.cols;
  const restarts = options.restarts ?? DEFAULT_GP_RESTARTS;
  if (!Number.isInteger(restarts) || restarts < 0) {
    throw new BallastError('BAD_INPUT', `GP restarts must be a non-negative integer, got ${restarts}`);
  }
  const bounds = resolveBounds(X, y, options.hyperparameterBounds);
  const learnNoise = options.fixedNoiseVariance === undefined;
  const fixedNoise = options.fixedNoiseVariance ?? 0;
  const size = d + 1 + (learnNoise ? 1 : 0);
  const lower = new Float64Array(size);
  const upper = new Float64Array(size);
  const boxes: [number, number][] = [...bounds.lengthscale, bounds.signalVariance];
  if (learnNoise) boxes.push(bounds.noiseVariance);
  boxes.forEach(([lo, hi], j) => {
    lower[j] = Math.log(lo);
    upper[j] = Math.log(hi);
  });
  const priors = options.priors ?? {};
  const priorFor = (j: number): HyperPrior | undefined =>
    j < d ? priors.lengthscale : j === d ? priors.signalVariance : priors.noiseVariance;

  const toHyperparameters = (u: Float64Array): GpHyperparameters => ({
    lengthscales: Float64Array.from({ length: d }, (_, k) => Math.exp(u[k]!)),
    signalVariance: Math.exp(u[d]!),
    noiseVariance: learnNoise ? Math.exp(u[d + 1]!) : fixedNoise,
  });

  let evaluations = 0;
  // One workspace for every start: pairwise distances and the n×n buffers are shared.
  const workspace = new LikelihoodWorkspace(X, y, options.kernel);
  const negativeLogPosterior = (u: Float64Array): { value: number; gradient: Float64Array } => {
    if (options.signal?.aborted) throw new BallastError('CANCELLED', 'The GP fit was cancelled.');
    evaluations++;
    const outcome = workspace.evaluate(toHyperparameters(u), true);
    const gradient = new Float64Array(size);
    if (!outcome.ok) return { value: Infinity, gradient };
    let value = -outcome.value;
    for (let j = 0; j < size; j++) gradient[j] = -outcome.gradient![j]!;
    for (let j = 0; j < size; j++) {
      const prior = priorFor(j);
      if (prior === undefined) continue;
      const { logDensity, derivative } = logPriorInLogSpace(prior, u[j]!);
      value -= logDensity;
      gradient[j] = gradient[j]! - derivative;
    }
    return { value, gradient };
  };

  const rng = createRng(options.seed ?? 0);
  const centres = startCentres(X, y, learnNoise);
  const starts: Float64Array[] = [];
  if (options.initialHyperparameters !== undefined) {
    // A warm start (the previous fit, in BO) usually sits next to the new optimum: a few iterations polish it.
    const h = options.initialHyperparameters;
    checkHyperparameters(h, d);
    const u = new Float64Array(size);
    for (let k = 0; k < d; k++) u[k] = Math.log(h.lengthscales[k]!);
    u[d] = Math.log(h.signalVariance);
    if (learnNoise) u[d + 1] = Math.log(Math.max(h.noiseVariance, Number.MIN_VALUE));
    for (let j = 0; j < size; j++) u[j] = clampScalar(u[j]!, lower[j]!, upper[j]!);
    starts.push(u);
  }
  if (options.initialHyperparameters === undefined || options.defaultStart !== false) starts.push(startPoint(centres, priorFor, lower, upper, null));
  for (let r = 0; r < restarts; r++) starts.push(startPoint(centres, priorFor, lower, upper, rng));

  let best: { u: Float64Array; value: number } | null = null;
  let convergedStarts = 0;
  for (const start of starts) {
    const result = minimize(negativeLogPosterior, start, {
      lower,
      upper,
      maxIterations: options.maxIterations ?? DEFAULT_GP_MAX_ITERATIONS,
      ...(options.gradientTolerance !== undefined ? { gradientTolerance: options.gradientTolerance } : {}),
      ...(options.functionTolerance !== undefined ? { functionTolerance: options.functionTolerance } : {}),
    });
    if (result.converged) convergedStarts++;
    if (Number.isFinite(result.value) && (best === null || result.value < best.value)) {
      best = { u: result.x, value: result.value };
    }
  }
  if (best === null) {
    throw new BallastError(
      'NUMERICAL',
      'Could not fit the GP: the covariance was not positive definite at any starting point.',
      { starts: starts.length },
    );
  }
  const atBound: string[] = [];
  const names = [...Array.from({ length: d }, (_, k) => `lengthscale[${k}]`), 'signalVariance', 'noiseVariance'];
  for (let j = 0; j < size; j++) {
    const tolerance = 1e-6 * Math.max(1, upper[j]! - lower[j]!);
    if (best.u[j]! - lower[j]! <= tolerance) atBound.push(`${names[j]} at lower bound`);
    else if (upper[j]! - best.u[j]! <= tolerance) atBound.push(`${names[j]} at upper bound`);
  }
  return {
    hyperparameters: toHyperparameters(best.u),
    fitReport: { starts: starts.length, convergedStarts, evaluations, logPosterior: -best.value, atBound },
    workspace,
  };
}

function factoriseIn(workspace: LikelihoodWorkspace, hp: GpHyperparameters): FactorisationOutcome {
  const outcome = workspace.factorise(hp);
  if (!outcome.ok) return outcome;
  return { ...outcome, L: workspace.factor(), alpha: Float64Array.from(workspace.alpha) };
}

/**
 * log density of u = log θ when θ follows `prior`, without normalising constants, and its u-derivative:
 *   lognormal: −(u − μ)²/(2σ²);  gamma: k·u − rate·e^u   (the Gamma density of θ times the Jacobian θ).
 */
export function logPriorInLogSpace(prior: HyperPrior, u: number): { logDensity: number; derivative: number } {
  if (prior.kind === 'lognormal') {
    if (!(prior.sigma > 0)) throw new BallastError('BAD_INPUT', `lognormal prior needs sigma > 0, got ${prior.sigma}`);
    const z = (u - prior.mu) / prior.sigma;
    return { logDensity: -0.5 * z * z, derivative: -z / prior.sigma };
  }
  if (!(prior.shape > 0) || !(prior.rate > 0)) {
    throw new BallastError('BAD_INPUT', `gamma prior needs shape > 0 and rate > 0, got ${prior.shape}, ${prior.rate}`);
  }
  const theta = Math.exp(u);
  return { logDensity: prior.shape * u - prior.rate * theta, derivative: prior.shape - prior.rate * theta };
}

/** Where a prior puts most of its mass in log space: its mode there, and a spread for random starts. */
function priorCentre(prior: HyperPrior): { centre: number; halfWidth: number } {
  if (prior.kind === 'lognormal') return { centre: prior.mu, halfWidth: 2 * prior.sigma };
  // The log-space mode of θ ~ Gamma(k, rate) is log(k / rate); its log-space sd is about 1/√k.
  return { centre: Math.log(prior.shape / prior.rate), halfWidth: 2 / Math.sqrt(prior.shape) };
}

/**
 * Deterministic start: lengthscales half the input span, signal variance var(y), noise 1% of var(y) — or
 * the prior's log-space mode where a prior is given. Random starts spread ±log(30) around the same centres
 * (or ±2 prior sds): a few orders of magnitude, not the whole box, since starts at a lengthscale of
 * 1e-3·span or a variance of 1e6·var(y) only find the degenerate optima at the edges.
 */
function startCentres(X: Matrix, y: Float64Array, learnNoise: boolean): Float64Array {
  const spans = inputSpans(X);
  const v = outputVariance(y);
  const centres = new Float64Array(X.cols + 1 + (learnNoise ? 1 : 0));
  for (let k = 0; k < X.cols; k++) centres[k] = Math.log(0.5 * spans[k]!);
  centres[X.cols] = Math.log(v);
  if (learnNoise) centres[X.cols + 1] = Math.log(0.01 * v);
  return centres;
}

const RANDOM_START_HALF_WIDTH = Math.log(30);

function startPoint(
  centres: Float64Array,
  priorFor: (j: number) => HyperPrior | undefined,
  lower: Float64Array,
  upper: Float64Array,
  rng: Rng | null,
): Float64Array {
  const u = new Float64Array(centres.length);
  for (let j = 0; j < centres.length; j++) {
    const prior = priorFor(j);
    let centre = centres[j]!;
    let halfWidth = RANDOM_START_HALF_WIDTH;
    if (prior !== undefined) ({ centre, halfWidth } = priorCentre(prior));
    const offset = rng === null ? 0 : halfWidth * (2 * rng.next() - 1);
    u[j] = clampScalar(centre + offset, lower[j]!, upper[j]!);
  }
  return u;
}

function resolveBounds(X: Matrix, y: Float64Array, given: GpHyperparameterBounds | undefined): ResolvedHyperparameterBounds {
  const defaults = defaultHyperparameterBounds(X, y);
  const d = X.cols;
  const check = (interval: readonly [number, number], what: string): [number, number] => {
    const [lo, hi] = interval;
    if (!(lo > 0) || !(hi >= lo) || !Number.isFinite(hi)) {
      throw new BallastError('BAD_INPUT', `${what} bounds are [${lo}, ${hi}]; need 0 < lower ≤ upper < ∞`);
    }
    return [lo, hi];
  };
  let lengthscale = defaults.lengthscale;
  if (given?.lengthscale !== undefined) {
    const ls = given.lengthscale;
    if (ls.length === 2 && typeof ls[0] === 'number') {
      const single = check(ls as readonly [number, number], 'lengthscale');
      lengthscale = Array.from({ length: d }, () => single);
    } else {
      const perDimension = ls as readonly (readonly [number, number])[];
      if (perDimension.length !== d) {
        throw new BallastError('BAD_INPUT', `got lengthscale bounds for ${perDimension.length} inputs, the data has ${d}`);
      }
      lengthscale = perDimension.map((b, k) => check(b, `lengthscale ${k + 1}`));
    }
  }
  return {
    lengthscale,
    signalVariance: given?.signalVariance ? check(given.signalVariance, 'signal variance') : defaults.signalVariance,
    noiseVariance: given?.noiseVariance ? check(given.noiseVariance, 'noise variance') : defaults.noiseVariance,
  };
}

export function resolveInputTransform(X: Matrix, bounds: { lower: Float64Array; upper: Float64Array } | undefined): AffineTransform {
  const d = X.cols;
  const offset = new Float64Array(d);
  const scale = new Float64Array(d);
  if (bounds !== undefined) {
    if (bounds.lower.length !== d || bounds.upper.length !== d) {
      throw new BallastError('BAD_INPUT', `input bounds have ${bounds.lower.length} and ${bounds.upper.length} values for ${d} inputs`);
    }
    for (let k = 0; k < d; k++) {
      const lo = bounds.lower[k]!;
      const hi = bounds.upper[k]!;
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
        throw new BallastError('BAD_INPUT', `input ${k + 1} has bounds [${lo}, ${hi}]; need finite lower < upper`);
      }
      offset[k] = lo;
      scale[k] = hi - lo;
    }
    return { offset, scale };
  }
  for (let k = 0; k < d; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < X.rows; i++) {
      lo = Math.min(lo, X.data[i * d + k]!);
      hi = Math.max(hi, X.data[i * d + k]!);
    }
    offset[k] = lo;
    scale[k] = hi > lo ? hi - lo : 1;
  }
  return { offset, scale };
}

/** Population mean and standard deviation (ddof 0, like scikit-learn's normalize_y); scale 1 for constant y. */
export function resolveOutputTransform(y: Float64Array): OutputTransform {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i]!;
  mean /= y.length;
  let ss = 0;
  for (let i = 0; i < y.length; i++) ss += (y[i]! - mean) * (y[i]! - mean);
  const sd = Math.sqrt(ss / y.length);
  return { mean, scale: sd > 0 ? sd : 1 };
}

function applyInputTransform(X: Matrix, t: AffineTransform | null): Matrix {
  if (t === null) return X;
  const out = zeros(X.rows, X.cols);
  for (let i = 0; i < X.rows; i++) {
    for (let k = 0; k < X.cols; k++) out.data[i * X.cols + k] = (X.data[i * X.cols + k]! - t.offset[k]!) / t.scale[k]!;
  }
  return out;
}

function inputSpans(X: Matrix): Float64Array {
  const d = X.cols;
  const spans = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < X.rows; i++) {
      lo = Math.min(lo, X.data[i * d + k]!);
      hi = Math.max(hi, X.data[i * d + k]!);
    }
    spans[k] = hi > lo ? hi - lo : 1;
  }
  return spans;
}

function outputVariance(y: Float64Array): number {
  const { scale } = resolveOutputTransform(y);
  return scale * scale;
}

function clampScalar(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
