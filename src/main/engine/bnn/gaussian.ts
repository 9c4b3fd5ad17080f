/**
 * Normal-distribution functions in float64 for the predictive distributions of the BNN: density, CDF,
 * quantile, and quantiles of an equally weighted Gaussian mixture (the Monte Carlo predictive).
 */

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / SQRT_2PI;
}

export function normalLogPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/**
 * Standard normal CDF, Hart (1968) algorithm 5666 as published by West (2005), "Better approximations to
 * cumulative normal functions": absolute error below 1e-14 everywhere and relative error below 1e-8 in the
 * far tails, where computing 1 − Φ directly would cancel.
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const x = Math.abs(z);
  const tail = x > 37 ? 0 : upperTail(x, Math.exp(-0.5 * x * x));
  return z > 0 ? 1 - tail : tail;
}

/** 1 − Φ(x) for x ≥ 0, given e = exp(−x²/2) (shared with the density by the mixture routines). */
function upperTail(x: number, e: number): number {
  if (x < 7.07106781186547) {
    let num = 3.52624965998911e-2 * x + 0.700383064443688;
    num = num * x + 6.37396220353165;
    num = num * x + 33.912866078383;
    num = num * x + 112.079291497871;
    num = num * x + 221.213596169931;
    num = num * x + 220.206867912376;
    let den = 8.83883476483184e-2 * x + 1.75566716318264;
    den = den * x + 16.064177579207;
    den = den * x + 86.7807322029461;
    den = den * x + 296.564248779674;
    den = den * x + 637.333633378831;
    den = den * x + 793.826512519948;
    den = den * x + 440.413735824752;
    return (e * num) / den;
  }
  let c = x + 0.65;
  c = x + 4 / c;
  c = x + 3 / c;
  c = x + 2 / c;
  c = x + 1 / c;
  return e / c / 2.506628274631;
}

// Acklam's rational approximation to the normal quantile (relative error < 1.2e-9), refined below by
// one Halley step against normalCdf to full double precision.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Standard normal quantile Φ⁻¹(p); ±Infinity at p = 0 or 1. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let x: number;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  } else if (p <= 1 - P_LOW) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
      (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  }
  // Halley's step on the upper tail form keeps precision when p is close to 1.
  const e = p > 0.5 ? 1 - normalCdf(x) - (1 - p) : normalCdf(x) - p;
  const u = (p > 0.5 ? -e : e) * SQRT_2PI * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/**
 * Quantile of the equally weighted mixture of N(means[k], variances[k]), k over `count` components read at
 * `offset + k * stride` (so one sample-major array serves every input without copying).
 */
export function mixtureQuantile(
  p: number,
  means: ArrayLike<number>,
  variances: ArrayLike<number>,
  count: number,
  offset = 0,
  stride = 1,
): number {
  const out = new Float64Array(1);
  mixtureQuantiles([p], means, variances, count, offset, stride, out);
  return out[0]!;
}

/**
 * Several quantiles of one mixture (see mixtureQuantile), written to `out`. The mixture quantile lies between
 * the smallest and the largest component quantile; that bracket safeguards Halley's iteration, started from
 * the moment-matched Gaussian quantile, and bisection takes over whenever a step leaves it. The CDF and the
 * density share one exponential per component and iteration.
 */
/** |CDF(x) − p| at which mixtureQuantiles stops (a few ulps of the CDF summed over the components). */
export const CDF_TOLERANCE = 1e-13;

export function mixtureQuantiles(
  ps: readonly number[],
  means: ArrayLike<number>,
  variances: ArrayLike<number>,
  count: number,
  offset: number,
  stride: number,
  out: Float64Array,
): void {
  const mu = new Float64Array(count);
  const sd = new Float64Array(count);
  let sum = 0;
  let sumSq = 0;
  for (let k = 0; k < count; k++) {
    const m = means[offset + k * stride]!;
    const v = variances[offset + k * stride]!;
    mu[k] = m;
    sd[k] = Math.sqrt(v);
    sum += m;
    sumSq += v + m * m;
  }
  const mean = sum / count;
  const momentSd = Math.sqrt(Math.max(sumSq / count - mean * mean, 0));
  for (let q = 0; q < ps.length; q++) {
    const p = ps[q]!;
    if (!(p > 0 && p < 1)) {
      out[q] = p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
      continue;
    }
    const z = normalQuantile(p);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < count; k++) {
      const qk = mu[k]! + sd[k]! * z;
      if (qk < lo) lo = qk;
      if (qk > hi) hi = qk;
    }
    if (!(hi > lo)) {
      out[q] = lo;
      continue;
    }
    let x = Math.min(hi, Math.max(lo, mean + momentSd * z));
    for (let iter = 0; iter < 100; iter++) {
      let cdf = 0;
      let pdf = 0;
      let slope = 0; // derivative of the density
      for (let k = 0; k < count; k++) {
        const s = sd[k]!;
        const u = (x - mu[k]!) / s;
        const a = u < 0 ? -u : u;
        const e = a > 37 ? 0 : Math.exp(-0.5 * u * u);
        const tail = e === 0 ? 0 : upperTail(a, e);
        cdf += u > 0 ? 1 - tail : tail;
        const density = e / (SQRT_2PI * s);
        pdf += density;
        slope -= (u / s) * density;
      }
      const f = cdf / count - p;
      // Converged when the CDF itself is within 1e-13 of p — the quantity callers rely on. A tolerance on the
      // step in x instead let the CDF error grow with the density (narrow components: 5e-10 was seen).
      if (Math.abs(f) <= CDF_TOLERANCE) break;
      if (f < 0) lo = x;
      else hi = x;
      pdf /= count;
      slope /= count;
      let next = NaN;
      if (pdf > 0) {
        const newton = f / pdf;
        // Halley: cubic convergence from a moment-matched start, usually 2–3 iterations.
        next = x - newton / (1 - (0.5 * newton * slope) / pdf);
        if (!(next > lo && next < hi)) next = x - newton;
      }
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      x = next;
      // The bracket cannot shrink below float spacing: x is then the best representable answer.
      if (hi - lo <= 4 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi))) break;
    }
    out[q] = x;
  }
}
