import { describe, expect, it } from 'vitest';
import { baselineProposal, bayesianProposal } from '../bayesian.fixture';
import { bestSoFar, importanceRows } from '../tuning';
import { surrogateSlice, tuningReport } from '../tuning.fixture';
import {
  forecastChartOption,
  forecastPoints,
  forecastTooltipHtml,
  importanceChartOption,
  surrogateChartOption,
  tuningProgressChartOption,
  weightsChartOption,
} from './options';

const seriesNames = (option: ReturnType<typeof weightsChartOption>) =>
  (Array.isArray(option.series) ? option.series : [option.series]).map((s) => (s as { name?: string }).name);

describe('chart options', () => {
  it('adds the anchor beside current and target only when the proposal has one', () => {
    expect(seriesNames(weightsChartOption(baselineProposal()))).toEqual(['Current', 'Target', 'Post-trade']);
    const option = weightsChartOption(bayesianProposal());
    expect(seriesNames(option)).toEqual(['Current', 'Anchor (risk budgeting)', 'Target', 'Post-trade']);
    const anchor = (option.series as { data: number[] }[])[1]!.data;
    // SPY, TLT, then cash = 1 − Σ anchor.
    expect(anchor).toEqual([0.48, 0.5, 0.02]);
  });

  it('draws a whisker per forecast and a mean point, skipping assets without a forecast', () => {
    const p = bayesianProposal();
    p.assets = [...p.assets, { ...p.assets[0]!, securityId: 3, ticker: 'NEW', forecast: null }];
    expect(forecastPoints(p).map((x) => x.ticker)).toEqual(['SPY', 'TLT']);
    const option = forecastChartOption(p);
    const [interval, mean] = option.series as { type: string; data: unknown[] }[];
    expect(interval!.type).toBe('custom');
    expect(interval!.data).toEqual([
      [0, -0.031, 0.054],
      [1, -0.04, 0.03],
    ]);
    expect(mean!.data).toEqual([0.012, -0.004]);
  });

  it('puts both spreads and the horizon in the tooltip, escaping names', () => {
    const html = forecastTooltipHtml(
      { ticker: 'A<B', name: 'x & y', mean: 0.01, lower90: -0.02, upper90: 0.04, epistemicSd: 0.005, aleatoricSd: 0.02 },
      21,
    );
    expect(html).toContain('A&lt;B');
    expect(html).toContain('x &amp; y');
    expect(html).toContain('Expected return over the next 21 trading days: <b>+1.00 %</b>');
    expect(html).toContain('Model uncertainty (epistemic sd): 0.50 %');
    expect(html).toContain('Market noise (aleatoric sd): 2.00 %');
  });
});

describe('tuning charts', () => {
  type Series = { type: string; name: string; data: unknown[]; stack?: string; stackStrategy?: string };
  const series = (option: { series?: unknown }) => option.series as Series[];

  it('draws a best-so-far step line per search and the tuner’s backtests as dots', () => {
    const option = tuningProgressChartOption(bestSoFar(tuningReport().evaluations), 'sharpe');
    expect(series(option).map((s) => s.name)).toEqual([
      'Best so far: Bayesian optimisation',
      'Best so far: Random search',
      'Best so far: Grid search',
      'Each backtest of the tuner',
      'Broke a limit',
    ]);
    expect(series(option)[0]!.data).toEqual([
      [1, 0.5],
      [2, 0.7],
      [3, 0.7],
      [4, 0.91],
      [5, 0.91],
      [6, 0.91],
    ]);
    // The failed backtest has no value to plot; the one over the drawdown limit is drawn apart.
    expect(series(option)[3]!.data).toEqual([
      [1, 0.5],
      [2, 0.7],
      [4, 0.91],
      [5, 0.8],
    ]);
    expect(series(option)[4]!.data).toEqual([[3, 0.95]]);
  });

  it('shades the surrogate’s band between lower and upper, stacking negative values too', () => {
    const option = surrogateChartOption(surrogateSlice(), 'sharpe');
    const [lower, width, mean, observations] = series(option);
    expect(lower!.data).toEqual([
      [5, -0.1],
      [20, 0.5],
      [40, 0.8],
      [63, 0.3],
    ]);
    expect(width!.data).toEqual([
      [5, 1],
      [20, 0.4],
      [40, 0.2],
      [63, 0.6],
    ]);
    expect([lower!.stack, width!.stack, lower!.stackStrategy]).toEqual(['band', 'band', 'all']);
    expect(mean!.data).toEqual([
      [5, 0.4],
      [20, 0.7],
      [40, 0.9],
      [63, 0.6],
    ]);
    expect(observations!.data).toEqual([
      [10, 0.5],
      [42, 0.91],
    ]);
    expect((option.xAxis as { type: string }).type).toBe('value');
    expect((surrogateChartOption(surrogateSlice('riskAversion'), 'sharpe', 'log').xAxis as { type: string }).type).toBe('log');
  });

  it('draws a choice parameter as a whisker per choice', () => {
    const slice = { ...surrogateSlice('rebalance.mode'), type: 'categorical' as const, x: ['calendar', 'bands'], mean: [0.8, 0.5], lower: [0.6, 0.2], upper: [1, 0.8], observations: [{ x: 'bands', y: 0.4 }] };
    const option = surrogateChartOption(slice, 'sharpe');
    expect((option.xAxis as { data: string[] }).data).toEqual(['on a calendar', 'when weights leave their bands']);
    const [interval, mean, observations] = series(option);
    expect(interval!.data).toEqual([
      [0, 0.6, 1],
      [1, 0.2, 0.8],
    ]);
    expect(mean!.data).toEqual([0.8, 0.5]);
    expect(observations!.data).toEqual([[1, 0.4]]);
  });

  it('puts the most important parameter on top', () => {
    const option = importanceChartOption(importanceRows(tuningReport()));
    expect((option.yAxis as { data: string[] }).data).toEqual(['Rebalancing rule', 'Risk aversion', 'Rebalancing interval']);
    expect(series(option)[0]!.data).toEqual([0.125, 0.25, 0.625]);
  });
});
