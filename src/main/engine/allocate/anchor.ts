import type { ConstraintSettings } from '../../../shared/strategy';

/**
 * The risk-budgeting anchor inside the mandate's per-asset limits.
 *
 * The strategy's anchor is the equal-risk-contribution portfolio scaled to 1 − cashFloor. When an ERC weight is
 * above its maximum (a low-volatility bond fund on a small universe, or two names with history early in the
 * data) that anchor is not an allowed portfolio, and a tracking-error budget measured around it can be
 * unreachable. So: aᵢ = clamp(s·rᵢ, loᵢ, hiᵢ) with one scale s chosen so that Σa = 1 − cashFloor — the excess of
 * capped names goes to the others in proportion to their risk-budgeting weights. When the maximums cannot hold
 * 1 − cashFloor at all, every name sits at its maximum and the rest stays in cash, as the allocator does
 * (allocator.ts, "the cash floor is a minimum"). Limits are the per-asset min/max (per-ticker overrides first);
 * account-specific rules (restricted lists, class limits, turnover) belong to the allocation, not the anchor.
 * When no limit binds, the anchor is exactly riskBudget × (1 − cashFloor), as before.
 */
export function anchorWithinLimits(riskBudget: Float64Array, tickers: readonly string[], constraints: ConstraintSettings): Float64Array {
  const n = riskBudget.length;
  const budget = 1 - constraints.cashFloor;
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  let inside = true;
  for (let i = 0; i < n; i++) {
    const own = constraints.perAsset[tickers[i]!];
    const max = own?.max ?? constraints.maxWeight;
    // A minimum above the maximum is the allocator's to name; the anchor keeps to the maximum.
    lo[i] = Math.min(own?.min ?? constraints.minWeight, max);
    hi[i] = max;
    const w = riskBudget[i]! * budget;
    if (w < lo[i]! || w > hi[i]!) inside = false;
  }
  if (inside) return Float64Array.from(riskBudget, (r) => r * budget);

  const at = (s: number) => {
    let total = 0;
    for (let i = 0; i < n; i++) total += Math.min(Math.max(s * riskBudget[i]!, lo[i]!), hi[i]!);
    return total;
  };
  let sumHi = 0;
  let sumLo = 0;
  for (let i = 0; i < n; i++) {
    sumHi += hi[i]!;
    sumLo += lo[i]!;
  }
  if (sumHi <= budget) return hi;
  if (sumLo >= budget) return lo;
  // Σ clamp(s·rᵢ) is piecewise linear and non-decreasing in s, with kinks at loᵢ/rᵢ and hiᵢ/rᵢ: find the piece
  // where it reaches the budget and solve that piece exactly.
  const kinks: number[] = [0];
  for (let i = 0; i < n; i++) {
    const r = riskBudget[i]!;
    if (r > 0) kinks.push(lo[i]! / r, hi[i]! / r);
  }
  kinks.sort((a, b) => a - b);
  let s = kinks[kinks.length - 1]!;
  for (let k = 1; k < kinks.length; k++) {
    const right = kinks[k]!;
    const fRight = at(right);
    if (fRight < budget) continue;
    const left = kinks[k - 1]!;
    const fLeft = at(left);
    s = fRight > fLeft ? left + ((budget - fLeft) * (right - left)) / (fRight - fLeft) : right;
    break;
  }
  return Float64Array.from(riskBudget, (r, i) => Math.min(Math.max(s * r, lo[i]!), hi[i]!));
}
