/**
 * Maximises an acquisition over the encoded search space: score a quasi-random candidate set, start a local
 * search from the best few, keep the best local optima. The local search alternates L-BFGS-B over the
 * continuous coordinates (discrete ones held fixed) with a best-improvement move over discrete neighbours
 * (an integer one step up or down, a categorical switched), until neither improves. Because the acquisition
 * only ever sees snapped points, discrete parameters are optimised as discrete, never rounded afterwards.
 */
import { BallastError } from '../../../shared/errors';
import { type Matrix, matrixFromData } from '../math/linalg';
import { minimize } from '../optim/lbfgsb';
import type { SearchSpace } from './space';

export interface AcquisitionScorer {
  /** Acquisition at every row of `points` (encoded, snapped). */
  scoreBatch(points: Matrix): Float64Array;
  /** Acquisition and its gradient in every encoded coordinate at one snapped point. */
  scoreWithGradient(point: Float64Array): { value: number; gradient: Float64Array };
}

export interface AcquisitionOptimizerOptions {
  /** Encoded, snapped candidate points, one per row. */
  candidates: Matrix;
  /** Local searches started from the best distinct candidates. */
  restarts: number;
  /** L-BFGS-B iterations per continuous phase. */
  maxIterations?: number;
  /** Alternations of continuous and discrete phases per start. */
  maxRounds?: number;
  /** A box (encoded coordinates) the local searches stay in; default the unit cube. */
  bounds?: { lower: Float64Array; upper: Float64Array } | undefined;
  /** True for points that must not be proposed (already observed, pending or chosen). */
  isExcluded(point: Float64Array): boolean;
  signal?: { readonly aborted: boolean } | undefined;
  onRestart?: ((current: number, total: number) => void) | undefined;
}

export interface ScoredPoint {
  point: Float64Array;
  value: number;
}

/**
 * The best admissible point found, or null when every candidate and every local optimum is excluded (a
 * finite space that is used up, in practice). Throws BallastError('CANCELLED') when the signal is raised
 * between restarts.
 */
export function maximizeAcquisition(
  space: SearchSpace,
  scorer: AcquisitionScorer,
  options: AcquisitionOptimizerOptions,
): ScoredPoint | null {
  const { candidates, isExcluded } = options;
  const d = candidates.cols;
  const scores = scorer.scoreBatch(candidates);
  const order = Array.from({ length: candidates.rows }, (_, i) => i).sort((a, b) => compareDescending(scores[a]!, scores[b]!) || a - b);

  const starts: ScoredPoint[] = [];
  let fallback: ScoredPoint | null = null;
  for (const i of order) {
    const point = candidates.data.slice(i * d, (i + 1) * d);
    if (isExcluded(point)) continue;
    const scored = { point, value: scores[i]! };
    fallback ??= scored;
    if (starts.some((s) => sameCoordinates(s.point, point))) continue;
    starts.push(scored);
    if (starts.length >= options.restarts) break;
  }

  let best: ScoredPoint | null = fallback;
  for (let r = 0; r < starts.length; r++) {
    if (options.signal?.aborted) throw new BallastError('CANCELLED', 'The search for the next point was cancelled.');
    options.onRestart?.(r, starts.length);
    const local = localSearch(space, scorer, starts[r]!, options);
    if (!isExcluded(local.point) && (best === null || local.value > best.value)) best = local;
  }
  return best;
}

function localSearch(space: SearchSpace, scorer: AcquisitionScorer, start: ScoredPoint, options: AcquisitionOptimizerOptions): ScoredPoint {
  const continuous = space.continuousCoordinates;
  const maxRounds = options.maxRounds ?? (space.hasDiscreteParameters ? 5 : 1);
  let current: ScoredPoint = { point: start.point.slice(), value: start.value };
  for (let round = 0; round < maxRounds; round++) {
    let improved = false;
    if (continuous.length > 0) {
      const next = continuousPhase(scorer, current, continuous, options.maxIterations ?? 100, options.bounds);
      if (next.value > current.value) {
        current = next;
        improved = true;
      }
    }
    if (space.hasDiscreteParameters) {
      const neighbours = space.discreteNeighbours(current.point).filter((p) => !options.isExcluded(p));
      if (neighbours.length > 0) {
        const stacked = matrixFromData(neighbours.length, current.point.length, concatRows(neighbours));
        const values = scorer.scoreBatch(stacked);
        let bestIndex = -1;
        for (let k = 0; k < neighbours.length; k++) {
          if (values[k]! > current.value && (bestIndex < 0 || values[k]! > values[bestIndex]!)) bestIndex = k;
        }
        if (bestIndex >= 0) {
          current = { point: neighbours[bestIndex]!, value: values[bestIndex]! };
          improved = true;
        }
      }
    }
    if (!improved || !space.hasDiscreteParameters) break;
  }
  return current;
}

function continuousPhase(
  scorer: AcquisitionScorer,
  start: ScoredPoint,
  continuous: Int32Array,
  maxIterations: number,
  bounds: AcquisitionOptimizerOptions['bounds'],
): ScoredPoint {
  const m = continuous.length;
  const x0 = new Float64Array(m);
  const lower = new Float64Array(m);
  const upper = new Float64Array(m).fill(1);
  for (let k = 0; k < m; k++) {
    const j = continuous[k]!;
    if (bounds) {
      lower[k] = bounds.lower[j]!;
      upper[k] = bounds.upper[j]!;
    }
    x0[k] = Math.min(upper[k]!, Math.max(lower[k]!, start.point[j]!));
  }
  const full = start.point.slice();
  const objective = (x: Float64Array) => {
    for (let k = 0; k < m; k++) full[continuous[k]!] = x[k]!;
    const { value, gradient } = scorer.scoreWithGradient(full);
    const g = new Float64Array(m);
    for (let k = 0; k < m; k++) g[k] = -gradient[continuous[k]!]!;
    // L-BFGS-B treats a non-finite value as "step too long"; −Infinity (log EI of an impossible point) is one.
    return { value: Number.isFinite(value) ? -value : Infinity, gradient: g };
  };
  const result = minimize(objective, x0, {
    lower,
    upper,
    maxIterations,
    // scipy's pgtol, as BoTorch's gen_candidates_scipy uses: tighter only buys iterations that move the point by
    // far less than any tolerance a tuning run cares about.
    gradientTolerance: 1e-5,
    // Acquisition landscapes are low-dimensional here; a short memory makes each iteration cheaper at no loss.
    memory: Math.min(10, Math.max(3, m)),
  });
  const point = start.point.slice();
  for (let k = 0; k < m; k++) point[continuous[k]!] = result.x[k]!;
  return { point, value: Number.isFinite(result.value) ? -result.value : -Infinity };
}

function compareDescending(a: number, b: number): number {
  // NaN sorts last.
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return b - a || 0;
}

function sameCoordinates(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concatRows(rows: Float64Array[]): Float64Array {
  const d = rows[0]!.length;
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => out.set(r, i * d));
  return out;
}
