import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { sobolPoints } from './designs';
import { PriorModel } from './priors';
import { SearchSpace } from './space';

const space = new SearchSpace([
  { name: 'x', type: 'continuous', lower: -2, upper: 6 },
  { name: 'rate', type: 'continuous', lower: 1e-4, upper: 1, scale: 'log' },
  { name: 'k', type: 'integer', lower: 1, upper: 10 },
  { name: 'method', type: 'categorical', choices: ['a', 'b', 'c'] },
]);
const prior = new PriorModel(space, {
  x: { type: 'normal', mean: 1, sd: 0.5 },
  rate: { type: 'logNormal', median: 0.01, sdLog: 1 },
  k: { type: 'normal', mean: 3, sd: 1 },
  method: { type: 'categorical', weights: { a: 1, b: 6, c: 3 } },
});

describe('πBO prior densities', () => {
  it('have the analytic gradient in continuous encoded coordinates', () => {
    const at = space.encode({ x: 2.2, rate: 0.05, k: 4, method: 'a' });
    const gradient = new Float64Array(space.dimension);
    prior.logDensity(at, gradient);
    for (const j of space.continuousCoordinates) {
      const h = 1e-6;
      const up = at.slice();
      const down = at.slice();
      up[j] = up[j]! + h;
      down[j] = down[j]! - h;
      expect(gradient[j]).toBeCloseTo((prior.logDensity(up) - prior.logDensity(down)) / (2 * h), 5);
    }
    // Discrete coordinates carry no gradient.
    expect(gradient[2]).toBe(0);
  });

  it('weight categories by the given odds and peak at the prior centre', () => {
    const base = { x: 1, rate: 0.01, k: 3 };
    const b = prior.logDensity(space.encode({ ...base, method: 'b' }));
    const c = prior.logDensity(space.encode({ ...base, method: 'c' }));
    expect(b - c).toBeCloseTo(Math.log(2), 12);
    expect(prior.logDensity(space.encode({ ...base, method: 'b' }))).toBeGreaterThan(
      prior.logDensity(space.encode({ ...base, x: 3, method: 'b' })),
    );
  });

  it('turn uniform points into prior draws that stay inside the bounds', () => {
    const uniform = sobolPoints(512, space.dimension, { seed: 1 });
    const xs: number[] = [];
    const rates: number[] = [];
    const methods: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < uniform.rows; i++) {
      const values = space.decode(prior.sample(uniform.data.slice(i * space.dimension, (i + 1) * space.dimension)));
      xs.push(values.x as number);
      rates.push(values.rate as number);
      methods[values.method as string]!++;
      expect(Number.isInteger(values.k)).toBe(true);
    }
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(1, 1);
    expect(sd).toBeCloseTo(0.5, 1);
    const logRates = rates.map(Math.log).sort((a, b) => a - b);
    expect(Math.exp(logRates[256]!)).toBeGreaterThan(0.007);
    expect(Math.exp(logRates[256]!)).toBeLessThan(0.014);
    expect(methods.b! / 512).toBeCloseTo(0.6, 1);
  });

  it('refuses priors that do not fit their parameter', () => {
    expect(() => new PriorModel(space, { y: { type: 'normal', mean: 0, sd: 1 } })).toThrow(/not a parameter/);
    expect(() => new PriorModel(space, { x: { type: 'normal', mean: 9, sd: 1 } })).toThrow(/outside the range/);
    expect(() => new PriorModel(space, { method: { type: 'categorical', weights: { a: 1 } } })).toThrow(/no weight/);
    expect(() => new PriorModel(space, { x: { type: 'logNormal', median: 1, sdLog: 1 } })).toThrow(BallastError);
    expect(() => new PriorModel(space, { x: { type: 'normal', mean: 1, sd: 0 } })).toThrow(BallastError);
  });
});
