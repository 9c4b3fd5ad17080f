import { describe, expect, it } from 'vitest';
import { type Matrix, matrixFromData } from '../math/linalg';
import { type AcquisitionScorer, maximizeAcquisition } from './acquisitionOptimizer';
import { SearchSpace } from './space';

const space = new SearchSpace([
  { name: 'a', type: 'continuous', lower: 0, upper: 1 },
  { name: 'b', type: 'continuous', lower: 0, upper: 1 },
]);

/** −(a − 0.8)² − (b − 0.9)²: its maximum is at (0.8, 0.9). */
const scorer: AcquisitionScorer = {
  scoreBatch: (points: Matrix) => Float64Array.from({ length: points.rows }, (_, i) => -((points.data[2 * i]! - 0.8) ** 2) - (points.data[2 * i + 1]! - 0.9) ** 2),
  scoreWithGradient: (point) => ({
    value: -((point[0]! - 0.8) ** 2) - (point[1]! - 0.9) ** 2,
    gradient: Float64Array.from([-2 * (point[0]! - 0.8), -2 * (point[1]! - 0.9)]),
  }),
};

const candidates = matrixFromData(3, 2, Float64Array.from([0.1, 0.1, 0.3, 0.2, 0.2, 0.35]));

describe('maximizeAcquisition', () => {
  it('finds the maximiser in the unit cube by default', () => {
    const best = maximizeAcquisition(space, scorer, { candidates, restarts: 2, isExcluded: () => false })!;
    expect(best.point[0]).toBeCloseTo(0.8, 4);
    expect(best.point[1]).toBeCloseTo(0.9, 4);
  });

  it('keeps its local searches inside the given bounds', () => {
    const bounds = { lower: Float64Array.from([0, 0]), upper: Float64Array.from([0.4, 0.5]) };
    const best = maximizeAcquisition(space, scorer, { candidates, restarts: 2, isExcluded: () => false, bounds })!;
    expect(best.point[0]).toBeCloseTo(0.4, 6);
    expect(best.point[1]).toBeCloseTo(0.5, 6);
  });
});
