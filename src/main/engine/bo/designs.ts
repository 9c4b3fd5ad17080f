/**
 * Space-filling designs in the unit cube: Sobol low-discrepancy points (optionally scrambled) and Latin
 * hypercubes. Both are seeded; both return an n×d Matrix, one point per row.
 */
import { BallastError } from '../../../shared/errors';
import { type Matrix, zeros } from '../math/linalg';
import { createRng, type Rng } from '../math/random';
import { SOBOL_DIRECTION_ROWS } from './sobolDirections';

const BITS = 32;
const TWO_POW_32 = 4294967296;

export const SOBOL_MAX_DIMENSION = SOBOL_DIRECTION_ROWS.length + 1;

export interface SobolOptions {
  /**
   * Linear matrix scrambling plus a random digital shift (Matoušek 1998; what SciPy and PyTorch do): the
   * points keep their (t, m, s)-net structure but lose the lattice artefacts and the point at the origin.
   * Default true.
   */
  scramble?: boolean;
  /** Seed for the scramble; required when scrambling. */
  seed?: number;
}

/**
 * Sobol sequence in Gray-code order (Antonov & Saleev 1979) with the Joe & Kuo (2008) direction numbers,
 * 32-bit digits. Unscrambled, it reproduces scipy.stats.qmc.Sobol(scramble=False) point for point.
 * Take points in powers of two when balance matters: the first 2^m points form a net.
 */
export class SobolSequence {
  readonly dimension: number;
  private readonly directions: Uint32Array[];
  private readonly current: Uint32Array;
  private count = 0;

  constructor(dimension: number, options: SobolOptions = {}) {
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > SOBOL_MAX_DIMENSION) {
      throw new BallastError(
        'BAD_INPUT',
        `a Sobol sequence needs a dimension between 1 and ${SOBOL_MAX_DIMENSION}, got ${dimension}`,
      );
    }
    this.dimension = dimension;
    const scramble = options.scramble ?? true;
    this.directions = [];
    for (let j = 0; j < dimension; j++) this.directions.push(directionNumbers(j));
    this.current = new Uint32Array(dimension);
    if (scramble) {
      if (options.seed === undefined) throw new BallastError('BAD_INPUT', 'a scrambled Sobol sequence needs a seed');
      const rng = createRng(options.seed);
      for (let j = 0; j < dimension; j++) {
        this.directions[j] = linearScramble(this.directions[j]!, rng);
        this.current[j] = rng.nextUint32();
      }
    }
  }

  /** Number of points produced so far. */
  get index(): number {
    return this.count;
  }

  next(): Float64Array {
    if (this.count >= TWO_POW_32) throw new BallastError('BAD_INPUT', 'a 32-bit Sobol sequence has 2^32 points');
    const point = new Float64Array(this.dimension);
    for (let j = 0; j < this.dimension; j++) point[j] = this.current[j]! / TWO_POW_32;
    // Gray code: point i+1 differs from point i by the direction number at the lowest zero bit of i.
    const bit = lowestZeroBit(this.count);
    for (let j = 0; j < this.dimension; j++) this.current[j] = (this.current[j]! ^ this.directions[j]![bit]!) >>> 0;
    this.count++;
    return point;
  }

  /** The next n points as the rows of an n×d matrix. */
  take(n: number): Matrix {
    const m = zeros(n, this.dimension);
    for (let i = 0; i < n; i++) m.data.set(this.next(), i * this.dimension);
    return m;
  }

  skip(n: number): void {
    for (let i = 0; i < n; i++) this.next();
  }
}

export function sobolPoints(n: number, dimension: number, options: SobolOptions & { skip?: number } = {}): Matrix {
  const sequence = new SobolSequence(dimension, options);
  if (options.skip) sequence.skip(options.skip);
  return sequence.take(n);
}

/**
 * Latin hypercube (McKay, Beckman & Conover 1979): every coordinate has exactly one point in each of the
 * n equal strata, placed uniformly at random inside its stratum.
 */
export function latinHypercube(n: number, dimension: number, seed: number): Matrix {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(dimension) || dimension < 1) {
    throw new BallastError('BAD_INPUT', `a Latin hypercube needs n ≥ 0 points in d ≥ 1 dimensions, got ${n} × ${dimension}`);
  }
  const rng = createRng(seed);
  const m = zeros(n, dimension);
  for (let j = 0; j < dimension; j++) {
    const strata = shuffledRange(n, rng);
    for (let i = 0; i < n; i++) m.data[i * dimension + j] = (strata[i]! + rng.next()) / n;
  }
  return m;
}

/** Fisher–Yates on 0..n−1. */
export function shuffledRange(n: number, rng: Rng): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const k = Math.floor(rng.next() * (i + 1));
    const t = a[i]!;
    a[i] = a[k]!;
    a[k] = t;
  }
  return a;
}

/** v_k for k = 0..31 as 32-bit integers whose bit 31 is the 1/2 digit. */
function directionNumbers(dimensionIndex: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dimensionIndex === 0) {
    for (let k = 0; k < BITS; k++) v[k] = (1 << (BITS - 1 - k)) >>> 0;
    return v;
  }
  const row = SOBOL_DIRECTION_ROWS[dimensionIndex - 1]!;
  const poly = row[0]!;
  const degree = Math.floor(Math.log2(poly));
  for (let k = 0; k < degree; k++) v[k] = (row[k + 1]! << (BITS - 1 - k)) >>> 0;
  // Bratley & Fox (1988): v_k = a_1 v_{k−1} ⊕ … ⊕ a_{s−1} v_{k−s+1} ⊕ v_{k−s} ⊕ (v_{k−s} >> s).
  for (let k = degree; k < BITS; k++) {
    let value = v[k - degree]! ^ (v[k - degree]! >>> degree);
    for (let l = 1; l < degree; l++) {
      if ((poly >>> (degree - l)) & 1) value ^= v[k - l]!;
    }
    v[k] = value >>> 0;
  }
  return v;
}

/**
 * Left-multiplies every direction number by a random lower-triangular binary matrix with unit diagonal:
 * output digit r (r = 0 is the 1/2 digit) is digit r plus a random combination of the more significant digits.
 */
function linearScramble(v: Uint32Array, rng: Rng): Uint32Array {
  const rowMasks = new Uint32Array(BITS);
  for (let r = 0; r < BITS; r++) {
    const ownBit = 1 << (BITS - 1 - r);
    // Random bits in the r positions above this digit (bit positions 31 … 32−r).
    const above = r === 0 ? 0 : (rng.nextUint32() >>> (BITS - r)) << (BITS - r);
    rowMasks[r] = (ownBit | above) >>> 0;
  }
  const out = new Uint32Array(BITS);
  for (let k = 0; k < BITS; k++) {
    let scrambled = 0;
    for (let r = 0; r < BITS; r++) {
      if (parity(v[k]! & rowMasks[r]!)) scrambled |= 1 << (BITS - 1 - r);
    }
    out[k] = scrambled >>> 0;
  }
  return out;
}

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

function lowestZeroBit(i: number): number {
  // i < 2^32; the loop runs at most 32 times and on average twice.
  let bit = 0;
  let n = i;
  while (n % 2 === 1) {
    n = Math.floor(n / 2);
    bit++;
  }
  return bit;
}
