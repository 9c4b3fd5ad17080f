/**
 * Standard-normal special functions accurate to a few ulps across the whole line, including the far tails
 * where expected improvement underflows. Pinned to mpmath values in __fixtures__/special-functions-mpmath.json.
 */

const SQRT2 = Math.SQRT2;
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);

/**
 * Scaled complementary error function erfcx(x) = exp(x²) erfc(x), finite and accurate where erfc underflows.
 * Below 1.5 a positive-term series for erf (no cancellation inside the sum; the final subtraction loses
 * at most a digit there); above, the Laplace continued fraction, evaluated backwards with enough terms for
 * full precision (checked against mpmath).
 */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) {
    // erfc(−x) = 2 − erfc(x); overflows to Infinity below about −26.6, which is the true value's fate too.
    return 2 * Math.exp(x * x) - erfcx(-x);
  }
  if (x < 1.5) {
    // erf(x) = (2/√π) x e^{−x²} Σ (2x²)ⁿ / (2n+1)!!, so erfcx(x) = e^{x²} − (2/√π) x Σ …
    const y = 2 * x * x;
    let term = 1;
    let sum = 1;
    for (let n = 1; n < 200; n++) {
      term *= y / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return Math.exp(x * x) - 2 * INV_SQRT_PI * x * sum;
  }
  if (x === Infinity) return 0;
  // erfcx(x) = (1/√π) / (x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))).
  const terms = x < 2.5 ? 200 : x < 4 ? 80 : 40;
  let f = x;
  for (let k = terms; k >= 1; k--) f = x + k / 2 / f;
  return INV_SQRT_PI / f;
}

export function erfc(x: number): number {
  if (x >= 0) {
    // exp(−x²) underflows to 0 past x ≈ 27, as erfc itself does.
    return x > 27 ? 0 : Math.exp(-x * x) * erfcx(x);
  }
  return 2 - erfc(-x);
}

export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / SQRT2);
}

/** Mills ratio R(z) = Φ(z)/φ(z) for z ≤ 0, without forming either tiny factor. */
function millsRatioLeft(z: number): number {
  return SQRT_HALF_PI * erfcx(-z / SQRT2);
}

/** log Φ(z) and its derivative φ(z)/Φ(z), finite for every finite z. */
export function logNormalCdf(z: number): { value: number; derivative: number } {
  if (z < -1) {
    const r = millsRatioLeft(z);
    return { value: -0.5 * z * z - LOG_SQRT_2PI + Math.log(r), derivative: 1 / r };
  }
  if (z > 0) {
    const tail = normalCdf(-z);
    return { value: Math.log1p(-tail), derivative: normalPdf(z) / (1 - tail) };
  }
  const cdf = normalCdf(z);
  return { value: Math.log(cdf), derivative: normalPdf(z) / cdf };
}

/**
 * The improvement kernel of expected improvement: EI = σ h(z) with h(z) = φ(z) + zΦ(z), z = (incumbent − μ)/σ
 * for minimisation. Returns log h(z) and d log h / dz = Φ(z)/h(z) (because h′ = Φ).
 *
 * Following Ament et al. (2023), "Unexpected Improvements to Expected Improvement for Bayesian Optimization":
 * for z > −1 h is formed directly; for z ≤ −1, h(z) = φ(z)·(1 + z R(z)) with the Mills ratio from erfcx, so the
 * Gaussian factor stays in log space and never underflows. The bracket 1 + zR ≈ 1/z² loses about
 * log10(z²) digits to cancellation, so below z = −10 it is replaced by its asymptotic series
 * 1/z² − 3/z⁴ + 15/z⁶ − … (20 terms: below 1e−15 relative at |z| ≥ 10, improving with |z|), which also
 * covers the paper's z < −1/√ε branch, −z²/2 − log√(2π) − 2 log|z|, as its leading term.
 */
export function logExpectedImprovementKernel(z: number): { value: number; derivative: number } {
  if (Number.isNaN(z)) return { value: NaN, derivative: NaN };
  if (z > -1) {
    const cdf = normalCdf(z);
    const h = normalPdf(z) + z * cdf;
    return { value: Math.log(h), derivative: cdf / h };
  }
  const logPdf = -0.5 * z * z - LOG_SQRT_2PI;
  let bracket: number;
  let mills: number;
  if (z >= -10) {
    mills = millsRatioLeft(z);
    bracket = 1 + z * mills;
  } else {
    const inv = 1 / (z * z);
    let term = inv;
    let series = 0;
    for (let k = 1; k <= 20; k++) {
      series += term;
      term *= -(2 * k + 1) * inv;
    }
    bracket = series;
    // 1 + zR = series, so R = (1 − series)/|z|.
    mills = (1 - series) / -z;
  }
  return { value: logPdf + Math.log(bracket), derivative: mills / bracket };
}

/** Expected improvement computed directly — underflows to 0 once φ(z) does (z below about −38). */
export function expectedImprovementDirect(mean: number, sd: number, incumbent: number): number {
  const z = (incumbent - mean) / sd;
  return sd * (normalPdf(z) + z * normalCdf(z));
}

/**
 * Inverse of Φ. Acklam's rational approximation (relative error 1.15e−9) polished by two Halley steps on the
 * accurate erfc above, which gives full double precision.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = acklamTail(q);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r -
        3.066479806614716e1) *
        r +
        2.506628277459239) *
        q) /
      (((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r -
        1.328068155288572e1) *
        r +
        1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x = -acklamTail(q);
  }
  for (let step = 0; step < 2; step++) {
    // Work on the smaller tail so the residual keeps its relative precision.
    const residual = x < 0 ? normalCdf(x) - p : 1 - p - normalCdf(-x);
    const u = residual / normalPdf(x);
    if (!Number.isFinite(u)) break;
    x = x - u / (1 + 0.5 * x * u);
  }
  return x;
}

function acklamTail(q: number): number {
  return (
    (((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q - 2.549732539343734) * q +
      4.374664141464968) *
      q +
      2.938163982698783) /
    ((((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1)
  );
}

/** log(1 − eˣ) for x ≤ 0 (Mächler 2012): the two branches each keep full precision on their side of −log 2. */
export function log1mexp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}
