import { type Proposal } from '../../../shared/domain';
import { type ChartOption } from './echarts';

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
const round = (value: number) => Math.round(value * 1e6) / 1e6;

/** Tickers side by side stop fitting past a handful of bars in a half-width chart: tilt them then. */
function categoryAxis(categories: string[], crowdedAt: number) {
  const crowded = categories.length > crowdedAt;
  return {
    xAxis: { type: 'category' as const, data: categories, axisLabel: { interval: 0, rotate: crowded ? 45 : 0, fontSize: 11 } },
    grid: { left: 48, right: 12, top: 32, bottom: crowded ? 52 : 28 },
  };
}

const tooltipPercent = (value: unknown) => (typeof value === 'number' ? `${(value * 100).toFixed(2)} %` : String(value));

/** Current, target and post-trade weight per ticker, with cash as the last category. */
export function weightsChartOption(proposal: Proposal): ChartOption {
  const categories = [...proposal.assets.map((a) => a.ticker), 'Cash'];
  type Asset = Proposal['assets'][number];
  const bars = (name: string, pick: (a: Asset) => number, cash: number, color: string) => ({
    type: 'bar' as const,
    name,
    data: [...proposal.assets.map((a) => round(pick(a))), round(cash)],
    itemStyle: { color },
  });
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: tooltipPercent },
    legend: { top: 0 },
    ...categoryAxis(categories, 14),
    yAxis: { type: 'value', axisLabel: { formatter: percent } },
    series: [
      bars('Current', (a) => a.currentWeight, proposal.cash.currentWeight, '#8a94a6'),
      bars('Target', (a) => a.targetWeight, proposal.cash.targetWeight, '#1f5fbf'),
      bars('Post-trade', (a) => a.postTradeWeight, proposal.cash.postTradeWeight, '#2e9d6b'),
    ],
  };
}

/** Each asset's share of portfolio variance at the target weights, against its risk budget. */
export function riskChartOption(proposal: Proposal): ChartOption {
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: tooltipPercent },
    legend: { top: 0 },
    ...categoryAxis(
      proposal.assets.map((a) => a.ticker),
      8,
    ),
    yAxis: { type: 'value', axisLabel: { formatter: percent } },
    series: [
      { type: 'bar', name: 'Risk contribution', data: proposal.assets.map((a) => round(a.riskContribution)), itemStyle: { color: '#c46a1b' } },
      { type: 'bar', name: 'Risk budget', data: proposal.assets.map((a) => round(a.riskBudget)), itemStyle: { color: '#d9c7a8' } },
    ],
  };
}
