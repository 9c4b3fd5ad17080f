import { describe, expect, it } from 'vitest';
import { exhaustedIncumbent, logBasinPenalty } from './basinEscape';

const settings = { patience: 3, threshold: 0.01 };
const design = (value: number) => ({ value, fromModel: false });
const model = (value: number) => ({ value, fromModel: true });

describe('exhaustedIncumbent', () => {
  it('is −1 while the running best keeps improving meaningfully', () => {
    expect(exhaustedIncumbent([], settings)).toBe(-1);
    expect(exhaustedIncumbent([design(0), design(-1), model(-2), model(-3), model(-4), model(-5)], settings)).toBe(-1);
  });

  it('names the best point once `patience` model evaluations brought no meaningful improvement', () => {
    // Spread 10, so an improvement must exceed 0.1; −5.05 does not count, −5.2 would.
    const told = [design(5), design(-5), model(-4), model(-5.05), model(-3)];
    expect(exhaustedIncumbent(told, settings)).toBe(3);
    expect(exhaustedIncumbent(told.slice(0, 4), settings)).toBe(-1);
    expect(exhaustedIncumbent([...told, model(-5.2)], settings)).toBe(-1);
  });

  it('does not count initial-design points towards the patience', () => {
    expect(exhaustedIncumbent([design(-5), design(1), design(2), design(3), design(4), design(5)], settings)).toBe(-1);
    expect(exhaustedIncumbent([design(-5), design(1), model(2), model(3), model(4)], settings)).toBe(0);
  });
});

describe('logBasinPenalty', () => {
  const centre = [0.5, 0.2];
  const widths = [0.1, 0.4];

  it('is log(1 − exp(−q/2)) of the scaled squared distance q: −∞ at the centre, → 0 far away', () => {
    expect(logBasinPenalty(centre, centre, widths)).toBe(-Infinity);
    const q = (0.1 / 0.1) ** 2 + (0.2 / 0.4) ** 2;
    expect(logBasinPenalty([0.6, 0.4], centre, widths)).toBeCloseTo(Math.log(1 - Math.exp(-q / 2)), 12);
    // Close to the centre the small-q branch keeps its precision.
    expect(logBasinPenalty([0.5 + 1e-6, 0.2], centre, widths)).toBeCloseTo(Math.log(0.5 * (1e-5) ** 2), 6);
    expect(logBasinPenalty([1.5, 0.2], centre, widths)).toBeGreaterThan(-1e-20);
    expect(logBasinPenalty([0.55, 0.2], centre, widths)).toBeLessThan(logBasinPenalty([0.5, 0.5], centre, widths));
  });

  it('adds its gradient, which matches finite differences', () => {
    for (const point of [
      [0.53, 0.25],
      [0.7, -0.1],
      [0.5001, 0.2],
    ]) {
      const gradient = new Float64Array([1, -1]);
      logBasinPenalty(point, centre, widths, gradient);
      for (let j = 0; j < 2; j++) {
        const h = 1e-7;
        const up = point.slice();
        const down = point.slice();
        up[j]! += h;
        down[j]! -= h;
        const numeric = (logBasinPenalty(up, centre, widths) - logBasinPenalty(down, centre, widths)) / (2 * h);
        const analytic = gradient[j]! - (j === 0 ? 1 : -1);
        expect(Math.abs(analytic - numeric)).toBeLessThan(1e-5 * Math.max(1, Math.abs(numeric)));
      }
    }
  });
});
