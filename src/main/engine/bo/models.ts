/**
 * The two GP models the optimiser fits: the objective (feasible evaluations only) and the feasibility
 * classifier (every told evaluation, labelled +1 feasible / −1 infeasible). Settings follow BoTorch's
 * classic SingleTaskGP: Matérn-5/2 with ARD on the unit cube, standardised outputs, and the Gamma priors on
 * the hyperparameters that keep small-data fits away from degenerate lengthscales (BoTorch's newer
 * dimension-scaled lengthscale prior is an option; see `lengthscalePrior`).
 */
import { fitGaussianProcess, type GaussianProcess, type GpFitOptions, type GpHyperparameters, type HyperPrior, type KernelName } from '../gp';
import type { Matrix } from '../math/linalg';

export interface ObjectiveModelOptions {
  kernel: KernelName;
  /** Learn a noise variance of up to the output variance (noisy) or keep it at a nugget (deterministic). */
  noisy: boolean;
  restarts: number;
  seed: number;
  signal?: { readonly aborted: boolean } | undefined;
  /** Which lengthscale prior (default 'gamma'). */
  lengthscalePrior?: LengthscalePriorName;
  /** The previous fit's working-space hyperparameters: tried first. */
  warmStart?: GpHyperparameters | undefined;
  /** With a warm start, also try the default start (default true). */
  defaultStart?: boolean;
}

/**
 * 'dimension-scaled': Hvarfner, Hellsten & Nardi (2024), "Vanilla Bayesian optimization performs great in
 * high dimensions" — BoTorch's default since 0.12: log ℓ ~ N(√2 + ln(d)/2, 3) in BoTorch's convention (no
 * Jacobian), i.e. our lognormal(√2 + ln(d)/2 − 3, √3); its mode grows with the dimension (½ of the box in
 * 6-D). 'gamma': BoTorch's earlier Gamma(3, 6) (mode ⅓ in any dimension), the default here: at the 2–6
 * dimensions of our benchmarks and of θ the dimension-scaled prior measured no better (Hartmann-6 and
 * Ackley-5 at 50 evaluations; bench/results/bo.json keeps the ablation) — its gains are in high dimensions.
 */
export type LengthscalePriorName = 'dimension-scaled' | 'gamma';

export function lengthscalePrior(name: LengthscalePriorName, dimension: number): HyperPrior {
  if (name === 'gamma') return LENGTHSCALE_PRIOR;
  return { kind: 'lognormal', mu: Math.SQRT2 + 0.5 * Math.log(dimension) - 3, sigma: Math.sqrt(3) };
}

/** BoTorch Gamma(3, 6) on lengthscales (mean ½ of the unit cube); in our convention Gamma(k − 1, rate). */
const LENGTHSCALE_PRIOR = { kind: 'gamma', shape: 2, rate: 6 } as const;
/** BoTorch Gamma(2, 0.15) on the output scale. */
const SIGNAL_PRIOR = { kind: 'gamma', shape: 1, rate: 0.15 } as const;
/** BoTorch Gamma(1.1, 0.05) on the noise: nearly flat, a gentle pull towards small noise. */
const NOISE_PRIOR = { kind: 'gamma', shape: 0.1, rate: 0.05 } as const;

export function fitObjectiveModel(X: Matrix, y: Float64Array, options: ObjectiveModelOptions): GaussianProcess {
  const fit: GpFitOptions & { signal?: { readonly aborted: boolean } } = {
    kernel: options.kernel,
    standardizeOutputs: true,
    restarts: options.restarts,
    seed: options.seed,
    hyperparameterBounds: {
      lengthscale: [0.01, 100],
      signalVariance: [1e-3, 1e3],
      // Deterministic objectives still get a small learned nugget: it absorbs the kinks a stationary
      // kernel cannot represent instead of forcing wild lengthscales.
      noiseVariance: options.noisy ? [1e-4, 10] : [1e-6, 1e-2],
    },
    priors: {
      lengthscale: lengthscalePrior(options.lengthscalePrior ?? 'gamma', X.cols),
      signalVariance: SIGNAL_PRIOR,
      ...(options.noisy ? { noiseVariance: NOISE_PRIOR } : {}),
    },
    // The fit is re-run at every ask. Stopping once an iteration gains less than 1e-5 of the log posterior
    // (≈ 0.001 nats at 100 points) leaves it within a few thousandths of a nat of the optimum — nothing the
    // acquisition can see — and a warm-started fit then takes 3–5 evaluations instead of 8–13.
    functionTolerance: 1e-5,
  };
  if (options.warmStart) {
    fit.initialHyperparameters = options.warmStart;
    fit.defaultStart = options.defaultStart ?? true;
  }
  if (options.signal) fit.signal = options.signal;
  return fitGaussianProcess(X, y, fit);
}

export function fitFeasibilityModel(
  X: Matrix,
  labels: Float64Array,
  options: { kernel: KernelName; restarts: number; seed: number; signal?: { readonly aborted: boolean } | undefined },
): GaussianProcess {
  let feasible = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) feasible++;
  const fit: GpFitOptions & { signal?: { readonly aborted: boolean } } = {
    kernel: options.kernel,
    // Zero prior mean on the ±1 labels: far from data P(feasible) returns to ½. (A constant mean at the
    // observed feasible rate was tried and made no measurable difference on constrained Branin.)
    standardizeOutputs: false,
    seed: options.seed,
    restarts: options.restarts,
  };
  if (feasible === 0 || feasible === labels.length) {
    // One class only: nothing to learn a lengthscale from. Mark a neighbourhood of a fifth of each
    // coordinate's range around every known point.
    fit.hyperparameters = { lengthscales: new Float64Array(X.cols).fill(0.2), signalVariance: 1, noiseVariance: 0.01 };
  } else {
    fit.hyperparameterBounds = { lengthscale: [0.1, 10], signalVariance: [0.25, 4], noiseVariance: [1e-3, 1] };
    fit.priors = { lengthscale: LENGTHSCALE_PRIOR };
  }
  if (options.signal) fit.signal = options.signal;
  return fitGaussianProcess(X, labels, fit);
}
