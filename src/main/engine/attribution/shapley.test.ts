import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { MAX_SHAPLEY_GROUPS, groupedShapley } from './shapley';

/** A random game: a table of outcome vectors, one per coalition (values on a 1e-4 grid in ±1). */
const gameArbitrary = (maxGroups: number) =>
  fc
    .record({ groups: fc.integer({ min: 0, max: maxGroups }), length: fc.integer({ min: 1, max: 4 }) })
    .chain(({ groups, length }) =>
      fc
        .array(fc.integer({ min: -10_000, max: 10_000 }), {
          minLength: (1 << groups) * length,
          maxLength: (1 << groups) * length,
        })
        .map((values) => ({
          groups,
          length,
          table: Array.from({ length: 1 << groups }, (_, mask) =>
            Float64Array.from(values.slice(mask * length, (mask + 1) * length), (v) => v / 10_000),
          ),
        })),
    );

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let at = 0; at <= rest.length; at++) out.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
  }
  return out;
}

/** The definition read literally: each group's marginal effect averaged over all G! switch-on orders. */
function shapleyByPermutations(groups: number, table: Float64Array[]): Float64Array[] {
  const length = table[0]!.length;
  const phi = Array.from({ length: groups }, () => new Float64Array(length));
  const orders = permutations(groups);
  for (const order of orders) {
    let mask = 0;
    for (const g of order) {
      const next = mask | (1 << g);
      for (let k = 0; k < length; k++) phi[g]![k] = phi[g]![k]! + (table[next]![k]! - table[mask]![k]!) / orders.length;
      mask = next;
    }
  }
  return phi;
}

function expectVectorClose(actual: Float64Array, expected: ArrayLike<number>, tolerance = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let k = 0; k < actual.length; k++) expect(Math.abs(actual[k]! - expected[k]!)).toBeLessThanOrEqual(tolerance);
}

describe('groupedShapley: closed-form games', () => {
  it('two groups: φ₁ = (v₁ + v₁₂ − v₂)/2 with v(∅) = 0', () => {
    const v = [0, 3, 5, 10];
    const result = groupedShapley(2, (mask) => Float64Array.of(v[mask]!));
    expectVectorClose(result.contributions[0]!, [(3 + (10 - 5)) / 2]);
    expectVectorClose(result.contributions[1]!, [(5 + (10 - 3)) / 2]);
  });

  it('a linear (additive) game credits each group with exactly its own effect', () => {
    const effects = [
      [0.02, -0.01, 0],
      [-0.005, 0.004, 0.001],
      [0, 0, 0.03],
      [0.011, 0.002, -0.013],
    ];
    const baseline = [0.3, 0.3, 0.4];
    const result = groupedShapley(4, (mask) => {
      const out = Float64Array.from(baseline);
      effects.forEach((effect, g) => {
        if (mask & (1 << g)) effect.forEach((e, k) => (out[k] = out[k]! + e));
      });
      return out;
    });
    effects.forEach((effect, g) => expectVectorClose(result.contributions[g]!, effect, 1e-15));
    expectVectorClose(result.base, baseline, 0);
  });

  it('a unanimity game on T splits its value equally among T and gives the others nothing', () => {
    const groups = 6;
    const carrier = 0b101100;
    const result = groupedShapley(groups, (mask) => Float64Array.of((mask & carrier) === carrier ? 12 : 0, -1));
    for (let g = 0; g < groups; g++) {
      expectVectorClose(result.contributions[g]!, [carrier & (1 << g) ? 4 : 0, 0], 1e-14);
    }
  });

  it('ten groups, the most it takes: 1024 evaluations, efficiency to rounding', () => {
    const result = groupedShapley(MAX_SHAPLEY_GROUPS, (mask) => {
      // A non-linear game with interactions of every order.
      let x = 0;
      for (let g = 0; g < 10; g++) if (mask & (1 << g)) x += (g + 1) * 0.01;
      return Float64Array.of(Math.sin(x * mask), x * x, Math.exp(-x));
    });
    expect(result.evaluations).toBe(1024);
    const sum = new Float64Array(3);
    for (const c of result.contributions) for (let k = 0; k < 3; k++) sum[k] = sum[k]! + c[k]!;
    expectVectorClose(sum, [0, 1, 2].map((k) => result.full[k]! - result.base[k]!), 1e-13);
  });

  it('no groups: nothing to attribute, one evaluation', () => {
    const result = groupedShapley(0, () => Float64Array.of(1, 2));
    expect(result.contributions).toEqual([]);
    expect(Array.from(result.base)).toEqual([1, 2]);
    expect(Array.from(result.full)).toEqual([1, 2]);
    expect(result.evaluations).toBe(1);
  });
});

describe('groupedShapley: the axioms on random games', () => {
  it('matches the permutation definition', () => {
    fc.assert(
      fc.property(gameArbitrary(5), ({ groups, table }) => {
        const result = groupedShapley(groups, (mask) => table[mask]!);
        const expected = shapleyByPermutations(groups, table);
        for (let g = 0; g < groups; g++) expectVectorClose(result.contributions[g]!, expected[g]!, 1e-12);
      }),
    );
  });

  it('efficiency: contributions sum to value(all) − value(none)', () => {
    fc.assert(
      fc.property(gameArbitrary(8), ({ groups, length, table }) => {
        const result = groupedShapley(groups, (mask) => table[mask]!);
        expect(result.evaluations).toBe(1 << groups);
        const sum = new Float64Array(length);
        for (const c of result.contributions) for (let k = 0; k < length; k++) sum[k] = sum[k]! + c[k]!;
        const expected = Array.from({ length }, (_, k) => (groups === 0 ? 0 : table[(1 << groups) - 1]![k]! - table[0]![k]!));
        expectVectorClose(sum, expected, 1e-13);
      }),
    );
  });

  it('symmetry: two interchangeable groups get equal credit', () => {
    fc.assert(
      fc.property(gameArbitrary(6), fc.nat(), fc.nat(), ({ groups, table }, a, b) => {
        fc.pre(groups >= 2);
        const i = a % groups;
        const j = (i + 1 + (b % (groups - 1))) % groups;
        // Symmetrise: v(S) := v(S with i and j's bits sorted), so swapping i and j never changes the outcome.
        const canonical = (mask: number): number => {
          const hasI = (mask >> i) & 1;
          const hasJ = (mask >> j) & 1;
          if (hasI === hasJ) return mask;
          return (mask & ~(1 << i) & ~(1 << j)) | (1 << Math.min(i, j));
        };
        const result = groupedShapley(groups, (mask) => table[canonical(mask)]!);
        expectVectorClose(result.contributions[i]!, result.contributions[j]!, 1e-13);
      }),
    );
  });

  it('dummy player: a group that never changes the outcome gets exactly zero', () => {
    fc.assert(
      fc.property(gameArbitrary(6), fc.nat(), ({ groups, table }, pick) => {
        fc.pre(groups >= 1);
        const dummy = pick % groups;
        const result = groupedShapley(groups, (mask) => table[mask & ~(1 << dummy)]!);
        expect(Array.from(result.contributions[dummy]!).every((x) => x === 0)).toBe(true);
      }),
    );
  });

  it('additivity: the attribution of u + v is the attribution of u plus that of v', () => {
    fc.assert(
      fc.property(
        gameArbitrary(6).chain((u) =>
          fc
            .array(fc.integer({ min: -10_000, max: 10_000 }), {
              minLength: (1 << u.groups) * u.length,
              maxLength: (1 << u.groups) * u.length,
            })
            .map((values) => ({
              ...u,
              other: u.table.map((_, mask) =>
                Float64Array.from(values.slice(mask * u.length, (mask + 1) * u.length), (x) => x / 10_000),
              ),
            })),
        ),
        ({ groups, length, table, other }) => {
          const u = groupedShapley(groups, (mask) => table[mask]!);
          const v = groupedShapley(groups, (mask) => other[mask]!);
          const sum = groupedShapley(groups, (mask) => table[mask]!.map((x, k) => x + other[mask]![k]!));
          for (let g = 0; g < groups; g++) {
            const expected = Array.from({ length }, (_, k) => u.contributions[g]![k]! + v.contributions[g]![k]!);
            expectVectorClose(sum.contributions[g]!, expected, 1e-13);
          }
        },
      ),
    );
  });
});

describe('groupedShapley: evaluation and errors', () => {
  it('evaluates each coalition exactly once and copies outcomes, so a reused buffer is safe', () => {
    const calls: number[] = [];
    const buffer = new Float64Array(1);
    const result = groupedShapley(3, (mask) => {
      calls.push(mask);
      buffer[0] = mask; // v(S) = Σ_{g∈S} 2^g: additive, so φ_g = 2^g.
      return buffer;
    });
    expect([...calls].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(result.contributions.map((c) => c[0])).toEqual([1, 2, 4].map((x) => expect.closeTo(x, 14)));
    expect(result.full[0]).toBe(7);
  });

  it('refuses a bad group count, ragged outcomes and non-finite outcomes', () => {
    const ok = () => Float64Array.of(0);
    expect(() => groupedShapley(11, ok)).toThrow(BallastError);
    expect(() => groupedShapley(-1, ok)).toThrow(/between 0 and 10/);
    expect(() => groupedShapley(1.5, ok)).toThrow(/between 0 and 10/);
    expect(() => groupedShapley(2, (mask) => new Float64Array(mask === 3 ? 2 : 1))).toThrow(/coalition 3 gave 2/);
    expect(() => groupedShapley(2, (mask) => Float64Array.of(mask === 2 ? Number.NaN : 0))).toThrow(
      expect.objectContaining({ code: 'NUMERICAL' }),
    );
  });
});
