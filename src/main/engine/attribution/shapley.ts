import { BallastError } from '../../../shared/errors';

/**
 * Largest number of groups: 2^10 = 1024 evaluations of the pipeline, each a millisecond-scale allocation, keeps
 * an exact attribution interactive. Beyond that exact Shapley values grow exponentially and a sampling estimate
 * (which would no longer sum exactly) would be needed.
 */
export const MAX_SHAPLEY_GROUPS = 10;

export interface GroupedShapleyResult {
  /** contributions[g] is group g's Shapley value, a vector the length of the game's outcome. */
  contributions: Float64Array[];
  /** value(0): the outcome with every group switched off. */
  base: Float64Array;
  /** value(2^G − 1): the outcome with every group switched on. */
  full: Float64Array;
  /** Coalitions evaluated: always 2^G, each exactly once. */
  evaluations: number;
}

/**
 * Exact Shapley values over G groups (G ≤ 10) of a vector-valued game: value(mask) is the outcome with the groups
 * whose bit is set in `mask` switched on. Returns per-group contribution vectors that sum exactly (to rounding) to
 * value(all) − value(none). Evaluates each of the 2^G coalitions once (memoised).
 *
 * Shapley (1953): φ_g = Σ_{S ⊆ N∖{g}} |S|! (G − |S| − 1)! / G! · (v(S ∪ {g}) − v(S)), i.e. group g's marginal
 * effect averaged over every order in which the groups could be switched on. It is the only attribution that is
 * efficient (the parts add up to the whole change), symmetric (interchangeable groups get equal credit), gives a
 * group that never matters zero, and is additive across games — the properties a PM needs to trust that "the
 * forecasts moved SPY by +3 %" is not an artefact of the order the pipeline happens to apply its stages in.
 * Each coordinate of the outcome is its own game; sharing the coalitions across coordinates is what makes one
 * pipeline run per coalition enough.
 *
 * All 2^G outcomes are computed first and kept (1024 × outcome length floats at most), then combined. Throws
 * BallastError('BAD_INPUT') for a bad group count or outcomes of differing length, and
 * BallastError('NUMERICAL') for an outcome that is not finite.
 */
export function groupedShapley(groups: number, value: (mask: number) => Float64Array): GroupedShapleyResult {
  if (!Number.isInteger(groups) || groups < 0 || groups > MAX_SHAPLEY_GROUPS) {
    throw new BallastError(
      'BAD_INPUT',
      `exact Shapley attribution takes between 0 and ${MAX_SHAPLEY_GROUPS} groups, got ${groups}`,
      { groups },
    );
  }
  const coalitions = 1 << groups;
  const outcomes: Float64Array[] = new Array<Float64Array>(coalitions);
  let length = -1;
  for (let mask = 0; mask < coalitions; mask++) {
    // Copied so a caller that reuses one output buffer across calls cannot overwrite earlier outcomes.
    const outcome = Float64Array.from(value(mask));
    if (length < 0) length = outcome.length;
    else if (outcome.length !== length) {
      throw new BallastError(
        'BAD_INPUT',
        `every coalition's outcome must have the same length: coalition ${mask} gave ${outcome.length}, coalition 0 gave ${length}`,
        { mask, length: outcome.length, expected: length },
      );
    }
    for (let k = 0; k < outcome.length; k++) {
      if (!Number.isFinite(outcome[k]!)) {
        throw new BallastError('NUMERICAL', `coalition ${mask} gave a non-finite outcome ${outcome[k]} at position ${k}`, {
          mask,
          position: k,
          value: outcome[k],
        });
      }
    }
    outcomes[mask] = outcome;
  }

  // coalitionWeight[s] = s! (G − s − 1)! / G!, built as a product of ratios so no factorial overflows or rounds.
  const coalitionWeight = new Float64Array(Math.max(groups, 1));
  for (let s = 0; s < groups; s++) {
    let w = 1 / groups;
    // s!(G−s−1)!/G! = (1/G) · 1/C(G−1, s); C(G−1, s) = Π_{k=1..s} (G−s−1+k)/k.
    for (let k = 1; k <= s; k++) w *= k / (groups - s - 1 + k);
    coalitionWeight[s] = w;
  }

  const contributions: Float64Array[] = [];
  for (let g = 0; g < groups; g++) {
    const bit = 1 << g;
    const phi = new Float64Array(length);
    for (let mask = 0; mask < coalitions; mask++) {
      if ((mask & bit) !== 0) continue;
      const w = coalitionWeight[popcount(mask)]!;
      const without = outcomes[mask]!;
      const withGroup = outcomes[mask | bit]!;
      for (let k = 0; k < length; k++) phi[k] = phi[k]! + w * (withGroup[k]! - without[k]!);
    }
    contributions.push(phi);
  }

  return { contributions, base: outcomes[0]!, full: outcomes[coalitions - 1]!, evaluations: coalitions };
}

function popcount(mask: number): number {
  let count = 0;
  for (let m = mask; m !== 0; m &= m - 1) count++;
  return count;
}
