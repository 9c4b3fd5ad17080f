import { BallastError } from '../../../shared/errors';

export type BandTarget = 'edge' | 'target';

export interface BandedWeights {
  /** Weights after applying the bands; the rest (1 − Σ) is cash. */
  weights: Float64Array;
  /**
   * True where the asset was outside its band (and so moves toward its target), or was trimmed to keep the
   * budget (see below). A buy cut entirely by the budget rule stays marked though it no longer trades.
   */
  outside: boolean[];
}

/** Two weights closer than this are the same weight (float noise from the allocator, not a trade). */
const TOLERANCE = 1e-12;

/**
 * Rebalance bands: trade only the assets whose current weight has drifted more than `bandWidth` (absolute
 * weight, e.g. 0.03 = ±3 percentage points) from target.
 *
 * - Inside its band (|current − target| ≤ bandWidth) an asset keeps its current weight: no trade.
 * - Outside, it moves to its target ('target'), or only back to the nearer edge of its band ('edge':
 *   target ± bandWidth, never below 0), the cheaper half-way house that keeps turnover down.
 *
 * The budget. Assets kept inside their bands no longer add up to what the target assumed, and that difference
 * goes to cash. Less invested than the target leaves more cash: nothing is bought just to spend it, since
 * avoiding small trades is the point of bands. More invested would eat into the target's cash — which already
 * holds the cash floor and any circuit-breaker de-risking — so invested weight is capped at the target's
 * (Σ result ≤ Σ target, i.e. cash ≥ the target's cash). The excess is taken first from this rebalance's buys,
 * pro rata to their size; if the buys are not enough (the excess comes from names held above target inside
 * their bands), the remainder is trimmed pro rata from every asset still above its target, and those assets
 * are then marked as trading.
 */
export function applyRebalanceBands(current: Float64Array, target: Float64Array, bandWidth: number, mode: BandTarget): BandedWeights {
  const n = current.length;
  if (target.length !== n) {
    throw new BallastError('BAD_INPUT', `target has ${target.length} weights for ${n} current weights`);
  }
  if (!(bandWidth >= 0) || !Number.isFinite(bandWidth)) {
    throw new BallastError('BAD_INPUT', `band width must be a finite weight ≥ 0, got ${bandWidth}`);
  }
  for (let i = 0; i < n; i++) {
    if (!(current[i]! >= 0) || !(target[i]! >= 0) || !Number.isFinite(current[i]!) || !Number.isFinite(target[i]!)) {
      throw new BallastError('BAD_INPUT', `weights must be finite and ≥ 0 (asset ${i}: current ${current[i]}, target ${target[i]})`);
    }
  }

  const weights = new Float64Array(n);
  const outside = new Array<boolean>(n).fill(false);
  let invested = 0;
  let targetInvested = 0;
  for (let i = 0; i < n; i++) {
    const gap = current[i]! - target[i]!;
    if (Math.abs(gap) <= bandWidth + TOLERANCE) {
      weights[i] = current[i]!;
    } else {
      outside[i] = true;
      weights[i] = mode === 'target' ? target[i]! : Math.max(0, target[i]! + Math.sign(gap) * bandWidth);
    }
    invested += weights[i]!;
    targetInvested += target[i]!;
  }

  let excess = invested - targetInvested;
  if (excess <= TOLERANCE) return { weights, outside };

  let buys = 0;
  for (let i = 0; i < n; i++) buys += Math.max(0, weights[i]! - current[i]!);
  if (buys > 0) {
    const cut = Math.min(1, excess / buys);
    for (let i = 0; i < n; i++) {
      const buy = weights[i]! - current[i]!;
      if (buy > 0) weights[i] = weights[i]! - cut * buy;
    }
    excess -= cut * buys;
  }
  if (excess <= TOLERANCE) return { weights, outside };

  let above = 0;
  for (let i = 0; i < n; i++) above += Math.max(0, weights[i]! - target[i]!);
  // Σ(w − target) = excess > 0 here, so the assets above target hold at least the excess.
  const share = Math.min(1, excess / above);
  for (let i = 0; i < n; i++) {
    const over = weights[i]! - target[i]!;
    if (over <= 0) continue;
    weights[i] = weights[i]! - share * over;
    if (Math.abs(weights[i]! - current[i]!) > TOLERANCE) outside[i] = true;
  }
  return { weights, outside };
}
