/**
 * Proper scoring rules and interval coverage for Gaussian and Gaussian-mixture forecasts, so the BNN and its
 * baselines are judged by the same code (bench and tests).
 */
import { normalCdf, normalLogPdf, normalPdf } from './gaussian';

const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

/** Negative log density of y under N(mean, variance). */
export function gaussianNll(y: number, mean: number, variance: number): number {
  const sd = Math.sqrt(variance);
  return -normalLogPdf((y - mean) / sd) + Math.log(sd);
}

/**
 * Negative log density of y under the equally weighted mixture of N(means[k], variances[k]), k < count,
 * read at offset + k·stride; log-sum-exp keeps far-tail observations finite.
 */
export function mixtureNll(y: number, means: ArrayLike<number>, variances: ArrayLike<number>, count: number, offset = 0, stride = 1): number {
  let max = -Infinity;
  const logs = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const sd = Math.sqrt(variances[offset + k * stride]!);
    const l = normalLogPdf((y - means[offset + k * stride]!) / sd) - Math.log(sd);
    logs[k] = l;
    if (l > max) max = l;
  }
  let sum = 0;
  for (let k = 0; k < count; k++) sum += Math.exp(logs[k]! - max);
  return -(max + Math.log(sum / count));
}

/** CRPS of N(mean, variance) at y, closed form (Gneiting & Raftery 2007, eq. 21). */
export function gaussianCrps(y: number, mean: number, variance: number): number {
  const sd = Math.sqrt(variance);
  const z = (y - mean) / sd;
  return sd * (z * (2 * normalCdf(z) - 1) + 2 * normalPdf(z) - INV_SQRT_PI);
}

/** E|X| for X ~ N(mu, variance). */
function absNormalMean(mu: number, variance: number): number {
  const sd = Math.sqrt(variance);
  if (sd === 0) return Math.abs(mu);
  const z = mu / sd;
  return 2 * sd * normalPdf(z) + mu * (2 * normalCdf(z) - 1);
}

/**
 * CRPS of an equally weighted Gaussian mixture at y, closed form: E|X − y| − ½E|X − X'| with the Gaussian
 * folded-normal means (Grimit, Gneiting, Berrocal & Johnson 2006, eq. 5). O(count²).
 */
export function mixtureCrps(y: number, means: ArrayLike<number>, variances: ArrayLike<number>, count: number, offset = 0, stride = 1): number {
  let first = 0;
  let second = 0;
  for (let i = 0; i < count; i++) {
    const mi = means[offset + i * stride]!;
    const vi = variances[offset + i * stride]!;
    first += absNormalMean(y - mi, vi);
    // The double sum is symmetric: count each off-diagonal pair once, twice weighted.
    second += absNormalMean(0, 2 * vi);
    for (let j = i + 1; j < count; j++) {
      second += 2 * absNormalMean(mi - means[offset + j * stride]!, vi + variances[offset + j * stride]!);
    }
  }
  return first / count - (0.5 * second) / (count * count);
}

/** Fraction of observations inside [lower, upper] (both ends included). */
export function intervalCoverage(y: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  if (y.length === 0) return NaN;
  let inside = 0;
  for (let i = 0; i < y.length; i++) if (y[i]! >= lower[i]! && y[i]! <= upper[i]!) inside++;
  return inside / y.length;
}
