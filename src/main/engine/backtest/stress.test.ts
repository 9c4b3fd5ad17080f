import { describe, expect, it } from 'vitest';
import type { BacktestResult } from './backtest';
import { equalWeightIndex, findStressWindows, windowDrawdown } from './stress';
import { panelFromRows } from './testSupport';

/** Index path from segments of [days, total move]: geometric steps within a segment. */
function path(segments: [number, number][]): number[] {
  const out = [100];
  for (const [days, move] of segments) {
    const step = (1 + move) ** (1 / days);
    for (let d = 0; d < days; d++) out.push(out[out.length - 1]! * step);
  }
  return out;
}

describe('findStressWindows', () => {
  // Row numbers of each segment's end in the comments.
  const level = path([
    [20, 0.2], // → 20 peak
    [20, -0.3], // → 40 trough (−30 %)
    [30, 0.5], // → 70, a new high
    [10, -0.1], // → 80 (−10 %)
    [20, 0.15], // → 100
    [3, -0.15], // → 103, a sharp three-day fall
    [18, 0.3], // → 121, a new high
    [15, -0.2], // → 136 (−20 %)
    [30, 0.1], // → 166
  ]);
  const panel = panelFromRows(level.map((p) => [p]));

  it('finds the worst non-overlapping peak-to-trough episodes, worst first, with exact depths', () => {
    const windows = findStressWindows(panel, 3, 3);
    expect(windows.map((w) => [w.from, w.to])).toEqual([
      [panel.dates[20], panel.dates[40]],
      [panel.dates[121], panel.dates[136]],
      [panel.dates[100], panel.dates[103]],
    ]);
    expect(windows.map((w) => w.drawdown)).toEqual([
      expect.closeTo(0.3, 12),
      expect.closeTo(0.2, 12),
      expect.closeTo(0.15, 12),
    ]);
    expect(windows[0]!.name).toContain('−30.0 %');
    expect(findStressWindows(panel, 5, 3).map((w) => w.to)).toEqual([40, 136, 103, 80].map((t) => panel.dates[t]));
  });

  it('widens a window shorter than minDays back to the highest point minDays before the trough', () => {
    const windows = findStressWindows(panel, 4, 5);
    expect(windows.map((w) => [w.from, w.to])).toEqual([
      [panel.dates[20], panel.dates[40]],
      [panel.dates[121], panel.dates[136]],
      [panel.dates[98], panel.dates[103]],
      [panel.dates[70], panel.dates[80]],
    ]);
    // Row 98 sits two 0.7 % steps below row 100.
    expect(windows[2]!.drawdown).toBeCloseTo(1 - 0.85 * 1.15 ** (2 / 20), 12);
  });

  it('finds a crash inside an earlier, unrecovered one', () => {
    // −50 %, a rally that stays below the first peak (0.8 of it), then −30 % — not below the first trough, so it
    // is a crash of its own; splitting at recoveries would have merged it into the first.
    const nested = panelFromRows(path([[10, 0.1], [30, -0.5], [40, 0.6], [20, -0.3], [10, 0.05]]).map((p) => [p]));
    const windows = findStressWindows(nested, 2);
    expect(windows.map((w) => [w.from, w.to])).toEqual([
      [nested.dates[10], nested.dates[40]],
      [nested.dates[80], nested.dates[100]],
    ]);
    expect(windows[1]!.drawdown).toBeCloseTo(0.3, 12);
  });

  it('builds the equal-weight index over the assets priced on both days', () => {
    const rows = [
      [100, Number.NaN],
      [110, Number.NaN],
      [121, 50],
      [121, 60],
    ];
    const index = equalWeightIndex(panelFromRows(rows));
    expect(Array.from(index)).toEqual([1, expect.closeTo(1.1, 14), expect.closeTo(1.21, 14), expect.closeTo(1.21 * 1.1, 14)]);
  });
});

describe('windowDrawdown', () => {
  it('measures the equity curve inside the window only', () => {
    const equity = [1, 1.2, 0.9, 1.1, 1.0, 1.3, 1.17];
    const dates = panelFromRows(equity.map((e) => [e])).dates;
    const result = { daily: equity.map((e, k) => ({ date: dates[k]!, equity: e, cashWeight: 0, breaker: null })) } as unknown as BacktestResult;
    expect(windowDrawdown(result, dates[0]!, dates[6]!)).toBeCloseTo(0.25, 14);
    expect(windowDrawdown(result, dates[3]!, dates[6]!)).toBeCloseTo(0.1, 14);
    expect(windowDrawdown(result, '1990-01-01', '1990-12-31')).toBeNaN();
  });
});
