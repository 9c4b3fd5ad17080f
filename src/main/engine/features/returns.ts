import { BallastError } from '../../../shared/errors';
import { type Matrix, zeros } from '../math/linalg';

/**
 * Simple (arithmetic) returns r[t] = p[t+1] / p[t] − 1 from a T×N matrix of adjusted closes, oldest first.
 * Adjusted closes already fold in dividends and splits, so no corporate-action handling happens here.
 * Division then subtraction, in that order, so the values match `p[1:] / p[:-1] - 1` in numpy bit for bit.
 */
export function simpleReturns(prices: Matrix): Matrix {
  const { rows, cols } = prices;
  if (rows < 2) {
    throw new BallastError('BAD_INPUT', `need at least 2 prices per asset to compute a return, got ${rows}`, {
      rows,
    });
  }
  for (let t = 0; t < rows; t++) {
    for (let j = 0; j < cols; j++) {
      const p = prices.data[t * cols + j]!;
      if (!Number.isFinite(p) || p <= 0) {
        throw new BallastError(
          'BAD_INPUT',
          `price at row ${t + 1}, column ${j + 1} is ${p}; prices must be positive finite numbers`,
          { row: t, column: j, value: p },
        );
      }
    }
  }
  const returns = zeros(rows - 1, cols);
  for (let t = 0; t + 1 < rows; t++) {
    for (let j = 0; j < cols; j++) {
      returns.data[t * cols + j] = prices.data[(t + 1) * cols + j]! / prices.data[t * cols + j]! - 1;
    }
  }
  return returns;
}
