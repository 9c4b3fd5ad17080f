/**
 * The circuit breaker: moves risky exposure toward cash when the forecasting model is unusually unsure.
 *
 * ## The certainty metric
 * On each forecast date d, with v_{i,d} the epistemic variance of asset i's h-day log-return forecast (the part of
 * the predictive variance that comes from the network not knowing its weights, not from market noise) and w the
 * portfolio's risky weights:
 *
 * 1. Spread  s_d = Σ_i |w_i| √v_{i,d} / Σ_i |w_i|   — the weight-averaged epistemic standard deviation.
 *    - Summing standard deviations (not √Σ w_i² v_i) treats the model's errors across assets as perfectly
 *      correlated: one pooled network shares every parameter across assets, so when it does not know, it does
 *      not know for all of them at once. It is also an upper bound on the portfolio's epistemic sd whatever
 *      the correlation, and, unlike the independent-errors form, does not shrink as 1/√N just because the
 *      universe is larger.
 *    - Dividing by Σ|w| makes s independent of how much of the account is invested, so the breaker's own action
 *      (scaling every risky weight by its exposure) and the cash floor cannot feed back into the metric.
 *      The weights should not depend on the forecast means — equal weights over the assets with a forecast (what
 *      the strategy uses, so the score belongs to the model run, not to one account) or the risk-budgeting
 *      anchor — so the metric describes the model, not the tilt the model drives.
 * 2. x_d = ln s_d. Epistemic spread is a scale; on the log scale a doubling counts the same at any level and the
 *    distribution is close to symmetric.
 * 3. History H_d = { x_e : e an earlier forecast date with day(d) − trailingDays ≤ day(e) < day(d), x_e finite } —
 *    the previous `trailingDays` trading days, strictly before d, so the score on d uses nothing after d.
 * 4. Certainty c_d = −(x_d − median H_d) / max(1.4826 · MAD(H_d), 10⁻³),  MAD = median |x_e − median H_d|.
 *    Median/MAD rather than mean/sd because the trailing window holds earlier stress episodes: a single past
 *    spike inflates a standard deviation for the whole two years it stays in the window and would hide the next
 *    one, while the median/MAD ignore up to half the window being unusual. 1.4826 makes the MAD a consistent
 *    estimate of the standard deviation for normal data, so c reads as "standard deviations": c = −2.8 means the
 *    spread is 2.8 standard deviations above its median over the window. The 10⁻³ floor (a 0.1 % change in the
 *    spread) only matters for a degenerate, constant history, and keeps the score finite.
 * 5. c_d is NaN — "not enough history" — when H_d has fewer than 20 values or its oldest value is less than
 *    ⌈trailingDays / 2⌉ trading days before d: a median over a few weeks of autocorrelated forecasts would call
 *    any sustained change normal within weeks. It is also NaN when s_d itself is missing or zero (no forecast for
 *    a held asset, or no risky position), and such dates do not enter later histories.
 *
 * Higher certainty = more certain. Thresholds (BreakerSettings): trip < warn < reset, all on this score.
 *
 * ## The state machine
 * NORMAL (exposure 1) → CAUTION (cautionExposure) when c < warn; → DE_RISKED (floorExposure) when c < trip, straight
 * from NORMAL when the drop is that large. Escalation is immediate: getting safer is never delayed, because the
 * cost of de-risking a day too early is a little foregone return, while the cost of waiting out a dwell when the
 * model has stopped knowing what it is doing is the drawdown the breaker exists to avoid. Recovery is one step at
 * a time (DE_RISKED → CAUTION → NORMAL), only when c > reset (hysteresis: a score wobbling around warn cannot make
 * the state flap) and only after at least minDwellDays trading days in the current state (so a single good day
 * after a bad week does not re-risk the portfolio). A NaN score leaves the state as it is (NORMAL at the start).
 * With enabled = false the state is always NORMAL and exposure 1; switching off is a settings change, not a
 * decision on a score, so it records no transition (every transition carries the finite score that caused it).
 */
import { BallastError } from '../../../shared/errors';
import type { BreakerStateName, BreakerTransition } from '../../../shared/domain';
import type { BreakerSettings } from '../../../shared/strategy';

/** Consistency factor: 1.4826 · MAD estimates σ for normally distributed data (1 / Φ⁻¹(¾)). */
const MAD_TO_SD = 1.482602218505602;
/** Smallest scale of log-spread used in the z-score: a constant history must not produce an infinite score. */
const MIN_LOG_SPREAD_SCALE = 1e-3;
export const DEFAULT_CERTAINTY_MIN_OBSERVATIONS = 20;

export interface CertaintyOptions {
  /** Fewest finite spreads in the trailing window for a score (default 20). */
  minObservations?: number;
  /** The window's oldest finite spread must be at least this many trading days old (default ⌈trailingDays / 2⌉). */
  minHistoryDays?: number;
}

export interface BreakerStatus {
  state: BreakerStateName;
  since: string;
  sinceDay: number;
}

export interface BreakerStep {
  status: BreakerStatus;
  exposure: number;
  transition: BreakerTransition | null;
  reason: string;
}

const SEVERITY: Record<BreakerStateName, number> = { NORMAL: 0, CAUTION: 1, DE_RISKED: 2 };
const BY_SEVERITY: readonly BreakerStateName[] = ['NORMAL', 'CAUTION', 'DE_RISKED'];

/**
 * Raw uncertainty of one forecast date: the portfolio's predictive epistemic spread, Σ|w_i|√v_i / Σ|w_i| (see the
 * file header for why this form). Assets with zero weight are ignored, whatever their variance (an asset not yet
 * listed has NaN forecasts and no weight). NaN when a held asset has no epistemic variance or nothing is held.
 */
export function portfolioEpistemicSpread(weights: Float64Array, epistemicVariance: Float64Array): number {
  if (weights.length !== epistemicVariance.length) {
    throw new BallastError(
      'BAD_INPUT',
      `got ${weights.length} weights but ${epistemicVariance.length} epistemic variances`,
      { weights: weights.length, variances: epistemicVariance.length },
    );
  }
  let weighted = 0;
  let gross = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = Math.abs(weights[i]!);
    if (w === 0) continue;
    if (!Number.isFinite(w)) throw new BallastError('BAD_INPUT', `weight ${i + 1} is ${weights[i]}`, { index: i });
    const v = epistemicVariance[i]!;
    if (Number.isNaN(v)) return Number.NaN;
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new BallastError('BAD_INPUT', `epistemic variance of asset ${i + 1} is ${v}; a variance must be finite and ≥ 0`, {
        index: i,
        value: v,
      });
    }
    weighted += w * Math.sqrt(v);
    gross += w;
  }
  return gross > 0 ? weighted / gross : Number.NaN;
}

/**
 * Certainty score per forecast date: minus the robust z-score (median/MAD) of ln(spread) against its own trailing
 * distribution over the previous `trailingDays` trading days, strictly earlier dates only (file header, steps
 * 2–5). Higher = more certain; NaN until enough history. `dayIndex` is each date's trading-day number in the
 * panel, so windows are measured in trading days even when forecasts are made only every few days.
 */
export function certaintyScores(
  dates: readonly string[],
  dayIndex: Int32Array,
  spread: Float64Array,
  trailingDays: number,
  opts: CertaintyOptions = {},
): Float64Array {
  const n = dates.length;
  if (dayIndex.length !== n || spread.length !== n) {
    throw new BallastError(
      'BAD_INPUT',
      `certainty needs one day index and one spread per date: ${n} dates, ${dayIndex.length} day indices, ${spread.length} spreads`,
    );
  }
  if (!Number.isInteger(trailingDays) || trailingDays < 1) {
    throw new BallastError('BAD_INPUT', `trailing window must be a positive whole number of trading days, got ${trailingDays}`);
  }
  const minObservations = opts.minObservations ?? DEFAULT_CERTAINTY_MIN_OBSERVATIONS;
  const minHistoryDays = opts.minHistoryDays ?? Math.ceil(trailingDays / 2);
  if (!Number.isInteger(minObservations) || minObservations < 2) {
    throw new BallastError('BAD_INPUT', `certainty needs at least 2 observations of history, got ${minObservations}`);
  }
  if (!Number.isInteger(minHistoryDays) || minHistoryDays < 0 || minHistoryDays > trailingDays) {
    throw new BallastError(
      'BAD_INPUT',
      `minimum history must be a whole number of trading days within the ${trailingDays}-day window, got ${minHistoryDays}`,
    );
  }
  assertChronological(dates, dayIndex);

  const logSpread = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    const s = spread[d]!;
    if (s < 0 || s === Infinity) {
      throw new BallastError('BAD_INPUT', `epistemic spread on ${dates[d]} is ${s}; a spread must be ≥ 0`, { date: dates[d], value: s });
    }
    // Zero spread (nothing held) carries no information about the model: treated like a missing forecast.
    logSpread[d] = s > 0 ? Math.log(s) : Number.NaN;
  }

  // The window's finite log-spreads are kept sorted as it slides (insert and delete by binary search), and the
  // MAD is read off the sorted window by merging the deviations on either side of the median, so each date
  // costs O(window) with no sort (a 22-year daily history with a 504-day window: under 0.1 s, against ~0.7 s sorting).
  const scores = new Float64Array(n).fill(Number.NaN);
  const sorted = new Float64Array(n);
  let size = 0;
  /** Indices of the window's finite values in date order: the oldest leaves first. */
  const members = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let d = 0; d < n; d++) {
    const earliest = dayIndex[d]! - trailingDays;
    while (head < tail && dayIndex[members[head]!]! < earliest) {
      const position = lowerBound(sorted, size, logSpread[members[head++]!]!);
      sorted.copyWithin(position, position + 1, size);
      size--;
    }
    const x = logSpread[d]!;
    if (Number.isNaN(x)) continue;
    if (size >= minObservations && dayIndex[d]! - dayIndex[members[head]!]! >= minHistoryDays) {
      const median = sortedMedian(sorted, size);
      const mad = medianAbsoluteDeviation(sorted, size, median);
      const scale = Math.max(MAD_TO_SD * mad, MIN_LOG_SPREAD_SCALE);
      scores[d] = (median - x) / scale; // = −z, written so an unchanged spread scores +0, not −0
    }
    // Only now does d join the window: its own score must not include it.
    const position = lowerBound(sorted, size, x);
    sorted.copyWithin(position + 1, position, size);
    sorted[position] = x;
    size++;
    members[tail++] = d;
  }
  return scores;
}

/** Fraction of the target's risky weight kept in each state. */
/** The measured spread in words (BreakerSettings.metric; settings written before it existed mean 'epistemic'). */
function spreadName(settings: BreakerSettings): string {
  return settings.metric === 'predictive' ? 'the forecasts\u2019 predictive spread (model uncertainty plus expected market noise)' : 'the forecasts\u2019 epistemic spread';
}

export function breakerExposure(state: BreakerStateName, settings: BreakerSettings): number {
  if (!settings.enabled) return 1;
  return state === 'NORMAL' ? 1 : state === 'CAUTION' ? settings.cautionExposure : settings.floorExposure;
}

/**
 * One decision date of the state machine (file header): the state after seeing `certainty` on `date`, its
 * exposure, the transition if the state changed and the reason in words. `previous` null starts in NORMAL on
 * `date`. `day` is the trading-day index used for the dwell; it must not go back in time.
 */
export function stepBreaker(
  previous: BreakerStatus | null,
  date: string,
  day: number,
  certainty: number,
  settings: BreakerSettings,
): BreakerStep {
  assertSettings(settings);
  if (!Number.isInteger(day)) throw new BallastError('BAD_INPUT', `trading-day index must be an integer, got ${day}`);
  if (previous !== null && day < previous.sinceDay) {
    throw new BallastError(
      'BAD_INPUT',
      `breaker step on ${date} (day ${day}) is earlier than the state it continues (since ${previous.since}, day ${previous.sinceDay})`,
    );
  }
  const current: BreakerStatus = previous ?? { state: 'NORMAL', since: date, sinceDay: day };

  if (!settings.enabled) {
    if (current.state === 'NORMAL') {
      return { status: current, exposure: 1, transition: null, reason: 'The circuit breaker is switched off; full risky exposure.' };
    }
    // Switching the breaker off is a settings change (audited where settings change), not a decision of the
    // state machine on a certainty score, so it records no transition: every transition carries the finite score
    // that caused it.
    const reason =
      `The circuit breaker is switched off; it was ${current.state} since ${current.since}, and the target now keeps ` +
      'its full risky exposure.';
    return { status: { state: 'NORMAL', since: date, sinceDay: day }, exposure: 1, transition: null, reason };
  }

  const words = new Phrases(settings);
  if (!Number.isFinite(certainty)) {
    const reason =
      `Model certainty is not available on this date: ${spreadName(settings)} has too little history to ` +
      `set its normal range over the previous ${settings.trailingDays} trading days, or a held asset has no forecast. ` +
      `The breaker stays ${current.state} with ${words.exposureClause(current.state, 'stays')}.`;
    return stay(current, settings, reason);
  }

  const level = certainty < settings.trip ? 2 : certainty < settings.warn ? 1 : 0;
  const severity = SEVERITY[current.state];
  const spread = words.spreadClause(certainty);

  if (level > severity) {
    const to = BY_SEVERITY[level]!;
    const threshold = level === 2 ? settings.trip : settings.warn;
    const reason =
      `Model certainty ${words.score(certainty, threshold)} is below the ${level === 2 ? 'trip' : 'warn'} threshold ` +
      `${words.threshold(threshold)}: ${spread}; risky exposure cut to ${words.percent(breakerExposure(to, settings))}.`;
    return move(current, to, date, day, certainty, breakerExposure(to, settings), reason);
  }

  if (severity > 0 && certainty > settings.reset) {
    const dwell = day - current.sinceDay;
    const above = `Model certainty ${words.score(certainty, settings.reset)} is above the reset threshold ${words.threshold(settings.reset)}`;
    if (dwell >= settings.minDwellDays) {
      const to = BY_SEVERITY[severity - 1]!;
      const action =
        to === 'NORMAL'
          ? 'full risky exposure restored'
          : `risky exposure raised to ${words.percent(breakerExposure(to, settings))}, one step at a time`;
      const reason = `${above} after ${words.days(dwell)} in ${current.state}: ${spread}; ${action}.`;
      return move(current, to, date, day, certainty, breakerExposure(to, settings), reason);
    }
    const reason =
      `${above}, but the breaker has been in ${current.state} for ${dwell} of the ${words.days(settings.minDwellDays)} ` +
      `it must stay before stepping back: ${spread}; ${words.exposureClause(current.state, 'stays')}.`;
    return stay(current, settings, reason);
  }

  if (severity === 0) {
    const reason =
      `Model certainty ${words.score(certainty, settings.warn)} is at or above the warn threshold ${words.threshold(settings.warn)}: ` +
      `${spread}; full risky exposure.`;
    return stay(current, settings, reason);
  }
  const reason =
    `Model certainty ${words.score(certainty, settings.reset)} has not risen above the reset threshold ` +
    `${words.threshold(settings.reset)} since the breaker entered ${current.state} on ${current.since}: ${spread}; ` +
    `${words.exposureClause(current.state, 'stays')}.`;
  return stay(current, settings, reason);
}

/** The state machine over a history of certainty scores, oldest first, starting in NORMAL. */
export function runBreaker(
  dates: readonly string[],
  dayIndex: Int32Array,
  certainty: Float64Array,
  settings: BreakerSettings,
): { steps: BreakerStep[]; transitions: BreakerTransition[] } {
  if (dayIndex.length !== dates.length || certainty.length !== dates.length) {
    throw new BallastError(
      'BAD_INPUT',
      `the breaker needs one day index and one certainty per date: ${dates.length} dates, ${dayIndex.length} day indices, ${certainty.length} scores`,
    );
  }
  assertChronological(dates, dayIndex);
  const steps: BreakerStep[] = [];
  const transitions: BreakerTransition[] = [];
  let status: BreakerStatus | null = null;
  for (let d = 0; d < dates.length; d++) {
    const step = stepBreaker(status, dates[d]!, dayIndex[d]!, certainty[d]!, settings);
    steps.push(step);
    if (step.transition !== null) transitions.push(step.transition);
    status = step.status;
  }
  return { steps, transitions };
}

/** Risky weights × exposure; what is taken off stays in cash (the weights then sum to less than before). */
export function applyExposure(weights: Float64Array, exposure: number): Float64Array {
  if (!(exposure >= 0 && exposure <= 1)) {
    throw new BallastError('BAD_INPUT', `breaker exposure must be between 0 and 1, got ${exposure}`, { exposure });
  }
  return weights.map((w) => w * exposure);
}

/**
 * The breaker's state in words for a PM: the state and since when, why (the step's reason), and what would change
 * it next. `certainty` is the score on the step's date (NaN when not available).
 */
export function describeBreaker(step: BreakerStep, certainty: number, settings: BreakerSettings): string {
  if (!settings.enabled) return 'The circuit breaker is switched off: the target keeps its full risky exposure.';
  const words = new Phrases(settings);
  const { state, since } = step.status;
  const head =
    state === 'NORMAL'
      ? `NORMAL since ${since}, ${words.percent(step.exposure)} risky exposure.`
      : `${state} since ${since}: risky exposure at ${words.percent(step.exposure)}, the rest held in cash.`;
  const scoreNote = Number.isFinite(certainty)
    ? ''
    : ' Without a certainty score the breaker cannot move until the forecasts have enough history.';
  let next: string;
  if (state === 'NORMAL') {
    next =
      `It moves to CAUTION (${words.percent(settings.cautionExposure)}) if certainty falls below ${words.threshold(settings.warn)}, ` +
      `and straight to DE_RISKED (${words.percent(settings.floorExposure)}) below ${words.threshold(settings.trip)}.`;
  } else {
    const back = state === 'DE_RISKED' ? 'CAUTION' : 'NORMAL';
    next =
      `It steps back to ${back} once certainty rises above ${words.threshold(settings.reset)} after at least ` +
      `${words.days(settings.minDwellDays)} in ${state}` +
      (state === 'CAUTION' ? `, and cuts to DE_RISKED at once if certainty falls below ${words.threshold(settings.trip)}.` : '.');
  }
  return `${head} ${step.reason}${scoreNote} ${next}`;
}

function move(
  current: BreakerStatus,
  to: BreakerStateName,
  date: string,
  day: number,
  certainty: number,
  exposure: number,
  reason: string,
): BreakerStep {
  return {
    status: { state: to, since: date, sinceDay: day },
    exposure,
    transition: { date, from: current.state, to, certainty, reason },
    reason,
  };
}

function stay(current: BreakerStatus, settings: BreakerSettings, reason: string): BreakerStep {
  return { status: current, exposure: breakerExposure(current.state, settings), transition: null, reason };
}

function assertSettings(settings: BreakerSettings): void {
  const { warn, trip, reset, cautionExposure, floorExposure, minDwellDays, trailingDays } = settings;
  if (![warn, trip, reset].every(Number.isFinite) || !(trip < warn && warn < reset)) {
    throw new BallastError(
      'BAD_INPUT',
      `breaker thresholds must satisfy trip < warn < reset, got trip ${trip}, warn ${warn}, reset ${reset}`,
      { trip, warn, reset },
    );
  }
  if (!(floorExposure >= 0 && floorExposure <= cautionExposure && cautionExposure <= 1)) {
    throw new BallastError(
      'BAD_INPUT',
      `breaker exposures must satisfy 0 ≤ floor ≤ caution ≤ 1, got floor ${floorExposure}, caution ${cautionExposure}`,
      { floorExposure, cautionExposure },
    );
  }
  if (!Number.isInteger(minDwellDays) || minDwellDays < 0) {
    throw new BallastError('BAD_INPUT', `minimum dwell must be a whole number of trading days ≥ 0, got ${minDwellDays}`);
  }
  if (!Number.isInteger(trailingDays) || trailingDays < 1) {
    throw new BallastError('BAD_INPUT', `trailing window must be a positive whole number of trading days, got ${trailingDays}`);
  }
}

function assertChronological(dates: readonly string[], dayIndex: Int32Array): void {
  for (let d = 1; d < dates.length; d++) {
    if (!(dates[d]! > dates[d - 1]!) || !(dayIndex[d]! > dayIndex[d - 1]!)) {
      throw new BallastError(
        'BAD_INPUT',
        `dates and trading-day indices must strictly increase: ${dates[d - 1]} (day ${dayIndex[d - 1]}) is followed by ${dates[d]} (day ${dayIndex[d]})`,
        { index: d },
      );
    }
  }
}

function sortedMedian(sorted: Float64Array, size: number): number {
  const mid = size >> 1;
  return size % 2 === 1 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
}

/**
 * median |x − m| over sorted[0 … size): the deviations below m grow leftwards from m and those above grow
 * rightwards, so merging the two runs from m outwards lists them in ascending order without sorting.
 */
function medianAbsoluteDeviation(sorted: Float64Array, size: number, median: number): number {
  let right = lowerBound(sorted, size, median);
  let left = right - 1;
  const upper = size >> 1;
  let previous = 0;
  let current = 0;
  for (let k = 0; k <= upper; k++) {
    const below = left >= 0 ? median - sorted[left]! : Infinity;
    const above = right < size ? sorted[right]! - median : Infinity;
    previous = current;
    if (below <= above) {
      current = below;
      left--;
    } else {
      current = above;
      right++;
    }
  }
  return size % 2 === 1 ? current : 0.5 * (previous + current);
}

/** First index in sorted[0 … size) whose value is ≥ x. */
function lowerBound(sorted: Float64Array, size: number, x: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number formatting for the reasons: Unicode minus, no "−0.0", enough digits to tell a score from its threshold. */
class Phrases {
  constructor(private readonly settings: BreakerSettings) {}

  /** A score to one decimal, with more when one decimal would print it equal to the threshold it is compared with. */
  score(value: number, against: number): string {
    for (let digits = 1; digits < 6; digits++) {
      const text = signed(value, digits);
      if (value === against || text !== signed(against, digits)) return text;
    }
    return signed(value, 6);
  }

  threshold(value: number): string {
    return signed(value, 2).replace(/\.?0+$/, '');
  }

  percent(fraction: number): string {
    return `${(fraction * 100).toFixed(1).replace(/\.0$/, '')} %`;
  }

  days(count: number): string {
    return `${count} trading day${count === 1 ? '' : 's'}`;
  }

  spreadClause(certainty: number): string {
    const window = `over the previous ${this.settings.trailingDays} trading days`;
    const size = signed(Math.abs(certainty), 1);
    if (size === '0.0') return `${spreadName(this.settings)} is at its median ${window}`;
    const side = certainty < 0 ? 'above' : 'below';
    return `${spreadName(this.settings)} is ${size} standard deviations ${side} its median ${window}`;
  }

  exposureClause(state: BreakerStateName, verb: 'stays'): string {
    return state === 'NORMAL'
      ? 'full risky exposure'
      : `risky exposure ${verb} at ${this.percent(breakerExposure(state, this.settings))}`;
  }
}

function signed(value: number, digits: number): string {
  const text = Math.abs(value).toFixed(digits);
  const isZero = Number(text) === 0;
  return value < 0 && !isZero ? `\u2212${text}` : text;
}
