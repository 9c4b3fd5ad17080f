/**
 * Walk-forward backtest: a strategy's decisions replayed over a price panel with the accounting of a real
 * account — whole positions held in units between rebalances, costs paid from cash, cash earning its rate.
 *
 * Day t (from the first decision date to the last date), in this order:
 *  1. Cash earns one day of interest at the rate in force the day before: cash ×= 1 + cashRate[t−1]/252 (the
 *     T-bill yield known at yesterday's close is what is earned overnight; 0 without a rate series or a NaN).
 *  2. Positions are marked at today's close. A held asset without a price today keeps its last close (a missing
 *     print does not make a position worthless).
 *  3. On a decision date the strategy sees the panel truncated at t (`panelUpTo`: rows 0..t only, zero-copy views,
 *     so it cannot read the future even by accident) and the current drifted weights, and returns targets.
 *     Trades execute at today's close. Costs = costBpsPerSide × |traded value|, charged once, from cash.
 *     Trading "to target" means the post-trade weights equal the targets as fractions of the post-cost value:
 *     V' = V − c·Σ|w_i·V' − h_i| is solved by fixed-point iteration (a contraction, since c·Σw < 1).
 *  4. equity_t = Σ units_i × price_i + cash, recorded every day.
 *
 * Rules that keep the accounting honest:
 *  - Long-only, unlevered: targets must be finite, ≥ 0 and sum to ≤ 1 (cash = 1 − Σ), or the run is refused
 *    with BallastError('BAD_INPUT') naming the strategy and date.
 *  - An asset without a price on a decision date cannot be traded that day: its holding (usually none) is left
 *    as it is and its target is ignored, so the weight meant for it stays in cash. Such assets are listed in
 *    the rebalance's `untradeable`. Strategies should give them 0.
 *  - If the assets that are not traded (untradeable, inside their band, or under the minimum trade) plus the
 *    traded targets would need more than the account's value, the traded targets are scaled down pro rata so
 *    cash never goes negative.
 *  - Rebalancing 'calendar': decide every `everyDays` trading days from the first decision date and trade every
 *    asset whose |target − current| ≥ minTradeWeight to its target. 'bands': targets are refreshed on the same
 *    schedule; on any day (the refresh days included) the assets with |weight − target| > bandWidth are traded,
 *    to the nearer band edge or to target (`bandTarget`). The first decision always trades to target: an account
 *    that starts in cash has nothing to drift from.
 *  - Performance is measured from the close of the first decision date, after the initial purchase; that
 *    purchase's cost is in `costDrag`, but not in `turnover` (otherwise a one-year run would report ≥ 100 %
 *    turnover from funding alone).
 */
import type { BreakerStateName } from '../../../shared/domain';
import { BallastError } from '../../../shared/errors';
import type { RebalanceRule } from '../../../shared/strategy';
import { type PricePanel, indexAtOrBefore } from '../features/panel';
import { type PerformanceMetrics, performanceMetrics } from './metrics';

export interface RebalanceDecision {
  /** Risky target weight per asset (panel column order), fractions of total value; cash = 1 − Σ. */
  weights: Float64Array;
  breaker?: { state: BreakerStateName; certainty: number };
}

export interface BacktestStrategy {
  name: string;
  /**
   * Called on each decision date t (an index into the full panel). `panel` is the panel truncated at t (rows
   * 0..t), so `panel.dates[t]` is today and there is no row t + 1. `current` = weights now, after drift.
   */
  decide(t: number, current: Float64Array, panel: PricePanel): RebalanceDecision;
}

export type BacktestProgress = (step: string, current: number, total: number) => void;

export interface BacktestOptions {
  /** First date considered (ISO); the first decision is on the first trading date ≥ from and ≥ warm-up. */
  from?: string;
  /** Last date (ISO), inclusive. */
  to?: string;
  rebalance: RebalanceRule;
  costBpsPerSide: number;
  /** Trades smaller than this weight are skipped (default 0). */
  minTradeWeight?: number;
  /** Starting cash (default 1): equity is then a growth-of-1 curve. */
  initialCapital?: number;
  /** No decision before this row index, so strategies have history to estimate from (default 252). */
  warmupDays?: number;
  /** Keep units and cash per day in `result.holdings` (T × N); off by default to keep results small. */
  recordHoldings?: boolean;
  onProgress?: BacktestProgress;
  /** Checked on decision dates; an aborted run throws BallastError('CANCELLED'). */
  signal?: { readonly aborted: boolean };
}

export interface BacktestDay {
  date: string;
  equity: number;
  cashWeight: number;
  /** State reported by the latest decision, null before any or when the strategy has no breaker. */
  breaker: BreakerStateName | null;
}

export interface BacktestRebalance {
  date: string;
  /** Why trades were considered: a scheduled decision, or a band breach between decisions. */
  trigger: 'schedule' | 'band';
  /** Post-trade weights by ticker (every ticker, zeros included). */
  weights: Record<string, number>;
  /** One-way turnover: ½ Σ|traded value| / portfolio value before the trade. */
  turnover: number;
  /** Cost paid, as a fraction of portfolio value before the trade. */
  cost: number;
  /** Tickers that could not be traded (no price that day) although the target asked for a change. */
  untradeable?: string[];
}

export interface BacktestResult {
  strategy: string;
  from: string;
  to: string;
  tickers: string[];
  daily: BacktestDay[];
  rebalances: BacktestRebalance[];
  metrics: PerformanceMetrics;
  breaker: {
    /** Fraction of the backtest's days spent in each state (days before the first report count in none). */
    timeInState: Record<BreakerStateName, number>;
    events: { date: string; from: BreakerStateName; to: BreakerStateName }[];
  } | null;
  /** Only with `recordHoldings`: units per day (row-major, days × N) and cash per day. */
  holdings?: { units: Float64Array; cash: Float64Array };
}

const WEIGHT_TOLERANCE = 1e-9;

export function runBacktest(panel: PricePanel, strategy: BacktestStrategy, options: BacktestOptions): BacktestResult {
  const n = panel.tickers.length;
  const { start, end } = validate(panel, strategy, options);
  const rule = options.rebalance;
  const costRate = options.costBpsPerSide / 10_000;
  const minTrade = options.minTradeWeight ?? 0;
  const prices = panel.prices.data;
  const days = end - start + 1;

  const units = new Float64Array(n);
  const lastPrice = new Float64Array(n).fill(Number.NaN);
  const pricedToday = new Uint8Array(n);
  const weightsNow = new Float64Array(n);
  const target = new Float64Array(n);
  const desired = new Float64Array(n);
  let cash = options.initialCapital ?? 1;

  const equity = new Float64Array(days);
  const cashReturns = new Float64Array(days);
  const daily: BacktestDay[] = new Array<BacktestDay>(days);
  const rebalances: BacktestRebalance[] = [];
  const heldUnits = options.recordHoldings ? new Float64Array(days * n) : undefined;
  const heldCash = options.recordHoldings ? new Float64Array(days) : undefined;
  let tradedAfterFunding = 0;
  let totalCosts = 0;

  let breakerState: BreakerStateName | null = null;
  let breakerSeen = false;
  const stateDays: Record<BreakerStateName, number> = { NORMAL: 0, CAUTION: 0, DE_RISKED: 0 };
  const breakerEvents: { date: string; from: BreakerStateName; to: BreakerStateName }[] = [];

  /** Marks positions at today's close (last close for unpriced holdings); fills weightsNow; returns the value. */
  const markToMarket = (t: number): number => {
    let value = cash;
    const row = t * n;
    for (let i = 0; i < n; i++) {
      const p = prices[row + i]!;
      const priced = p > 0 && p < Infinity;
      pricedToday[i] = priced ? 1 : 0;
      if (priced) lastPrice[i] = p;
      if (units[i] !== 0) value += units[i]! * lastPrice[i]!;
    }
    for (let i = 0; i < n; i++) weightsNow[i] = units[i] === 0 ? 0 : (units[i]! * lastPrice[i]!) / value;
    return value;
  };

  /**
   * Trades the assets with a finite `desired` weight (NaN = leave as is) to that weight of the post-cost value.
   * Returns ½Σ|traded|/V, cost/V and the tickers that wanted a trade but have no price today.
   */
  const execute = (value: number): { turnover: number; cost: number; untradeable: string[] } => {
    const untradeable: string[] = [];
    const traded: number[] = [];
    let untradedValue = 0;
    let tradedWeight = 0;
    for (let i = 0; i < n; i++) {
      const w = desired[i]!;
      const held = units[i] === 0 ? 0 : units[i]! * lastPrice[i]!;
      const wants = !Number.isNaN(w) && Math.abs(w - weightsNow[i]!) >= minTrade && w !== weightsNow[i];
      if (wants && !pricedToday[i]) untradeable.push(panel.tickers[i]!);
      if (wants && pricedToday[i]) {
        traded.push(i);
        tradedWeight += w;
      } else untradedValue += held;
    }
    if (traded.length === 0) return { turnover: 0, cost: 0, untradeable };

    let scale = 1;
    let valueAfter = value;
    for (let pass = 0; pass < 3; pass++) {
      valueAfter = value;
      for (let iteration = 0; iteration < 50; iteration++) {
        let tradedMoney = 0;
        for (const i of traded) tradedMoney += Math.abs(scale * desired[i]! * valueAfter - units[i]! * lastPrice[i]!);
        const next = value - costRate * tradedMoney;
        const settled = Math.abs(next - valueAfter) <= 1e-15 * value;
        valueAfter = next;
        if (settled) break;
      }
      const cashAfter = valueAfter - scale * tradedWeight * valueAfter - untradedValue;
      if (cashAfter >= -1e-12 * value || tradedWeight === 0 || pass === 2) break;
      // Held positions left alone already use up the account: shrink the traded targets so cash stays ≥ 0.
      scale *= Math.max(0, (valueAfter - untradedValue) / (scale * tradedWeight * valueAfter));
    }

    let tradedMoney = 0;
    let netFlow = 0;
    for (const i of traded) {
      const p = lastPrice[i]!;
      const newUnits = (scale * desired[i]! * valueAfter) / p;
      const flow = (newUnits - units[i]!) * p;
      units[i] = newUnits;
      netFlow += flow;
      tradedMoney += Math.abs(flow);
    }
    const cost = costRate * tradedMoney;
    cash -= netFlow + cost;
    return { turnover: tradedMoney / value / 2, cost: cost / value, untradeable };
  };

  const recordRebalance = (
    t: number,
    trigger: 'schedule' | 'band',
    outcome: { turnover: number; cost: number; untradeable: string[] },
    equityAfter: number,
  ): void => {
    const weights: Record<string, number> = {};
    for (let i = 0; i < n; i++) weights[panel.tickers[i]!] = units[i] === 0 ? 0 : (units[i]! * lastPrice[i]!) / equityAfter;
    rebalances.push({
      date: panel.dates[t]!,
      trigger,
      weights,
      turnover: outcome.turnover,
      cost: outcome.cost,
      ...(outcome.untradeable.length > 0 ? { untradeable: outcome.untradeable } : {}),
    });
  };

  const holdingsValue = (): number => {
    let value = cash;
    for (let i = 0; i < n; i++) if (units[i] !== 0) value += units[i]! * lastPrice[i]!;
    return value;
  };

  for (let t = start; t <= end; t++) {
    const k = t - start;
    if (k > 0) {
      const rate = panel.cashRate ? panel.cashRate[t - 1]! : 0;
      const dailyRate = Number.isFinite(rate) ? rate / 252 : 0;
      cash += cash * dailyRate;
      cashReturns[k] = dailyRate;
    }
    const value = markToMarket(t);
    const scheduled = k % rule.everyDays === 0;
    let trigger: 'schedule' | 'band' | undefined;

    if (scheduled) {
      if (options.signal?.aborted) throw new BallastError('CANCELLED', 'The backtest was cancelled.');
      const decision = strategy.decide(t, weightsNow.slice(), panelUpTo(panel, t));
      checkWeights(decision.weights, n, strategy.name, panel.dates[t]!);
      target.set(decision.weights);
      for (let i = 0; i < n; i++) if (target[i]! < 0) target[i] = 0; // tolerated rounding below 0
      if (decision.breaker) {
        breakerSeen = true;
        const next = decision.breaker.state;
        if (breakerState !== null && next !== breakerState) {
          breakerEvents.push({ date: panel.dates[t]!, from: breakerState, to: next });
        }
        breakerState = next;
      }
      trigger = 'schedule';
      if (rule.mode === 'calendar' || k === 0) desired.set(target);
      else fillBandTrades(rule, target, weightsNow, pricedToday, desired);
      options.onProgress?.('backtest', k + 1, days);
    } else if (rule.mode === 'bands' && fillBandTrades(rule, target, weightsNow, pricedToday, desired)) {
      trigger = 'band';
    }

    if (trigger !== undefined) {
      const outcome = execute(value);
      const after = holdingsValue();
      if (trigger === 'schedule' || outcome.turnover > 0) recordRebalance(t, trigger, outcome, after);
      if (k > 0) tradedAfterFunding += 2 * outcome.turnover;
      totalCosts += outcome.cost;
    }

    const e = holdingsValue();
    equity[k] = e;
    if (breakerState !== null) stateDays[breakerState]++;
    daily[k] = { date: panel.dates[t]!, equity: e, cashWeight: cash / e, breaker: breakerState };
    if (heldUnits && heldCash) {
      heldUnits.set(units, k * n);
      heldCash[k] = cash;
    }
  }

  const dates = panel.dates.slice(start, end + 1);
  const metrics = performanceMetrics(dates, equity, cashReturns, { traded: tradedAfterFunding, costs: totalCosts });
  const timeInState: Record<BreakerStateName, number> = {
    NORMAL: stateDays.NORMAL / days,
    CAUTION: stateDays.CAUTION / days,
    DE_RISKED: stateDays.DE_RISKED / days,
  };
  return {
    strategy: strategy.name,
    from: panel.dates[start]!,
    to: panel.dates[end]!,
    tickers: [...panel.tickers],
    daily,
    rebalances,
    metrics,
    breaker: breakerSeen ? { timeInState, events: breakerEvents } : null,
    ...(heldUnits && heldCash ? { holdings: { units: heldUnits, cash: heldCash } } : {}),
  };
}

/**
 * Band rule: `desired` gets the band edge or target for the priced assets outside ±bandWidth of their target,
 * NaN for the rest. Returns whether any asset is outside its band.
 */
function fillBandTrades(
  rule: RebalanceRule,
  target: Float64Array,
  weights: Float64Array,
  priced: Uint8Array,
  desired: Float64Array,
): boolean {
  let any = false;
  for (let i = 0; i < target.length; i++) {
    const gap = weights[i]! - target[i]!;
    // The small allowance keeps float noise on an asset sitting exactly on its edge from counting as a breach.
    if (priced[i] && Math.abs(gap) > rule.bandWidth + 1e-12) {
      any = true;
      desired[i] =
        rule.bandTarget === 'edge' ? Math.max(0, target[i]! + Math.sign(gap) * rule.bandWidth) : target[i]!;
    } else desired[i] = Number.NaN;
  }
  return any;
}

/**
 * The panel as it stood at the close of row t: rows 0..t of every time series, as zero-copy views (only the
 * date list is copied). What a causal stage may see on date t.
 */
export function panelUpTo(panel: PricePanel, t: number): PricePanel {
  const rows = t + 1;
  const cols = panel.prices.cols;
  const view: PricePanel = {
    dates: panel.dates.slice(0, rows),
    tickers: panel.tickers,
    prices: { rows, cols, data: panel.prices.data.subarray(0, rows * cols) },
  };
  if (panel.assetClasses) view.assetClasses = panel.assetClasses;
  if (panel.indicators) {
    const k = panel.indicators.values.cols;
    view.indicators = {
      names: panel.indicators.names,
      values: { rows, cols: k, data: panel.indicators.values.data.subarray(0, rows * k) },
    };
  }
  if (panel.cashRate) view.cashRate = panel.cashRate.subarray(0, rows);
  return view;
}

function checkWeights(weights: Float64Array, n: number, strategy: string, date: string): void {
  if (!(weights instanceof Float64Array) || weights.length !== n) {
    throw new BallastError('BAD_INPUT', `Strategy "${strategy}" returned ${weights?.length} weights on ${date} for ${n} assets.`);
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (!Number.isFinite(w) || w < -WEIGHT_TOLERANCE) {
      throw new BallastError(
        'BAD_INPUT',
        `Strategy "${strategy}" returned weight ${w} for asset ${i + 1} on ${date}; weights must be finite and ≥ 0 (long-only).`,
        { strategy, date, index: i, weight: w },
      );
    }
    total += w;
  }
  if (total > 1 + WEIGHT_TOLERANCE) {
    throw new BallastError(
      'BAD_INPUT',
      `Strategy "${strategy}" asked for ${(total * 100).toFixed(4)} % invested on ${date}; the backtest does not borrow (Σ weights ≤ 1).`,
      { strategy, date, total },
    );
  }
}

function validate(panel: PricePanel, strategy: BacktestStrategy, options: BacktestOptions): { start: number; end: number } {
  const t = panel.dates.length;
  const n = panel.tickers.length;
  if (panel.prices.rows !== t || panel.prices.cols !== n) {
    throw new BallastError('BAD_INPUT', `prices are ${panel.prices.rows}×${panel.prices.cols} for ${t} dates × ${n} tickers`);
  }
  if (panel.cashRate && panel.cashRate.length !== t) {
    throw new BallastError('BAD_INPUT', `cash rate has ${panel.cashRate.length} values for ${t} dates`);
  }
  const { rebalance } = options;
  if (!Number.isInteger(rebalance.everyDays) || rebalance.everyDays < 1) {
    throw new BallastError('BAD_INPUT', `rebalance every ${rebalance.everyDays} days: must be a whole number ≥ 1`);
  }
  if (!(rebalance.bandWidth >= 0)) throw new BallastError('BAD_INPUT', `band width ${rebalance.bandWidth} must be ≥ 0`);
  if (!(options.costBpsPerSide >= 0) || !Number.isFinite(options.costBpsPerSide)) {
    throw new BallastError('BAD_INPUT', `cost of ${options.costBpsPerSide} bps per side: must be a number ≥ 0`);
  }
  if (options.minTradeWeight !== undefined && !(options.minTradeWeight >= 0)) {
    throw new BallastError('BAD_INPUT', `minimum trade weight ${options.minTradeWeight} must be ≥ 0`);
  }
  const capital = options.initialCapital ?? 1;
  if (!(capital > 0) || !Number.isFinite(capital)) {
    throw new BallastError('BAD_INPUT', `initial capital ${capital} must be a positive number`);
  }
  const warmup = options.warmupDays ?? 252;
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new BallastError('BAD_INPUT', `warm-up of ${warmup} days must be a whole number ≥ 0`);
  }
  let start = warmup;
  if (options.from !== undefined) {
    const before = indexAtOrBefore(panel.dates, options.from);
    start = Math.max(start, before >= 0 && panel.dates[before] === options.from ? before : before + 1);
  }
  const end = options.to === undefined ? t - 1 : indexAtOrBefore(panel.dates, options.to);
  if (start > end || start >= t) {
    throw new BallastError(
      'INSUFFICIENT_DATA',
      `No trading days to backtest "${strategy.name}": the data has ${t} dates (${panel.dates[0] ?? '–'} to ` +
        `${panel.dates[t - 1] ?? '–'}), the warm-up needs ${warmup}` +
        `${options.from ? `, from ${options.from}` : ''}${options.to ? `, to ${options.to}` : ''}.`,
      { dates: t, warmupDays: warmup, from: options.from, to: options.to },
    );
  }
  return { start, end };
}
