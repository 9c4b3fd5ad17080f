import { describe, expect, it } from 'vitest';
import { MIN_WARP_OBSERVATIONS, fitYeoJohnson, yeoJohnson, yeoJohnsonLogLikelihood } from './outputWarp';

// Reference values from SciPy 1.10.1 (Debian python3-scipy): the data are np.exp(rng.normal(size=40)) and
// −np.exp(0.8 · rng.normal(size=40)) with rng = np.random.default_rng(1), rounded to 6 decimals; λ is
// scipy.stats.yeojohnson_normmax and the log-likelihood scipy.stats.yeojohnson_llf, both on the standardised data.
const rightSkewed = [
  1.412815, 2.274177, 1.391576, 0.271673, 2.472812, 1.562637, 0.584526, 1.788037, 1.439898, 1.341962, 1.02883, 1.727565, 0.478809, 0.849668,
  0.617473, 1.820018, 1.040522, 0.746428, 0.457532, 0.77322, 1.008175, 0.759114, 3.64758, 2.736622, 0.06646, 0.151221, 0.839648, 0.655609,
  1.238181, 1.242744, 8.313151, 0.328894, 0.685501, 7.711954, 1.909236, 1.940728, 0.598095, 0.19242, 1.182304, 1.115178,
];
const leftSkewed = [
  -0.374606, -0.578926, -0.943994, -0.469634, -0.924395, -1.07938, -1.028878, -0.666955, -1.608012, -2.039967, -1.29263, -0.519658, -1.795569,
  -0.669548, -2.020467, -0.424251, -2.078349, -0.984077, -0.368248, -0.777929, -1.044232, -1.243877, -0.455778, -0.412344, -1.173121, -0.68839,
  -1.207322, -1.836048, -0.267395, -1.225698, -2.663704, -0.788186, -0.52275, -1.825393, -1.224775, -2.047678, -0.758682, -0.305607, -0.915753,
  -0.700009,
];

function standardise(y: number[]): number[] {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const sd = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length);
  return y.map((v) => (v - mean) / sd);
}

describe('Yeo–Johnson output warping', () => {
  it('finds the maximum-likelihood λ SciPy finds, on right- and left-skewed data', () => {
    expect(fitYeoJohnson(rightSkewed).lambda).toBeCloseTo(-0.6048701972256275, 4);
    expect(fitYeoJohnson(leftSkewed).lambda).toBeCloseTo(1.6694566872797396, 4);
    expect(yeoJohnsonLogLikelihood(standardise(rightSkewed), -0.6048701972256275)).toBeCloseTo(24.12852972813038, 8);
    expect(yeoJohnsonLogLikelihood(standardise(leftSkewed), 1.6694566872797396)).toBeCloseTo(3.6751297156921363, 8);
  });

  it('is the identity at λ = 1, continuous at the λ = 0 and λ = 2 special cases, and strictly increasing', () => {
    for (const z of [-3, -0.5, 0, 0.7, 4]) {
      expect(yeoJohnson(z, 1)).toBeCloseTo(z, 12);
      expect(yeoJohnson(z, 1e-7)).toBeCloseTo(yeoJohnson(z, 0), 5);
      expect(yeoJohnson(z, 2 - 1e-7)).toBeCloseTo(yeoJohnson(z, 2), 5);
    }
    for (const lambda of [-2, -0.6, 0, 1, 1.7, 2, 4]) {
      let previous = -Infinity;
      for (let z = -5; z <= 5; z += 0.25) {
        const v = yeoJohnson(z, lambda);
        expect(v).toBeGreaterThan(previous);
        previous = v;
      }
    }
  });

  it('keeps the order of the values it was fitted to', () => {
    const warp = fitYeoJohnson(leftSkewed);
    const order = (values: number[]) => values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
    expect(order(leftSkewed.map(warp.apply))).toEqual(order(leftSkewed));
  });

  it('leaves constant or too-short data alone', () => {
    const constant = fitYeoJohnson(new Array(MIN_WARP_OBSERVATIONS + 5).fill(2));
    expect(constant.lambda).toBe(1);
    expect(constant.apply(2)).toBe(2);
    const short = rightSkewed.slice(0, MIN_WARP_OBSERVATIONS - 1);
    expect(fitYeoJohnson(short).apply(8.5)).toBe(8.5);
    expect(fitYeoJohnson(rightSkewed.slice(0, MIN_WARP_OBSERVATIONS)).lambda).not.toBe(1);
  });
});
