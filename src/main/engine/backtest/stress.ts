/**
 * Stress windows found in the data: the universe's worst peak-to-trough episodes, so every backtest can be read
 * in the markets that hurt most (2008, March 2020, 2022 on US data) without naming them by hand.
 *
 * The universe is summarised by its equal-weight index, rebalanced daily over the assets priced on both days
 * (so listings and gaps neither jump nor break it). Episodes are found greedily: the deepest drawdown of the
 * whole series (peak before trough, at least `minDays` apart), then the deepest in what lies before its peak
 * and after its trough, and so on. Unlike splitting the series at recoveries, this still finds a crash that
 * starts before an earlier one has been recovered, as long as it does not fall below the earlier trough; one that
 * does is, by definition of peak-to-trough, part of the same (longer, deeper) episode.
 */
import { maxDrawdownOf } from './metrics';
import type { BacktestResult } from './backtest';
import type { PricePanel } from '../features/panel';

export interface StressWindow {
  name: string;
  /** Peak date (ISO). */
  from: string;
  /** Trough date (ISO). */
  to: string;
  /** Fall of the equal-weight index from peak to trough, positive fraction. */
  drawdown: number;
}

/** Equal-weight index level per date (1 on the first date with any price; NaN before). */
export function equalWeightIndex(panel: PricePanel): Float64Array {
  const { rows: t, cols: n, data } = panel.prices;
  const level = new Float64Array(t).fill(Number.NaN);
  let started = false;
  for (let s = 0; s < t; s++) {
    if (!started) {
      for (let i = 0; i < n && !started; i++) started = isPrice(data[s * n + i]!);
      if (started) level[s] = 1;
      continue;
    }
    let sum = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const before = data[(s - 1) * n + i]!;
      const now = data[s * n + i]!;
      if (isPrice(before) && isPrice(now)) {
        sum += now / before - 1;
        count++;
      }
    }
    level[s] = level[s - 1]! * (1 + (count > 0 ? sum / count : 0));
  }
  return level;
}

/**
 * The `count` worst non-overlapping peak-to-trough episodes of the universe's equal-weight index, worst first.
 * `minDays`: least number of trading days from peak to trough (default 5), so each window is long enough for a
 * strategy's response (a rebalance, the breaker) to show; a sharper fall is measured from the highest point at
 * least `minDays` before its trough. Episodes shallower than 1 % are not reported.
 */
export function findStressWindows(panel: PricePanel, count = 3, minDays = 5): StressWindow[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`stress window count must be a whole number ≥ 0, got ${count}`);
  if (!Number.isInteger(minDays) || minDays < 1) throw new Error(`minDays must be a whole number ≥ 1, got ${minDays}`);
  const level = equalWeightIndex(panel);
  let first = 0;
  while (first < level.length && Number.isNaN(level[first]!)) first++;

  const found: { peak: number; trough: number; drawdown: number }[] = [];
  const segments: [number, number][] = [[first, level.length - 1]];
  // Each round takes the deepest episode of any remaining segment; segments only shrink, so this ends.
  while (found.length < count) {
    let best: { peak: number; trough: number; drawdown: number; segment: number } | undefined;
    segments.forEach(([from, to], segment) => {
      const episode = deepestDrawdown(level, from, to, minDays);
      if (episode && (!best || episode.drawdown > best.drawdown)) best = { ...episode, segment };
    });
    if (!best || best.drawdown < 0.01) break;
    found.push(best);
    const [from, to] = segments[best.segment]!;
    segments.splice(best.segment, 1, [from, best.peak - 1], [best.trough + 1, to]);
  }

  found.sort((a, b) => b.drawdown - a.drawdown);
  return found.map(({ peak, trough, drawdown }) => ({
    name: `Equal-weight drawdown ${panel.dates[peak]!.slice(0, 7)} to ${panel.dates[trough]!.slice(0, 7)} (−${(drawdown * 100).toFixed(1)} %)`,
    from: panel.dates[peak]!,
    to: panel.dates[trough]!,
    drawdown,
  }));
}

/**
 * Max drawdown of a backtest's equity curve inside [from, to] (inclusive, ISO dates), the peak taken inside
 * the window too. NaN when the window and the backtest share no date.
 */
export function windowDrawdown(result: BacktestResult, from: string, to: string): number {
  const equity: number[] = [];
  for (const day of result.daily) if (day.date >= from && day.date <= to) equity.push(day.equity);
  if (equity.length === 0) return Number.NaN;
  return maxDrawdownOf(equity, 0, equity.length);
}

/** Deepest fall level[trough] / level[peak] − 1 with from ≤ peak ≤ trough − minDays, trough ≤ to. */
function deepestDrawdown(
  level: Float64Array,
  from: number,
  to: number,
  minDays: number,
): { peak: number; trough: number; drawdown: number } | undefined {
  let peak = -1;
  let best: { peak: number; trough: number; drawdown: number } | undefined;
  for (let trough = from + minDays; trough <= to; trough++) {
    // Candidate peaks enter the running maximum minDays behind the trough.
    const candidate = trough - minDays;
    if (peak < 0 || level[candidate]! > level[peak]!) peak = candidate;
    const drawdown = 1 - level[trough]! / level[peak]!;
    if (drawdown > 0 && (!best || drawdown > best.drawdown)) best = { peak, trough, drawdown };
  }
  return best;
}

function isPrice(p: number): boolean {
  return p > 0 && p < Infinity;
}
