import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { matrixFromRows, toRows } from '../math/linalg';
import { simpleReturns } from './returns';

describe('simpleReturns', () => {
  it('computes p[t+1]/p[t] − 1 per column', () => {
    const prices = matrixFromRows([
      [100, 50],
      [110, 45],
      [99, 45],
    ]);
    const returns = simpleReturns(prices);
    expect(returns.rows).toBe(2);
    expect(returns.cols).toBe(2);
    const rows = toRows(returns);
    expect(rows[0]![0]).toBeCloseTo(0.1, 15);
    expect(rows[0]![1]).toBeCloseTo(-0.1, 15);
    expect(rows[1]![0]).toBeCloseTo(-0.1, 15);
    expect(rows[1]![1]).toBe(0);
  });

  it.each([
    ['zero', 0],
    ['negative', -3],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('rejects a %s price, naming row and column', (_label, bad) => {
    const prices = matrixFromRows([
      [1, 2],
      [1, bad],
    ]);
    expect(() => simpleReturns(prices)).toThrow(BallastError);
    expect(() => simpleReturns(prices)).toThrow(/row 2, column 2/);
  });

  it('needs at least two prices', () => {
    expect(() => simpleReturns(matrixFromRows([[1, 2]]))).toThrow(/at least 2 prices/);
  });
});
