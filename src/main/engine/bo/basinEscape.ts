/**
 * Escape from an exhausted basin. Log EI on a multimodal objective tends to settle in the first good basin it
 * finds and refine it for the rest of the budget (Hartmann-6: a run sits in the −3.20 local basin, regret
 * 0.12, from 30 to 100 evaluations). Once the incumbent has stopped improving meaningfully for `patience`
 * model evaluations, the acquisition is multiplied by a penalty that is zero at the incumbent and rises to one
 * a few fitted lengthscales away, φ(x) = 1 − exp(−½ Σⱼ ((xⱼ − x*ⱼ)/(ρ ℓⱼ))²) — a local penaliser in the spirit
 * of González et al. (2016, "Batch Bayesian optimization via local penalization"), placed on the incumbent's
 * basin instead of on pending points. The acquisition then looks for the best improvement elsewhere; as soon
 * as a point improves meaningfully on the incumbent, the penalty lifts and log EI refines the new basin.
 *
 * Everything here is computed from the told trials (in the order they were asked) and the fitted model, so a
 * run restored from its saved state escapes exactly when the uninterrupted one would.
 */

export interface BasinEscapeSettings {
  /** Model evaluations without a meaningful improvement before the incumbent's basin is penalised. */
  patience: number;
  /** A meaningful improvement: more than this share of the spread (max − min) of the values seen. */
  threshold: number;
  /** ρ: the penalty's width in fitted lengthscales. */
  radius: number;
  /** Side of the escape's trust region, TuRBO-style (0: none, the penalised acquisition over the whole box). */
  side: number;
  /** An escape step is taken only when log EI's best point expects less than this share of the spread. */
  minGain: number;
  /** Candidates and local searches of the escape step's acquisition maximisation. */
  rawSamples: number;
  restarts: number;
  /**
   * The model an escape step maximises log EI × φ on, whose lengthscales shape its region: 'outside', a GP fitted to
   * the told points outside the exhausted basin (one penalty width from its incumbent); 'all', the objective's model.
   */
  model: 'outside' | 'all';
}

export interface ToldValue {
  /** On the minimised scale. */
  value: number;
  /** False for initial-design points, which do not count towards the patience. */
  fromModel: boolean;
}

/**
 * Index (into `told`) of the incumbent whose basin is exhausted, or −1 when the search is still improving.
 * The incumbent is the best value; it is exhausted once at least `patience` model evaluations have come since
 * the last meaningful improvement of the running best.
 */
export function exhaustedIncumbent(told: readonly ToldValue[], settings: Pick<BasinEscapeSettings, 'patience' | 'threshold'>): number {
  if (told.length === 0) return -1;
  let min = Infinity;
  let max = -Infinity;
  for (const t of told) {
    min = Math.min(min, t.value);
    max = Math.max(max, t.value);
  }
  const step = settings.threshold * (max - min);
  let mark = Infinity;
  let best = -1;
  let since = 0;
  for (let i = 0; i < told.length; i++) {
    const t = told[i]!;
    if (best < 0 || t.value < told[best]!.value) best = i;
    if (mark === Infinity || t.value < mark - step) {
      mark = t.value;
      since = 0;
    } else if (t.fromModel) {
      since++;
    }
  }
  return since >= settings.patience ? best : -1;
}

/**
 * log φ(x) for φ(x) = 1 − exp(−½ Σⱼ ((xⱼ − cⱼ)/wⱼ)²), and its gradient added into `gradient` when given.
 * −Infinity at the centre itself.
 */
export function logBasinPenalty(point: ArrayLike<number>, centre: ArrayLike<number>, widths: ArrayLike<number>, gradient?: Float64Array): number {
  const q = scaledSquaredDistance(point, centre, widths);
  if (q === 0) return -Infinity;
  // log(1 − e^(−q/2)) without cancellation for small q.
  const half = 0.5 * q;
  const value = half < Math.LN2 ? Math.log(-Math.expm1(-half)) : Math.log1p(-Math.exp(-half));
  if (gradient) {
    // d/dxⱼ log φ = e^(−q/2) / φ · (xⱼ − cⱼ)/wⱼ² = (xⱼ − cⱼ)/wⱼ² / expm1(q/2).
    const factor = 1 / Math.expm1(half);
    for (let j = 0; j < centre.length; j++) gradient[j] = gradient[j]! + (factor * (point[j]! - centre[j]!)) / (widths[j]! * widths[j]!);
  }
  return value;
}

/** Σⱼ ((xⱼ − cⱼ)/wⱼ)²: below 1 within one penalty width of the centre. */
export function scaledSquaredDistance(point: ArrayLike<number>, centre: ArrayLike<number>, widths: ArrayLike<number>): number {
  let q = 0;
  for (let j = 0; j < centre.length; j++) {
    const z = (point[j]! - centre[j]!) / widths[j]!;
    q += z * z;
  }
  return q;
}
