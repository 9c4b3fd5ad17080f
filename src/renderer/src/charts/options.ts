import { type CustomSeriesRenderItem, type TooltipComponentFormatterCallbackParams } from 'echarts';
import { type Proposal } from '../../../shared/domain';
import { anchorCashWeight, formatSignedPercent, horizonDays, horizonPhrase } from '../bayesian';
import { formatPercent } from '../format';
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
  // The Bayesian engine tilts from a risk-budgeting anchor: beside current and target it shows how far the forecasts moved.
  const anchorCash = anchorCashWeight(proposal);
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: tooltipPercent },
    legend: { top: 0 },
    ...categoryAxis(categories, anchorCash == null ? 14 : 10),
    yAxis: { type: 'value', axisLabel: { formatter: percent } },
    series: [
      bars('Current', (a) => a.currentWeight, proposal.cash.currentWeight, '#8a94a6'),
      ...(anchorCash == null ? [] : [bars('Anchor (risk budgeting)', (a) => a.anchorWeight ?? 0, anchorCash, '#b39ddb')]),
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

export interface ForecastPoint {
  ticker: string;
  name: string;
  mean: number;
  lower90: number;
  upper90: number;
  epistemicSd: number;
  aleatoricSd: number;
}

/** Assets that have a forecast, in the proposal's order (an asset with too little history may have none). */
export function forecastPoints(proposal: Proposal): ForecastPoint[] {
  return proposal.assets.flatMap((a) => (a.forecast ? [{ ticker: a.ticker, name: a.name, ...a.forecast }] : []));
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** One asset's tooltip: the forecast in words, both spreads named for what they mean. */
export function forecastTooltipHtml(point: ForecastPoint, horizon: number | null): string {
  return [
    `<b>${escapeHtml(point.ticker)}</b> ${escapeHtml(point.name)}`,
    `Expected return ${horizonPhrase(horizon)}: <b>${formatSignedPercent(point.mean)}</b>`,
    `90 % interval: ${formatSignedPercent(point.lower90)} to ${formatSignedPercent(point.upper90)}`,
    `Model uncertainty (epistemic sd): ${formatPercent(point.epistemicSd)}`,
    `Market noise (aleatoric sd): ${formatPercent(point.aleatoricSd)}`,
  ].join('<br/>');
}

const INTERVAL_COLOR = '#5b7db8';

// A whisker per asset: the vertical 90 % interval with short caps, drawn in pixels from the axis coordinates.
const renderInterval: CustomSeriesRenderItem = (_params, api) => {
  const x = api.value(0);
  const top = api.coord([x, api.value(2)]);
  const bottom = api.coord([x, api.value(1)]);
  const band = api.size ? api.size([1, 0]) : 20;
  const half = Math.max(3, Math.min(10, (Array.isArray(band) ? (band[0] ?? 20) : band) * 0.18));
  const [cx = 0, y1 = 0] = top;
  const [, y2 = 0] = bottom;
  const style = { stroke: INTERVAL_COLOR, lineWidth: 2 };
  return {
    type: 'group',
    children: [
      { type: 'line', shape: { x1: cx, y1, x2: cx, y2 }, style },
      { type: 'line', shape: { x1: cx - half, y1, x2: cx + half, y2: y1 }, style },
      { type: 'line', shape: { x1: cx - half, y1: y2, x2: cx + half, y2 }, style },
    ],
  };
};

/** Each asset's expected return over the horizon (a dot) with its 90 % interval (a whisker); nothing annualised. */
export function forecastChartOption(proposal: Proposal): ChartOption {
  const points = forecastPoints(proposal);
  const horizon = horizonDays(proposal);
  const indexOf = (params: TooltipComponentFormatterCallbackParams) => (Array.isArray(params) ? params[0]?.dataIndex : params.dataIndex);
  const axis = categoryAxis(
    points.map((p) => p.ticker),
    14,
  );
  return {
    animation: false,
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params) => {
        const point = points[indexOf(params) ?? -1];
        return point ? forecastTooltipHtml(point, horizon) : '';
      },
    },
    legend: { top: 0 },
    // Tickers stay under the plot, not on the zero line among the whiskers; the y axis always includes zero.
    xAxis: { ...axis.xAxis, axisLine: { onZero: false } },
    grid: axis.grid,
    yAxis: { type: 'value', axisLabel: { formatter: percent } },
    series: [
      {
        type: 'custom',
        name: '90 % interval',
        renderItem: renderInterval,
        encode: { x: 0, y: [1, 2] },
        data: points.map((p, i) => [i, round(p.lower90), round(p.upper90)]),
        itemStyle: { color: INTERVAL_COLOR },
        z: 2,
      },
      {
        type: 'scatter',
        name: 'Expected return',
        data: points.map((p) => round(p.mean)),
        symbolSize: 9,
        itemStyle: { color: '#c46a1b' },
        z: 3,
        markLine: { silent: true, symbol: 'none', label: { show: false }, lineStyle: { color: '#8a94a6', type: 'dashed' }, data: [{ yAxis: 0 }] },
      },
    ],
  };
}
