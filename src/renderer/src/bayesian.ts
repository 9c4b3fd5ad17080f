import { type MethodInput } from '../../shared/api';
import { type Attribution, type BreakerInfo, type BreakerStateName, type Proposal } from '../../shared/domain';
import { formatPercent } from './format';

/*
 * Pure derivations behind the Bayesian proposal's panels: wording, gauge geometry, attribution sums and the
 * "Generate proposal" request. Kept out of the components so they can be tested without a DOM.
 */

// ---------- presence ----------

export function hasForecasts(p: Proposal): boolean {
  return p.assets.some((a) => a.forecast);
}

export function hasAnchor(p: Proposal): boolean {
  return p.assets.some((a) => a.anchorWeight !== undefined);
}

/**
 * Cash's anchor weight. The anchor invests 1 − cash floor in the risky assets, so cash holds the rest; the
 * contract has no field for it, and the weights must sum to 1.
 */
export function anchorCashWeight(p: Proposal): number | null {
  if (!hasAnchor(p)) return null;
  return 1 - p.assets.reduce((sum, a) => sum + (a.anchorWeight ?? 0), 0);
}

/** The forecast horizon in trading days, from whichever part of the proposal states it. */
export function horizonDays(p: Proposal): number | null {
  return p.confidence?.horizonDays ?? p.modelRun?.horizonDays ?? p.parameters.forecast?.horizonDays ?? null;
}

export function horizonPhrase(days: number | null): string {
  if (days == null) return 'over the forecast horizon';
  return `over the next ${days} trading ${days === 1 ? 'day' : 'days'}`;
}

// ---------- numbers in words ----------

/** A fraction as a signed percent: 0.012 → "+1.20 %", −0.031 → "-3.10 %". Zero has no sign. */
export function formatSignedPercent(value: number | null | undefined, digits = 2): string {
  if (value == null || !Number.isFinite(value)) return '—';
  const text = formatPercent(value, digits);
  const rounded = Number((value * 100).toFixed(digits));
  return rounded > 0 ? `+${text}` : rounded === 0 ? formatPercent(0, digits) : text;
}

/** A weight change in percentage points of total value: 0.0125 → "+1.25 pp". */
export function formatPoints(value: number | null | undefined, digits = 2): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return formatSignedPercent(value, digits).replace(' %', ' pp');
}

/** "+1.20 % (-3.10 % to +5.40 %)": a mean with its 90 % interval. */
export function formatWithInterval(mean: number, lower: number, upper: number, digits = 2): string {
  return `${formatSignedPercent(mean, digits)} (${formatSignedPercent(lower, digits)} to ${formatSignedPercent(upper, digits)})`;
}

/** Certainty scores are unitless z-like numbers: two decimals, always signed so the scale reads at a glance. */
export function formatScore(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '—';
  const text = value.toFixed(2);
  return value > 0 && text !== '0.00' ? `+${text}` : text === '-0.00' ? '0.00' : text;
}

// ---------- circuit breaker ----------

export type Tone = 'ok' | 'warn' | 'bad';

const BREAKER: Record<BreakerStateName, { label: string; tone: Tone }> = {
  NORMAL: { label: 'Normal', tone: 'ok' },
  CAUTION: { label: 'Caution', tone: 'warn' },
  DE_RISKED: { label: 'De-risked', tone: 'bad' },
};

/** The states in escalating order, for the override's select. */
export const BREAKER_STATES = Object.keys(BREAKER) as BreakerStateName[];

export function breakerStateLabel(state: BreakerStateName): string {
  return BREAKER[state]?.label ?? state;
}

export function breakerTone(state: BreakerStateName): Tone {
  return BREAKER[state]?.tone ?? 'warn';
}

/** "Circuit breaker: Caution", with "(overridden)" when a PM set the state for this proposal. */
export function breakerBadgeText(breaker: Pick<BreakerInfo, 'state' | 'override'>): string {
  return `Circuit breaker: ${breakerStateLabel(breaker.state)}${breaker.override ? ' (overridden)' : ''}`;
}

/** What the exposure means for the trades, in one sentence. */
export function exposureSentence(exposure: number): string {
  if (exposure >= 1 - 1e-9) return 'Full exposure: the risky target is kept as the model set it.';
  return `Exposure kept: ${formatPercent(exposure, 0)} of the risky target; ${formatPercent(1 - exposure, 0)} of it moved to cash.`;
}

/**
 * Whether a low score is the bad end. The engine's certainty falls when the model grows unsure, so trip < warn;
 * a metric defined the other way round (trip > warn) is drawn mirrored rather than wrongly.
 */
export function lowIsBad(t: BreakerInfo['thresholds']): boolean {
  return t.trip <= t.warn;
}

/** The thresholds in words, e.g. "Caution below -1.50 · De-risk below -2.50 · Steps back above -0.50". */
export function thresholdSentence(t: BreakerInfo['thresholds']): string {
  const [worse, better] = lowIsBad(t) ? ['below', 'above'] : ['above', 'below'];
  return `Caution ${worse} ${formatScore(t.warn)} · De-risk ${worse} ${formatScore(t.trip)} · Steps back ${better} ${formatScore(t.reset)}`;
}

export interface GaugeZone {
  tone: Tone;
  /** Fractions of the gauge's width, 0 at the left. */
  from: number;
  to: number;
}
export interface GaugeMarker {
  key: 'warn' | 'trip' | 'reset';
  label: string;
  value: number;
  position: number;
}
export interface GaugeLayout {
  min: number;
  max: number;
  zones: GaugeZone[];
  markers: GaugeMarker[];
  /** Where the certainty score sits (null when the score is not a finite number). */
  value: number | null;
  lowIsBad: boolean;
}

/**
 * A horizontal bullet gauge: red, amber and green zones split at trip and warn, a tick at reset, and the score.
 * The scale spans the thresholds and the score with a margin, so the score never sits on the gauge's edge.
 */
export function gaugeLayout(certainty: number | null, t: BreakerInfo['thresholds']): GaugeLayout {
  const finite = certainty !== null && Number.isFinite(certainty);
  const points = [t.warn, t.trip, t.reset, ...(finite ? [certainty] : [])].filter(Number.isFinite);
  let lo = Math.min(...points);
  let hi = Math.max(...points);
  const span = hi - lo;
  const pad = span > 0 ? span * 0.2 : Math.max(1, Math.abs(lo) * 0.5);
  lo -= pad;
  hi += pad;
  const at = (v: number) => Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  const low = lowIsBad(t);
  const trip = at(t.trip);
  const warn = at(t.warn);
  const zones: GaugeZone[] = low
    ? [
        { tone: 'bad', from: 0, to: trip },
        { tone: 'warn', from: trip, to: warn },
        { tone: 'ok', from: warn, to: 1 },
      ]
    : [
        { tone: 'ok', from: 0, to: warn },
        { tone: 'warn', from: warn, to: trip },
        { tone: 'bad', from: trip, to: 1 },
      ];
  return {
    min: lo,
    max: hi,
    zones,
    markers: [
      { key: 'trip', label: 'De-risk', value: t.trip, position: trip },
      { key: 'warn', label: 'Caution', value: t.warn, position: warn },
      { key: 'reset', label: 'Reset', value: t.reset, position: at(t.reset) },
    ],
    value: finite ? at(certainty) : null,
    lowIsBad: low,
  };
}

// ---------- attribution ----------

export interface AttributionRow {
  ticker: string;
  isCash: boolean;
  change: number;
  /** One per attribution group, in the groups' order. */
  parts: number[];
  sum: number;
  /** sum − change: zero up to rounding when the Shapley values are efficient. */
  residual: number;
  riskBefore: number | null;
  riskAfter: number | null;
}

export interface AttributionTableModel {
  groups: { key: string; label: string }[];
  rows: AttributionRow[];
  total: AttributionRow;
  /** Largest |sum − change| over the rows. */
  maxResidual: number;
}

/** Tolerance for "the parts add up": far below the 0.01 pp the table shows. */
export const ATTRIBUTION_TOLERANCE = 1e-6;

/** Rows of the attribution table: assets in the server's order, cash last, a total row; each row summed. */
export function attributionTable(a: Attribution): AttributionTableModel {
  const groups = a.groups;
  const row = (ticker: string, isCash: boolean, change: number, contributions: Record<string, number>, before: number | null, after: number | null): AttributionRow => {
    const parts = groups.map((g) => contributions[g.key] ?? 0);
    const sum = parts.reduce((s, x) => s + x, 0);
    return { ticker, isCash, change, parts, sum, residual: sum - change, riskBefore: before, riskAfter: after };
  };
  const rows = [
    ...a.assets.map((x) => row(x.ticker, false, x.change, x.contributions, x.riskContributionBefore, x.riskContributionAfter)),
    row('Cash', true, a.cash.change, a.cash.contributions, null, null),
  ];
  const add = (pick: (r: AttributionRow) => number) => rows.reduce((s, r) => s + pick(r), 0);
  const assetRows = rows.filter((r) => !r.isCash);
  const total: AttributionRow = {
    ticker: 'Total',
    isCash: false,
    change: add((r) => r.change),
    parts: groups.map((_, i) => add((r) => r.parts[i] ?? 0)),
    sum: add((r) => r.sum),
    residual: add((r) => r.residual),
    riskBefore: assetRows.reduce((s, r) => s + (r.riskBefore ?? 0), 0),
    riskAfter: assetRows.reduce((s, r) => s + (r.riskAfter ?? 0), 0),
  };
  return { groups, rows, total, maxResidual: Math.max(0, ...rows.map((r) => Math.abs(r.residual))) };
}

// ---------- generating ----------

export type EngineChoice = 'bayesian' | 'baseline';

export interface OverrideForm {
  enabled: boolean;
  state: BreakerStateName;
  reason: string;
  by: string;
}

export interface GenerateRequest {
  engine: EngineChoice;
  override: OverrideForm;
}

/** The contract's own minimum for an override reason (api.ts: trim().min(3)). */
export const MIN_OVERRIDE_REASON = 3;

/** Why the override cannot be sent yet, in words; null when it can (or when no override is asked for). */
export function overrideProblem(req: GenerateRequest): string | null {
  if (req.engine !== 'bayesian' || !req.override.enabled) return null;
  if (req.override.reason.trim().length < MIN_OVERRIDE_REASON) return 'Give a reason for overriding the circuit breaker.';
  if (req.override.by.trim() === '') return 'Give your name: the override is recorded in the audit log.';
  return null;
}

/** The `proposals.create` input for a form: the override only goes with the Bayesian engine. */
export function createInput(accountId: string, req: GenerateRequest): MethodInput<'proposals.create'> {
  const input: MethodInput<'proposals.create'> = { accountId, engine: req.engine };
  if (req.engine === 'bayesian' && req.override.enabled) {
    input.breakerOverride = { state: req.override.state, reason: req.override.reason.trim(), by: req.override.by.trim() };
  }
  return input;
}

export function generateLabel(accountId: string, req: Pick<GenerateRequest, 'engine'>): string {
  return `Computing ${req.engine === 'bayesian' ? 'Bayesian' : 'risk-parity baseline'} proposal for ${accountId}`;
}

// ---------- progress ----------

/**
 * The progress line: the step, the count unless the step already says it ("retrain 12 of 80"), and the time
 * spent, so a multi-minute training visibly moves even between steps.
 */
export function progressText(step: string, current: number, total: number, elapsedMs: number | null): string {
  const counted = total > 0 && !step.includes(`${current} of ${total}`) ? ` (${current} / ${total})` : '';
  const elapsed = elapsedMs != null && elapsedMs >= 1000 ? ` · ${formatElapsed(elapsedMs)}` : '';
  return `${step}${counted}${elapsed}`;
}

/** 4 s, 2 min 05 s, 1 h 02 min. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
