import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BreakerStateName } from '../../../shared/domain';
import { BreakerTransition } from '../../../shared/domain';
import { BallastError } from '../../../shared/errors';
import { type BreakerSettings, DEFAULT_STRATEGY_PARAMETERS } from '../../../shared/strategy';
import {
  type BreakerStatus,
  applyExposure,
  breakerExposure,
  certaintyScores,
  describeBreaker,
  portfolioEpistemicSpread,
  runBreaker,
  stepBreaker,
} from './breaker';

// The settings these tests were written against, pinned so a change of the product's defaults does not move them.
const DEFAULTS: BreakerSettings = { ...DEFAULT_STRATEGY_PARAMETERS.breaker, warn: -1.5, trip: -2.5, reset: -0.5, trailingDays: 504 };
const settingsWith = (overrides: Partial<BreakerSettings> = {}): BreakerSettings => ({ ...DEFAULTS, ...overrides });

/** Ascending ISO dates, one per calendar day from 2020-01-01 (the strings only need to sort). */
function isoDates(count: number): string[] {
  return Array.from({ length: count }, (_, k) => new Date(Date.UTC(2020, 0, 1) + k * 86_400_000).toISOString().slice(0, 10));
}
const consecutiveDays = (count: number) => Int32Array.from({ length: count }, (_, k) => k);

function run(certainty: readonly number[], settings = settingsWith(), days?: Int32Array) {
  return runBreaker(isoDates(certainty.length), days ?? consecutiveDays(certainty.length), Float64Array.from(certainty), settings);
}
const statesOf = (steps: readonly { status: BreakerStatus }[]) => steps.map((s) => s.status.state);

/** The certainty definition read literally, with plain arrays, to cross-check the windowed implementation. */
function referenceScores(dayIndex: Int32Array, spread: Float64Array, trailingDays: number, minObs = 20): number[] {
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  return Array.from(spread, (s, d) => {
    if (!(s > 0)) return Number.NaN;
    const history: { day: number; x: number }[] = [];
    for (let e = 0; e < d; e++) {
      if (dayIndex[e]! >= dayIndex[d]! - trailingDays && spread[e]! > 0) history.push({ day: dayIndex[e]!, x: Math.log(spread[e]!) });
    }
    if (history.length < minObs || dayIndex[d]! - history[0]!.day < Math.ceil(trailingDays / 2)) return Number.NaN;
    const xs = history.map((h) => h.x);
    const med = median(xs);
    const mad = median(xs.map((x) => Math.abs(x - med)));
    return -(Math.log(s) - med) / Math.max(1.4826 * mad, 1e-3);
  });
}

describe('portfolioEpistemicSpread', () => {
  it('is the weight-averaged epistemic standard deviation', () => {
    const spread = portfolioEpistemicSpread(Float64Array.of(0.5, 0.3, 0.2), Float64Array.of(0.04, 0.01, 0.0009));
    expect(spread).toBeCloseTo(0.5 * 0.2 + 0.3 * 0.1 + 0.2 * 0.03, 15);
  });

  it('does not move when the breaker scales the weights toward cash, and bounds the independent-errors spread', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ w: fc.integer({ min: 0, max: 100 }), v: fc.integer({ min: 0, max: 10_000 }) }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 100 }),
        (assets, percent) => {
          fc.pre(assets.some((a) => a.w > 0));
          const w = Float64Array.from(assets, (a) => a.w / 100);
          const v = Float64Array.from(assets, (a) => a.v / 1e6);
          const spread = portfolioEpistemicSpread(w, v);
          expect(portfolioEpistemicSpread(applyExposure(w, percent / 100), v)).toBeCloseTo(spread, 14);
          const gross = w.reduce((s, x) => s + x, 0);
          const independent = Math.sqrt(w.reduce((s, x, i) => s + x * x * v[i]!, 0)) / gross;
          expect(spread).toBeGreaterThanOrEqual(independent - 1e-15);
        },
      ),
    );
  });

  it('ignores unheld assets without a forecast, and is NaN when a held one has none or nothing is held', () => {
    expect(portfolioEpistemicSpread(Float64Array.of(1, 0), Float64Array.of(0.04, Number.NaN))).toBeCloseTo(0.2, 15);
    expect(portfolioEpistemicSpread(Float64Array.of(0.5, 0.5), Float64Array.of(0.04, Number.NaN))).toBeNaN();
    expect(portfolioEpistemicSpread(Float64Array.of(0, 0), Float64Array.of(0.04, 0.01))).toBeNaN();
    expect(() => portfolioEpistemicSpread(Float64Array.of(1), Float64Array.of(-0.01))).toThrow(BallastError);
    expect(() => portfolioEpistemicSpread(Float64Array.of(1, 0), Float64Array.of(0.01))).toThrow(/2 weights but 1/);
  });
});

describe('certaintyScores', () => {
  it('a hand-worked score: ln spreads 0, 0.1, …, 2 have median 1 and MAD 0.5', () => {
    const logs = [...Array.from({ length: 21 }, (_, k) => k / 10)];
    const scale = 1.482602218505602 * 0.5;
    logs.push(1 + 2 * scale); // two robust standard deviations above the median → certainty −2
    const scores = certaintyScores(isoDates(22), consecutiveDays(22), Float64Array.from(logs, Math.exp), 40);
    expect(scores[21]).toBeCloseTo(-2, 12);
  });

  it('matches the definition read literally (window by trading day, strictly earlier dates, gaps and missing values)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 1, max: 3 }),
            spread: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 1000 }) }, { weight: 1, arbitrary: fc.constant(0) }),
          }),
          { minLength: 1, maxLength: 200 },
        ),
        fc.integer({ min: 30, max: 120 }),
        (rows, trailing) => {
          let day = 0;
          const days = Int32Array.from(rows, (r) => (day += r.gap));
          const spread = Float64Array.from(rows, (r) => (r.spread === 0 ? Number.NaN : r.spread / 1e4));
          const scores = certaintyScores(isoDates(rows.length), days, spread, trailing);
          const expected = referenceScores(days, spread, trailing);
          expected.forEach((e, d) => {
            if (Number.isNaN(e)) expect(scores[d]).toBeNaN();
            else expect(Math.abs(scores[d]! - e)).toBeLessThan(1e-9);
          });
        },
      ),
    );
  });

  it('the window is the previous trailingDays trading days: day d − trailingDays is in, one day older is out', () => {
    // 41 daily values; on day 41 with a 40-day window the history is days 1…40, so day 0's outlier is ignored.
    const spread = Float64Array.from({ length: 42 }, (_, k) => 0.01 * (1 + ((k * 13) % 41) / 100)); // distinct values
    const outlierOut = Float64Array.from(spread);
    outlierOut[0] = 1; // the smallest value made the largest: would shift the median if it were in the window
    expect(certaintyScores(isoDates(42), consecutiveDays(42), outlierOut, 40)[41]).toBe(
      certaintyScores(isoDates(42), consecutiveDays(42), spread, 40)[41],
    );
    const outlierIn = Float64Array.from(spread);
    outlierIn[1] = 1;
    expect(certaintyScores(isoDates(42), consecutiveDays(42), outlierIn, 40)[41]).not.toBe(
      certaintyScores(isoDates(42), consecutiveDays(42), spread, 40)[41],
    );
  });

  it('is NaN until 20 earlier values span half the window: day 20 for daily data, day 255 for every-5-day forecasts', () => {
    const daily = certaintyScores(isoDates(60), consecutiveDays(60), new Float64Array(60).fill(0.01), 40);
    expect(daily.findIndex(Number.isFinite)).toBe(20);
    const strided = Int32Array.from({ length: 120 }, (_, k) => 5 * k);
    const weekly = certaintyScores(isoDates(120), strided, Float64Array.from({ length: 120 }, (_, k) => 0.01 + 0.001 * Math.sin(k)), 504);
    expect(weekly.findIndex(Number.isFinite)).toBe(51);
  });

  it('is causal: changing every spread after a date leaves the scores up to that date unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 30, maxLength: 120 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 120, maxLength: 120 }),
        fc.nat(),
        (values, replacement, cut) => {
          const n = values.length;
          const t = cut % n;
          const spread = Float64Array.from(values, (v) => v / 1e4);
          const altered = Float64Array.from(values, (v, k) => (k > t ? replacement[k]! / 1e4 : v / 1e4));
          const a = certaintyScores(isoDates(n), consecutiveDays(n), spread, 40);
          const b = certaintyScores(isoDates(n), consecutiveDays(n), altered, 40);
          expect(Array.from(b.subarray(0, t + 1))).toEqual(Array.from(a.subarray(0, t + 1)));
        },
      ),
    );
  });

  it('is unchanged when every spread is scaled, and falls as the day\u2019s spread rises', () => {
    const base = Float64Array.from({ length: 80 }, (_, k) => 0.02 * Math.exp(0.3 * Math.sin(k / 3)));
    const scores = certaintyScores(isoDates(80), consecutiveDays(80), base, 60);
    const scaled = certaintyScores(isoDates(80), consecutiveDays(80), base.map((s) => 7 * s), 60);
    scores.forEach((s, d) => (Number.isNaN(s) ? expect(scaled[d]).toBeNaN() : expect(scaled[d]).toBeCloseTo(s, 10)));
    const higher = Float64Array.from(base);
    higher[79] = 2 * base[79]!;
    expect(certaintyScores(isoDates(80), consecutiveDays(80), higher, 60)[79]).toBeLessThan(scores[79]!);
  });

  it('is robust: one extreme spread in the history barely moves the score (a mean/sd would be dragged)', () => {
    const base = Float64Array.from({ length: 101 }, (_, k) => 0.02 * Math.exp(0.2 * Math.sin(k * 1.7)));
    base[100] = 0.04;
    const withSpike = Float64Array.from(base);
    withSpike[50] = 2; // 100× normal
    const clean = certaintyScores(isoDates(101), consecutiveDays(101), base, 100)[100]!;
    const spiked = certaintyScores(isoDates(101), consecutiveDays(101), withSpike, 100)[100]!;
    expect(clean).toBeLessThan(-2);
    expect(Math.abs(spiked - clean)).toBeLessThan(0.15 * Math.abs(clean));
  });

  it('stays finite on a constant history, treats zero spread as missing, and refuses bad input', () => {
    const flat = new Float64Array(30).fill(0.01);
    flat[29] = 0.011;
    expect(Number.isFinite(certaintyScores(isoDates(30), consecutiveDays(30), flat, 40)[29])).toBe(true);
    const withZero = new Float64Array(30).fill(0.01);
    withZero[10] = 0;
    const scores = certaintyScores(isoDates(30), consecutiveDays(30), withZero, 40);
    expect(scores[10]).toBeNaN();
    expect(scores[20]).toBeNaN(); // only 19 usable earlier values
    expect(scores[21]).toBe(0);
    expect(() => certaintyScores(isoDates(2), Int32Array.of(0, 1), Float64Array.of(0.01, -1), 40)).toThrow(/must be ≥ 0/);
    expect(() => certaintyScores(isoDates(2), Int32Array.of(1, 1), Float64Array.of(0.01, 0.01), 40)).toThrow(/strictly increase/);
    expect(() => certaintyScores(isoDates(2), Int32Array.of(0), Float64Array.of(0.01, 0.01), 40)).toThrow(BallastError);
    expect(() => certaintyScores(isoDates(2), Int32Array.of(0, 1), Float64Array.of(0.01, 0.01), 0)).toThrow(/trailing window/);
  });
});

describe('the breaker state machine', () => {
  it('exposure is 1, cautionExposure and floorExposure; applyExposure moves the rest to cash', () => {
    const steps = run([0, -2, -3]).steps;
    expect(statesOf(steps)).toEqual(['NORMAL', 'CAUTION', 'DE_RISKED']);
    expect(steps.map((s) => s.exposure)).toEqual([1, 0.7, 0.35]);
    const risky = applyExposure(Float64Array.of(0.5, 0.3, 0.18), 0.35);
    expect(Array.from(risky)).toEqual([0.5 * 0.35, 0.3 * 0.35, 0.18 * 0.35]);
    expect(1 - risky.reduce((s, w) => s + w, 0)).toBeCloseTo(1 - 0.98 * 0.35, 15);
    expect(() => applyExposure(Float64Array.of(1), 1.2)).toThrow(BallastError);
    expect(() => applyExposure(Float64Array.of(1), Number.NaN)).toThrow(BallastError);
  });

  it('escalates immediately: NORMAL straight to DE_RISKED below trip, and CAUTION to DE_RISKED the next day', () => {
    const straight = run([0, -2.8]);
    expect(statesOf(straight.steps)).toEqual(['NORMAL', 'DE_RISKED']);
    expect(straight.transitions).toEqual([
      expect.objectContaining({ date: '2020-01-02', from: 'NORMAL', to: 'DE_RISKED', certainty: -2.8 }),
    ]);
    const stepwise = run([-1.6, -2.6], settingsWith({ minDwellDays: 50 }));
    expect(statesOf(stepwise.steps)).toEqual(['CAUTION', 'DE_RISKED']);
    expect(stepwise.transitions.map((t) => [t.from, t.to])).toEqual([
      ['NORMAL', 'CAUTION'],
      ['CAUTION', 'DE_RISKED'],
    ]);
  });

  it('hysteresis: a score oscillating around warn enters CAUTION once and does not flap', () => {
    const oscillating = Array.from({ length: 200 }, (_, k) => (k % 2 === 0 ? -1.4 : -1.6));
    const { steps, transitions } = run(oscillating, settingsWith({ minDwellDays: 0 }));
    expect(transitions).toHaveLength(1);
    expect(statesOf(steps).slice(1).every((s) => s === 'CAUTION')).toBe(true);
    // Only a rise above reset (strictly) brings it back.
    expect(statesOf(run([-1.6, -0.5, -0.49], settingsWith({ minDwellDays: 0 })).steps)).toEqual(['CAUTION', 'CAUTION', 'NORMAL']);
  });

  it('dwell: recovery waits minDwellDays trading days in the state, counted by trading-day index', () => {
    const certainty = [-1.6, ...new Array<number>(15).fill(1)];
    const steps = run(certainty, settingsWith({ minDwellDays: 10 })).steps;
    expect(statesOf(steps).lastIndexOf('CAUTION')).toBe(9);
    expect(steps[10]!.status).toEqual({ state: 'NORMAL', since: '2020-01-11', sinceDay: 10 });
    expect(steps[5]!.reason).toMatch(/in CAUTION for 5 of the 10 trading days it must stay/);
    // Forecasts every 5 trading days: day 10 is the second step after entering.
    const strided = run([-1.6, 1, 1, 1], settingsWith({ minDwellDays: 10 }), Int32Array.of(0, 5, 10, 15)).steps;
    expect(statesOf(strided)).toEqual(['CAUTION', 'CAUTION', 'NORMAL', 'NORMAL']);
  });

  it('recovers one step at a time, with a fresh dwell for each step', () => {
    const steps = run([-3, ...new Array<number>(25).fill(2)], settingsWith({ minDwellDays: 10 })).steps;
    const states = statesOf(steps);
    expect(states[0]).toBe('DE_RISKED');
    expect(states.indexOf('CAUTION')).toBe(10);
    expect(states.indexOf('NORMAL')).toBe(20);
    expect(steps[10]!.reason).toMatch(/raised to 70 %, one step at a time/);
  });

  it('NaN certainty keeps the state (NORMAL at the start) and says why, without resetting the dwell clock', () => {
    const start = run([Number.NaN, Number.NaN, -1.6, Number.NaN, 0], settingsWith({ minDwellDays: 2 }));
    expect(statesOf(start.steps)).toEqual(['NORMAL', 'NORMAL', 'CAUTION', 'CAUTION', 'NORMAL']);
    expect(start.steps[0]!.reason).toMatch(/^Model certainty is not available on this date.*stays NORMAL with full risky exposure\.$/);
    expect(start.steps[3]!.reason).toMatch(/stays CAUTION with risky exposure stays at 70 %/);
    expect(start.transitions.every((t) => Number.isFinite(t.certainty))).toBe(true);
  });

  it('disabled: always NORMAL at full exposure, and switching off mid-episode records no transition', () => {
    const off = run([-3, -3, -1.6, 5], settingsWith({ enabled: false }));
    expect(statesOf(off.steps)).toEqual(['NORMAL', 'NORMAL', 'NORMAL', 'NORMAL']);
    expect(off.steps.every((s) => s.exposure === 1)).toBe(true);
    expect(off.transitions).toEqual([]);
    const deRisked = stepBreaker(null, '2020-01-01', 0, -3, settingsWith());
    const switchedOff = stepBreaker(deRisked.status, '2020-01-02', 1, -3, settingsWith({ enabled: false }));
    expect(switchedOff).toMatchObject({ status: { state: 'NORMAL', since: '2020-01-02' }, exposure: 1, transition: null });
    expect(switchedOff.reason).toMatch(/switched off; it was DE_RISKED since 2020-01-01/);
  });

  it('reasons read as a PM would say them', () => {
    const settings = settingsWith();
    expect(stepBreaker(null, '2020-03-09', 0, -2.8, settings).reason).toBe(
      'Model certainty \u22122.8 is below the trip threshold \u22122.5: the forecasts\u2019 epistemic spread is 2.8 standard ' +
        'deviations above its median over the previous 504 trading days; risky exposure cut to 35 %.',
    );
    // One decimal would print −2.5 "below −2.5": a second decimal tells them apart.
    expect(stepBreaker(null, '2020-03-09', 0, -2.51, settings).reason).toMatch(/^Model certainty \u22122\.51 is below the trip/);
    expect(stepBreaker(null, '2020-03-09', 0, 0.43, settings).reason).toBe(
      'Model certainty 0.4 is at or above the warn threshold \u22121.5: the forecasts\u2019 epistemic spread is 0.4 standard ' +
        'deviations below its median over the previous 504 trading days; full risky exposure.',
    );
    const caution = stepBreaker(null, '2020-03-02', 100, -1.7, settings);
    expect(stepBreaker(caution.status, '2020-03-03', 101, -1.0, settings).reason).toBe(
      'Model certainty \u22121.0 has not risen above the reset threshold \u22120.5 since the breaker entered CAUTION on ' +
        '2020-03-02: the forecasts\u2019 epistemic spread is 1.0 standard deviations above its median over the previous ' +
        '504 trading days; risky exposure stays at 70 %.',
    );
    expect(stepBreaker(caution.status, '2020-03-20', 112, 0, settings).reason).toBe(
      'Model certainty 0.0 is above the reset threshold \u22120.5 after 12 trading days in CAUTION: the forecasts\u2019 ' +
        'epistemic spread is at its median over the previous 504 trading days; full risky exposure restored.',
    );
  });

  it('describeBreaker: state, since when, why, and what would move it next', () => {
    const settings = settingsWith();
    const step = stepBreaker(null, '2020-03-09', 0, -2.8, settings);
    const text = describeBreaker(step, -2.8, settings);
    expect(text).toMatch(/^DE_RISKED since 2020-03-09: risky exposure at 35 %, the rest held in cash\. Model certainty/);
    expect(text).toMatch(/It steps back to CAUTION once certainty rises above \u22120\.5 after at least 10 trading days in DE_RISKED\.$/);
    const normal = stepBreaker(null, '2020-03-09', 0, 0.2, settings);
    expect(describeBreaker(normal, 0.2, settings)).toMatch(
      /It moves to CAUTION \(70 %\) if certainty falls below \u22121\.5, and straight to DE_RISKED \(35 %\) below \u22122\.5\.$/,
    );
    expect(describeBreaker(normal, Number.NaN, settings)).toMatch(/Without a certainty score/);
    expect(describeBreaker(normal, 0.2, settingsWith({ enabled: false }))).toMatch(/switched off/);
  });

  it('refuses thresholds without hysteresis, exposures out of order and steps back in time', () => {
    expect(() => stepBreaker(null, '2020-01-01', 0, 0, settingsWith({ warn: -2.5, trip: -2.5 }))).toThrow(/trip < warn < reset/);
    expect(() => stepBreaker(null, '2020-01-01', 0, 0, settingsWith({ reset: -1.5 }))).toThrow(/trip < warn < reset/);
    expect(() => stepBreaker(null, '2020-01-01', 0, 0, settingsWith({ floorExposure: 0.8 }))).toThrow(/floor ≤ caution/);
    const status = stepBreaker(null, '2020-01-10', 10, -2, settingsWith()).status;
    expect(() => stepBreaker(status, '2020-01-05', 5, 0, settingsWith())).toThrow(/earlier than the state/);
    expect(() => run([0, 0], settingsWith(), Int32Array.of(3, 3))).toThrow(/strictly increase/);
  });
});

describe('state machine invariants (property tests)', () => {
  const settingsArbitrary = fc
    .record({
      trip: fc.integer({ min: -40, max: -5 }),
      warnGap: fc.integer({ min: 1, max: 20 }),
      resetGap: fc.integer({ min: 1, max: 30 }),
      minDwellDays: fc.integer({ min: 0, max: 15 }),
      floor: fc.integer({ min: 0, max: 100 }),
      caution: fc.integer({ min: 0, max: 100 }),
    })
    .map(
      ({ trip, warnGap, resetGap, minDwellDays, floor, caution }): BreakerSettings =>
        settingsWith({
          trip: trip / 10,
          warn: (trip + warnGap) / 10,
          reset: (trip + warnGap + resetGap) / 10,
          minDwellDays,
          floorExposure: Math.min(floor, caution) / 100,
          cautionExposure: Math.max(floor, caution) / 100,
        }),
    );
  const pathArbitrary = fc.array(
    fc.record({
      gap: fc.integer({ min: 1, max: 5 }),
      certainty: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -50, max: 30 }).map((c) => c / 10) }, { weight: 1, arbitrary: fc.constant(Number.NaN) }),
    }),
    { minLength: 1, maxLength: 120 },
  );

  it('every step obeys the rules: escalation only below warn/trip, recovery one step above reset after the dwell', () => {
    fc.assert(
      fc.property(settingsArbitrary, pathArbitrary, (settings, path) => {
        let day = 0;
        const days = Int32Array.from(path, (p) => (day += p.gap));
        const dates = isoDates(path.length);
        const { steps, transitions } = runBreaker(dates, days, Float64Array.from(path, (p) => p.certainty), settings);
        let previous: BreakerStatus = { state: 'NORMAL', since: dates[0]!, sinceDay: days[0]! };
        const rank = (s: BreakerStateName) => ['NORMAL', 'CAUTION', 'DE_RISKED'].indexOf(s);
        steps.forEach((step, k) => {
          const c = path[k]!.certainty;
          const { state } = step.status;
          expect(step.exposure).toBe(breakerExposure(state, settings));
          expect(step.reason.length).toBeGreaterThan(20);
          const moved = state !== previous.state;
          expect(step.transition !== null).toBe(moved);
          if (Number.isNaN(c)) expect(moved).toBe(false);
          if (c < settings.trip) expect(state).toBe('DE_RISKED');
          else if (c < settings.warn) expect(state).not.toBe('NORMAL');
          if (moved) {
            const t = step.transition!;
            expect(BreakerTransition.parse(t)).toEqual(t);
            expect(t).toMatchObject({ date: dates[k], from: previous.state, to: state, certainty: c });
            expect(step.status).toEqual({ state, since: dates[k], sinceDay: days[k] });
            if (rank(state) > rank(previous.state)) {
              expect(c).toBeLessThan(state === 'DE_RISKED' ? settings.trip : settings.warn);
            } else {
              expect(rank(previous.state) - rank(state)).toBe(1);
              expect(c).toBeGreaterThan(settings.reset);
              expect(days[k]! - previous.sinceDay).toBeGreaterThanOrEqual(settings.minDwellDays);
            }
          } else {
            expect(step.status).toEqual(previous);
            // Not recovering although certainty is above reset can only be the dwell.
            if (state !== 'NORMAL' && c > settings.reset) expect(days[k]! - previous.sinceDay).toBeLessThan(settings.minDwellDays);
          }
          previous = step.status;
        });
        expect(transitions).toEqual(steps.flatMap((s) => (s.transition ? [s.transition] : [])));
      }),
    );
  });

  it('is causal and deterministic: the steps up to a date do not depend on later scores', () => {
    fc.assert(
      fc.property(settingsArbitrary, pathArbitrary, fc.array(fc.integer({ min: -50, max: 30 }), { minLength: 120, maxLength: 120 }), fc.nat(), (settings, path, other, cut) => {
        const t = cut % path.length;
        const certainty = path.map((p) => p.certainty);
        const altered = certainty.map((c, k) => (k > t ? other[k]! / 10 : c));
        const a = run(certainty, settings).steps.slice(0, t + 1);
        const b = run(altered, settings).steps.slice(0, t + 1);
        expect(b).toEqual(a);
      }),
    );
  });

  it('disabled breakers never leave NORMAL', () => {
    fc.assert(
      fc.property(settingsArbitrary, pathArbitrary, (settings, path) => {
        const { steps, transitions } = run(path.map((p) => p.certainty), { ...settings, enabled: false });
        expect(steps.every((s) => s.status.state === 'NORMAL' && s.exposure === 1)).toBe(true);
        expect(transitions).toEqual([]);
      }),
    );
  });
});
