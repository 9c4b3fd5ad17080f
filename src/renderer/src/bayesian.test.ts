import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTION_TOLERANCE,
  anchorCashWeight,
  attributionTable,
  breakerBadgeText,
  breakerTone,
  createInput,
  exposureSentence,
  formatElapsed,
  formatPoints,
  formatScore,
  formatSignedPercent,
  formatWithInterval,
  gaugeLayout,
  hasAnchor,
  hasForecasts,
  horizonDays,
  horizonPhrase,
  overrideProblem,
  progressText,
  thresholdSentence,
  type GenerateRequest,
} from './bayesian';
import { baselineProposal, bayesianProposal } from './bayesian.fixture';

describe('presence of the Bayesian fields', () => {
  it('a baseline proposal has no forecasts and no anchor, a Bayesian one has both', () => {
    expect(hasForecasts(baselineProposal())).toBe(false);
    expect(hasAnchor(baselineProposal())).toBe(false);
    expect(hasForecasts(bayesianProposal())).toBe(true);
    expect(hasAnchor(bayesianProposal())).toBe(true);
  });

  it('derives cash’s anchor as what the assets leave, and the horizon from any field stating it', () => {
    expect(anchorCashWeight(baselineProposal())).toBeNull();
    expect(anchorCashWeight(bayesianProposal())).toBeCloseTo(0.02, 12);
    expect(horizonDays(baselineProposal())).toBeNull();
    expect(horizonDays(bayesianProposal())).toBe(21);
    expect(horizonDays({ ...bayesianProposal(), confidence: null, modelRun: { ...bayesianProposal().modelRun!, horizonDays: 10 } })).toBe(10);
    expect(horizonPhrase(21)).toBe('over the next 21 trading days');
    expect(horizonPhrase(1)).toBe('over the next 1 trading day');
    expect(horizonPhrase(null)).toBe('over the forecast horizon');
  });
});

describe('numbers in words', () => {
  it('signs returns and weight changes, never showing "-0.00"', () => {
    expect(formatSignedPercent(0.012)).toBe('+1.20 %');
    expect(formatSignedPercent(-0.031)).toBe('-3.10 %');
    expect(formatSignedPercent(-0.00001)).toBe('0.00 %');
    expect(formatSignedPercent(Number.NaN)).toBe('—');
    expect(formatPoints(0.0125)).toBe('+1.25 pp');
    expect(formatPoints(-0.05)).toBe('-5.00 pp');
    expect(formatWithInterval(0.012, -0.031, 0.054)).toBe('+1.20 % (-3.10 % to +5.40 %)');
    expect(formatScore(-1.8)).toBe('-1.80');
    expect(formatScore(0.5)).toBe('+0.50');
    expect(formatScore(-0.001)).toBe('0.00');
  });
});

describe('circuit breaker wording', () => {
  it('names the state and the override', () => {
    expect(breakerBadgeText({ state: 'CAUTION', override: null })).toBe('Circuit breaker: Caution');
    expect(breakerBadgeText({ state: 'DE_RISKED', override: null })).toBe('Circuit breaker: De-risked');
    expect(breakerBadgeText({ state: 'NORMAL', override: { modelState: 'CAUTION', reason: 'known data gap', by: 'A' } })).toBe(
      'Circuit breaker: Normal (overridden)',
    );
    expect([breakerTone('NORMAL'), breakerTone('CAUTION'), breakerTone('DE_RISKED')]).toEqual(['ok', 'warn', 'bad']);
  });

  it('says what the exposure does and where the thresholds are', () => {
    expect(exposureSentence(1)).toMatch(/^Full exposure/);
    expect(exposureSentence(0.7)).toBe('Exposure kept: 70 % of the risky target; 30 % of it moved to cash.');
    expect(thresholdSentence({ warn: -1.5, trip: -2.5, reset: -0.5 })).toBe('Caution below -1.50 · De-risk below -2.50 · Steps back above -0.50');
    expect(thresholdSentence({ warn: 1.5, trip: 2.5, reset: 0.5 })).toBe('Caution above +1.50 · De-risk above +2.50 · Steps back below +0.50');
  });
});

describe('certainty gauge', () => {
  const t = { warn: -1.5, trip: -2.5, reset: -0.5 };

  it('orders red, amber, green along the scale and puts the score in its zone', () => {
    const g = gaugeLayout(-1.8, t);
    expect(g.lowIsBad).toBe(true);
    expect(g.zones.map((z) => z.tone)).toEqual(['bad', 'warn', 'ok']);
    expect(g.zones[0]!.from).toBe(0);
    expect(g.zones[2]!.to).toBe(1);
    const pos = Object.fromEntries(g.markers.map((m) => [m.key, m.position]));
    expect(pos.trip).toBeLessThan(pos.warn!);
    expect(pos.warn).toBeLessThan(pos.reset!);
    expect(g.value).toBeGreaterThan(pos.trip!);
    expect(g.value).toBeLessThan(pos.warn!);
    // Positions are linear in the score.
    const at = (v: number) => (v - g.min) / (g.max - g.min);
    expect(g.value).toBeCloseTo(at(-1.8), 12);
    expect(pos.reset).toBeCloseTo(at(-0.5), 12);
  });

  it('keeps a far-out score inside the gauge with a margin', () => {
    const g = gaugeLayout(-6, t);
    expect(g.value).toBeGreaterThan(0);
    expect(g.value).toBeLessThan(0.2);
    const high = gaugeLayout(4, t);
    expect(high.value).toBeLessThan(1);
    expect(high.value).toBeGreaterThan(0.8);
  });

  it('mirrors when a high score is the bad end, and survives degenerate input', () => {
    const g = gaugeLayout(2, { warn: 1.5, trip: 2.5, reset: 0.5 });
    expect(g.lowIsBad).toBe(false);
    expect(g.zones.map((z) => z.tone)).toEqual(['ok', 'warn', 'bad']);
    const nan = gaugeLayout(Number.NaN, t);
    expect(nan.value).toBeNull();
    const flat = gaugeLayout(0, { warn: 0, trip: 0, reset: 0 });
    expect(flat.value).toBeCloseTo(0.5, 12);
    expect(Number.isFinite(flat.min) && Number.isFinite(flat.max) && flat.max > flat.min).toBe(true);
  });
});

describe('attribution table', () => {
  it('sums each row’s parts to its change, cash last, with a total row', () => {
    const model = attributionTable(bayesianProposal().attribution!);
    expect(model.groups.map((g) => g.label)).toEqual(['Forecasts', 'Uncertainty penalty', 'Circuit breaker']);
    expect(model.rows.map((r) => r.ticker)).toEqual(['SPY', 'TLT', 'Cash']);
    for (const row of model.rows) expect(Math.abs(row.sum - row.change)).toBeLessThan(ATTRIBUTION_TOLERANCE);
    expect(model.maxResidual).toBeLessThan(ATTRIBUTION_TOLERANCE);
    expect(model.rows[2]!.riskBefore).toBeNull();
    // Weights sum to 1 before and after, so changes (and each group's column) net to zero.
    expect(model.total.change).toBeCloseTo(0, 12);
    expect(model.total.parts.every((x) => Math.abs(x) < 1e-12)).toBe(true);
    expect(model.total.riskBefore).toBeCloseTo(1, 12);
    expect(model.total.riskAfter).toBeCloseTo(1, 12);
  });

  it('reports a row whose parts do not add up, and reads a missing group as zero', () => {
    const a = bayesianProposal().attribution!;
    const broken = { ...a, assets: [{ ...a.assets[0]!, contributions: { forecast: 0.01 } }] };
    const model = attributionTable(broken);
    expect(model.rows[0]!.parts).toEqual([0.01, 0, 0]);
    expect(model.rows[0]!.residual).toBeCloseTo(0.06, 12);
    expect(model.maxResidual).toBeCloseTo(0.06, 12);
  });
});

describe('generate request', () => {
  const base: GenerateRequest = { engine: 'bayesian', override: { enabled: false, state: 'NORMAL', reason: '', by: '' } };

  it('sends the engine, and the override only when asked for with the Bayesian engine', () => {
    expect(createInput('DEMO', base)).toEqual({ accountId: 'DEMO', engine: 'bayesian' });
    expect(createInput('DEMO', { ...base, engine: 'baseline', override: { ...base.override, enabled: true, reason: 'why not', by: 'A' } })).toEqual({
      accountId: 'DEMO',
      engine: 'baseline',
    });
    expect(createInput('DEMO', { ...base, override: { enabled: true, state: 'NORMAL', reason: '  data gap  ', by: ' Alice ' } })).toEqual({
      accountId: 'DEMO',
      engine: 'bayesian',
      breakerOverride: { state: 'NORMAL', reason: 'data gap', by: 'Alice' },
    });
  });

  it('needs a reason and a name to override', () => {
    expect(overrideProblem(base)).toBeNull();
    const on = { ...base, override: { ...base.override, enabled: true } };
    expect(overrideProblem(on)).toMatch(/reason/);
    expect(overrideProblem({ ...on, override: { ...on.override, reason: 'ok' } })).toMatch(/reason/);
    expect(overrideProblem({ ...on, override: { ...on.override, reason: 'known gap' } })).toMatch(/name/);
    expect(overrideProblem({ ...on, override: { ...on.override, reason: 'known gap', by: 'Alice' } })).toBeNull();
    expect(overrideProblem({ ...on, engine: 'baseline' })).toBeNull();
  });
});

describe('progress line', () => {
  it('shows the count unless the step says it, and the time spent', () => {
    expect(progressText('Training forecast model: retrain 12 of 80', 12, 80, 125_000)).toBe('Training forecast model: retrain 12 of 80 · 2 min 05 s');
    expect(progressText('Risk model: covariance', 3, 10, 500)).toBe('Risk model: covariance (3 / 10)');
    expect(progressText('Starting', 0, 0, null)).toBe('Starting');
    expect(formatElapsed(4_999)).toBe('4 s');
    expect(formatElapsed(3_725_000)).toBe('1 h 02 min');
  });
});
