import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConstraintSettings } from '../../../shared/strategy';
import { anchorWithinLimits } from './anchor';

const SEED = 20_261_209;
const sum = (w: ArrayLike<number>) => Array.from(w).reduce((a, b) => a + b, 0);

describe('anchorWithinLimits', () => {
  const tickers = ['A', 'B', 'C', 'D'];

  it('is exactly riskBudget × (1 − cash floor) when no limit binds', () => {
    const r = Float64Array.from([0.3, 0.3, 0.2, 0.2]);
    const c = ConstraintSettings.parse({ maxWeight: 0.35, cashFloor: 0.02 });
    expect(Array.from(anchorWithinLimits(r, tickers, c))).toEqual(Array.from(r, (x) => x * 0.98));
  });

  it('caps a name at its maximum and gives the excess to the others in proportion to their risk budgets', () => {
    const r = Float64Array.from([0.55, 0.25, 0.1, 0.1]);
    const c = ConstraintSettings.parse({ maxWeight: 0.35, cashFloor: 0.02 });
    const a = anchorWithinLimits(r, tickers, c);
    expect(a[0]).toBe(0.35);
    expect(sum(a)).toBeCloseTo(0.98, 14);
    expect(a[1]! / a[2]!).toBeCloseTo(2.5, 12);
    expect(a[2]).toBeCloseTo(a[3]!, 14);
  });

  it('keeps per-ticker maximums and minimums', () => {
    const r = Float64Array.from([0.4, 0.4, 0.19, 0.01]);
    const c = ConstraintSettings.parse({ maxWeight: 0.6, minWeight: 0.05, perAsset: { B: { max: 0.2 } }, cashFloor: 0 });
    const a = anchorWithinLimits(r, tickers, c);
    expect(a[1]).toBe(0.2);
    expect(a[3]).toBe(0.05);
    expect(sum(a)).toBeCloseTo(1, 14);
    expect(a[0]! / a[2]!).toBeCloseTo(0.4 / 0.19, 12);
  });

  it('when the maximums cannot hold 1 − cash floor, every name is at its maximum and the rest is cash', () => {
    const r = Float64Array.from([0.6, 0.4]);
    const c = ConstraintSettings.parse({ maxWeight: 0.35, cashFloor: 0.02 });
    expect(Array.from(anchorWithinLimits(r, ['A', 'B'], c))).toEqual([0.35, 0.35]);
  });

  it('for random budgets and limits: within every limit, Σ = min(1 − floor, Σ max), order of risk budgets kept among free names', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.constantFrom(0, 0.02, 0.2),
        fc.constantFrom(0, 0.01),
        (raw, maxWeight, cashFloor, minWeight) => {
          const total = sum(raw);
          const r = Float64Array.from(raw, (x) => x / total);
          const names = raw.map((_, i) => `T${i}`);
          const c = ConstraintSettings.parse({ maxWeight, minWeight: Math.min(minWeight, maxWeight), cashFloor });
          if (c.minWeight * raw.length > 1 - cashFloor) return;
          const a = anchorWithinLimits(r, names, c);
          a.forEach((w) => {
            expect(w).toBeLessThanOrEqual(maxWeight);
            expect(w).toBeGreaterThanOrEqual(c.minWeight);
          });
          expect(sum(a)).toBeCloseTo(Math.min(1 - cashFloor, maxWeight * raw.length), 12);
          for (let i = 0; i < r.length; i++) {
            for (let j = 0; j < r.length; j++) if (r[i]! > r[j]!) expect(a[i]!).toBeGreaterThanOrEqual(a[j]!);
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
