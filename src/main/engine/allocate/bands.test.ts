import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { applyRebalanceBands } from './bands';

const SEED = 20_261_209;
const f = (values: number[]) => Float64Array.from(values);
const sum = (w: ArrayLike<number>) => Array.from(w).reduce((a, b) => a + b, 0);

describe('applyRebalanceBands', () => {
  it('keeps assets inside their band and moves the others to target', () => {
    // Band ±3 pp: 0.29 vs 0.30 inside; 0.22 vs 0.30 outside (−8 pp); 0.45 vs 0.38 outside (+7 pp).
    const r = applyRebalanceBands(f([0.29, 0.22, 0.45]), f([0.3, 0.3, 0.38]), 0.03, 'target');
    expect(r.outside).toEqual([false, true, true]);
    expect(Array.from(r.weights)).toEqual([0.29, 0.3, 0.38]);
  });

  it("moves outside assets only to the band's nearer edge in 'edge' mode", () => {
    const r = applyRebalanceBands(f([0.29, 0.22, 0.45]), f([0.3, 0.3, 0.38]), 0.03, 'edge');
    expect(r.outside).toEqual([false, true, true]);
    expect(Array.from(r.weights)).toEqual([0.29, expect.closeTo(0.27, 15), expect.closeTo(0.41, 15)]);
  });

  it('treats the band edge itself as inside, and never goes below zero', () => {
    const r = applyRebalanceBands(f([0.33, 0.2, 0.05]), f([0.3, 0.3, 0.01]), 0.03, 'edge');
    expect(r.outside).toEqual([false, true, true]);
    expect(r.weights[2]).toBeCloseTo(0.04, 15);
    const zero = applyRebalanceBands(f([0.0, 0.5]), f([0.02, 0.48]), 0.01, 'edge');
    expect(zero.weights[0]).toBeCloseTo(0.01, 15);
    const drop = applyRebalanceBands(f([0.05, 0.45]), f([0.0, 0.48]), 0.03, 'edge');
    expect(drop.weights[0]).toBeCloseTo(0.03, 15);
  });

  it('with a zero band width reproduces the target', () => {
    const target = f([0.2, 0.3, 0.48]);
    const r = applyRebalanceBands(f([0.25, 0.25, 0.48]), target, 0, 'edge');
    expect(Array.from(r.weights)).toEqual(Array.from(target));
    expect(r.outside).toEqual([true, true, false]);
  });

  it('leaves extra cash when held-in-band names are below target', () => {
    // Target invests 98 %; A is 2.5 pp under target but inside its band, so 2.5 % more stays in cash.
    const r = applyRebalanceBands(f([0.375, 0.5, 0.1]), f([0.4, 0.4, 0.18]), 0.03, 'target');
    expect(Array.from(r.weights)).toEqual([0.375, 0.4, 0.18]);
    expect(1 - sum(r.weights)).toBeCloseTo(0.045, 15);
  });

  it('never invests more than the target: cuts this rebalance’s buys pro rata', () => {
    // A and B sit 2.9 pp over target inside their bands; C is bought from 0.1 to 0.3. Invested would be
    // 0.329 + 0.329 + 0.3 = 0.958 > 0.9, so the 0.2 buy is cut by 0.058, to 0.242.
    const r = applyRebalanceBands(f([0.329, 0.329, 0.1]), f([0.3, 0.3, 0.3]), 0.03, 'target');
    expect(sum(r.weights)).toBeCloseTo(0.9, 15);
    expect(r.weights[0]).toBe(0.329);
    expect(r.weights[1]).toBe(0.329);
    expect(r.weights[2]).toBeCloseTo(0.242, 15);
    expect(r.outside).toEqual([false, false, true]);
  });

  it('trims names above target when there are no buys to cut, and marks them as trading', () => {
    // A–C sit 2.5 pp over target inside their bands; D, 5.5 pp under, would be bought to its edge (0.215).
    // Invested would be 1.025 > the target's 0.98: cutting D's buy entirely leaves 0.02 to trim from A–C.
    const current = f([0.27, 0.27, 0.27, 0.19]);
    const target = f([0.245, 0.245, 0.245, 0.245]);
    const r = applyRebalanceBands(current, target, 0.03, 'edge');
    expect(sum(r.weights)).toBeCloseTo(0.98, 14);
    expect(r.outside).toEqual([true, true, true, true]);
    for (let i = 0; i < 3; i++) expect(r.weights[i]).toBeCloseTo(0.27 - 0.02 / 3, 14);
    expect(r.weights[3]).toBe(0.19);
  });

  it('holds its invariants on random portfolios', () => {
    const weights = (n: number) => fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(weights(n), weights(n))),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.constantFrom('edge' as const, 'target' as const),
        fc.double({ min: 0.5, max: 1, noNaN: true }),
        ([a, b], band, mode, invested) => {
          const norm = (x: number[]) => {
            const s = sum(x) || 1;
            return Float64Array.from(x, (v) => (v / s) * invested);
          };
          const current = norm(a);
          const target = norm(b);
          const r = applyRebalanceBands(current, target, band, mode);
          expect(sum(r.weights)).toBeLessThanOrEqual(sum(target) + 1e-12);
          r.weights.forEach((w, i) => {
            expect(w).toBeGreaterThanOrEqual(-1e-15);
            if (!r.outside[i]) {
              expect(w).toBe(current[i]);
              expect(Math.abs(current[i]! - target[i]!)).toBeLessThanOrEqual(band + 1e-12);
            } else {
              // A trade never overshoots: it lands between where the asset was and its target.
              expect(w).toBeGreaterThanOrEqual(Math.min(current[i]!, target[i]!) - 1e-12);
              expect(w).toBeLessThanOrEqual(Math.max(current[i]!, target[i]!) + 1e-12);
            }
          });
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('rejects mismatched or invalid input', () => {
    expect(() => applyRebalanceBands(f([0.5]), f([0.5, 0.5]), 0.03, 'edge')).toThrow(BallastError);
    expect(() => applyRebalanceBands(f([0.5]), f([0.5]), -0.01, 'edge')).toThrow(/band width/);
    expect(() => applyRebalanceBands(f([Number.NaN]), f([0.5]), 0.01, 'edge')).toThrow(/finite/);
  });
});
