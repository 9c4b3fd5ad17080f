import { describe, expect, it } from 'vitest';
import { baselineProposal, bayesianProposal } from '../bayesian.fixture';
import { forecastChartOption, forecastPoints, forecastTooltipHtml, weightsChartOption } from './options';

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
