/**
 * Standard BO test problems (definitions from Surjanovic & Bingham, "Virtual Library of Simulation
 * Experiments", sfu.ca/~ssurjano), all to be minimised, plus seeded noisy variants.
 */
import { createRng } from '../math/random';
import type { ParameterSpec } from './space';

export interface TestProblem {
  name: string;
  dimension: number;
  lower: readonly number[];
  upper: readonly number[];
  /** Global minimum value. */
  optimumValue: number;
  /** One global minimiser. */
  optimum: readonly number[];
  evaluate(x: ArrayLike<number>): number;
}

/** Branin–Hoo on [−5, 10] × [0, 15]; three global minima, value 5/(4π) ≈ 0.397887. */
export const branin: TestProblem = {
  name: 'branin',
  dimension: 2,
  lower: [-5, 0],
  upper: [10, 15],
  optimumValue: 0.39788735772973816,
  optimum: [Math.PI, 2.275],
  evaluate(x) {
    const x1 = x[0]!;
    const x2 = x[1]!;
    const b = 5.1 / (4 * Math.PI * Math.PI);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    const r = x2 - b * x1 * x1 + c * x1 - 6;
    return r * r + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const HARTMANN6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

/** Hartmann-6 on [0, 1]⁶; minimum −3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573). */
export const hartmann6: TestProblem = {
  name: 'hartmann6',
  dimension: 6,
  lower: [0, 0, 0, 0, 0, 0],
  upper: [1, 1, 1, 1, 1, 1],
  optimumValue: -3.322368011415515,
  optimum: [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
  evaluate(x) {
    let total = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) {
        const d = x[j]! - HARTMANN6_P[i]![j]!;
        inner += HARTMANN6_A[i]![j]! * d * d;
      }
      total += HARTMANN6_ALPHA[i]! * Math.exp(-inner);
    }
    return -total;
  },
};

/**
 * Ackley in `dimension` dimensions (a = 20, b = 0.2, c = 2π), minimum 0 at the origin. Bounds [−5, 10]ᵈ, the
 * reduced box of Eriksson et al. (2019, TuRBO) and BoTorch's examples: the standard [−32.768, 32.768]ᵈ is a
 * needle in a haystack at these budgets, and an off-centre box keeps a method from scoring by sampling the
 * centre of the box.
 */
export function ackley(dimension: number): TestProblem {
  return {
    name: `ackley${dimension}`,
    dimension,
    lower: new Array<number>(dimension).fill(-5),
    upper: new Array<number>(dimension).fill(10),
    optimumValue: 0,
    optimum: new Array<number>(dimension).fill(0),
    evaluate(x) {
      let squares = 0;
      let cosines = 0;
      for (let i = 0; i < dimension; i++) {
        squares += x[i]! * x[i]!;
        cosines += Math.cos(2 * Math.PI * x[i]!);
      }
      return -20 * Math.exp(-0.2 * Math.sqrt(squares / dimension)) - Math.exp(cosines / dimension) + 20 + Math.E;
    },
  };
}

export const ackley5 = ackley(5);

/** Noise standard deviations used for the noisy variants, about 1–5 % of each function's range near the optimum. */
export const DEFAULT_NOISE_SD: Readonly<Record<string, number>> = { branin: 1, hartmann6: 0.1, ackley5: 0.5 };

/**
 * The problem with additive Gaussian noise of standard deviation `noiseSd`, drawn from a generator seeded with
 * `seed`: the n-th evaluation gets the n-th draw, so a run is reproducible. `evaluateNoiseFree` stays exact.
 */
export function withNoise(
  problem: TestProblem,
  noiseSd: number,
  seed: number,
): TestProblem & { noiseSd: number; evaluateNoiseFree(x: ArrayLike<number>): number } {
  const rng = createRng(seed);
  return {
    ...problem,
    name: `${problem.name}-noisy`,
    noiseSd,
    evaluate: (x) => problem.evaluate(x) + noiseSd * rng.normal(),
    evaluateNoiseFree: (x) => problem.evaluate(x),
  };
}

/** A continuous search space x1 … xd over the problem's box. */
export function problemSpace(problem: TestProblem): ParameterSpec[] {
  return Array.from({ length: problem.dimension }, (_, i) => ({
    name: `x${i + 1}`,
    type: 'continuous' as const,
    lower: problem.lower[i]!,
    upper: problem.upper[i]!,
  }));
}

/** The point of a problem from named parameter values x1 … xd. */
export function problemPoint(problem: TestProblem, params: Readonly<Record<string, unknown>>): Float64Array {
  return Float64Array.from({ length: problem.dimension }, (_, i) => params[`x${i + 1}`] as number);
}
