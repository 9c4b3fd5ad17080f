import { describe, expect, it } from 'vitest';
import reference from './__fixtures__/special-functions-mpmath.json';
import {
  erfc,
  erfcx,
  expectedImprovementDirect,
  log1mexp,
  logExpectedImprovementKernel,
  logNormalCdf,
  normalCdf,
  normalQuantile,
} from './normal';

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
}

describe('special functions against mpmath (50 digits)', () => {
  it('erfcx to 1e-14 relative across the line', () => {
    for (const [x, expected] of reference.erfcx) expect(relativeError(erfcx(x!), expected!)).toBeLessThan(1e-14);
  });

  it('log h(z) and its derivative Φ/h to 1e-13 relative, from z = 40 down to z = −1e10', () => {
    for (const [z, value, derivative] of reference.logH) {
      const out = logExpectedImprovementKernel(z!);
      expect(relativeError(out.value, value!)).toBeLessThan(1e-13);
      expect(relativeError(out.derivative, derivative!)).toBeLessThan(1e-13);
    }
  });

  it('log Φ(z) and φ/Φ to 1e-13 relative', () => {
    for (const [z, value, derivative] of reference.logNormalCdf) {
      const out = logNormalCdf(z!);
      // log Φ(z) is ≈ −Φ(−z) for large z: compare absolutely where it is below 1e-300 in magnitude.
      expect(Math.abs(out.value - value!)).toBeLessThanOrEqual(1e-13 * Math.abs(value!) + 1e-300);
      expect(relativeError(out.derivative, derivative!)).toBeLessThan(1e-13);
    }
  });

  it('normal quantile to 1e-14 relative, including p = 1e-300', () => {
    for (const [p, x] of reference.normalQuantile) expect(relativeError(normalQuantile(p!), x!)).toBeLessThan(1e-14);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it('erfc and Φ are consistent with their symmetries', () => {
    for (const x of [-3, -0.7, 0, 0.3, 1.7, 4]) {
      expect(erfc(x) + erfc(-x)).toBeCloseTo(2, 14);
      expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 14);
    }
    expect(erfc(30)).toBe(0);
  });

  it('log1mexp is accurate on both sides of −log 2', () => {
    expect(relativeError(log1mexp(-1e-20), Math.log(1e-20))).toBeLessThan(1e-15);
    expect(relativeError(log1mexp(-50), -Math.exp(-50))).toBeLessThan(1e-15);
  });
});

describe('log expected improvement kernel', () => {
  it('matches log of the directly computed EI wherever EI is representable', () => {
    for (let z = -35; z <= 30; z += 0.37) {
      const direct = expectedImprovementDirect(0, 1, z);
      expect(direct).toBeGreaterThan(0);
      expect(relativeError(logExpectedImprovementKernel(z).value, Math.log(direct))).toBeLessThan(1e-12);
    }
  });

  it('stays finite and strictly increasing far into the tail where the direct EI underflows to 0', () => {
    expect(expectedImprovementDirect(0, 1, -40)).toBe(0);
    let previous = -Infinity;
    for (const z of [-1e12, -1e9, -1e6, -1e4, -1000, -200, -100, -50, -40, -39, -38, -20, -10.0001, -10, -9.9999, -5, -1.0001, -1, -0.9999, 0]) {
      const { value, derivative } = logExpectedImprovementKernel(z);
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThan(previous);
      // d log h/dz = Φ/h > 0, and tends to |z| in the left tail.
      expect(derivative).toBeGreaterThan(0);
      previous = value;
    }
    const far = logExpectedImprovementKernel(-1e6);
    expect(relativeError(far.derivative, 1e6)).toBeLessThan(1e-6);
  });

  it('is continuous across the branch points z = −1 and z = −10', () => {
    for (const z0 of [-1, -10]) {
      const below = logExpectedImprovementKernel(z0 - 1e-9);
      const above = logExpectedImprovementKernel(z0 + 1e-9);
      expect(Math.abs(above.value - below.value)).toBeLessThan(1e-7 * Math.max(1, Math.abs(below.derivative)));
      expect(relativeError(above.derivative, below.derivative)).toBeLessThan(1e-7);
    }
  });
});
