import { type CustomSeriesRenderItem, type TooltipComponentFormatterCallbackParams } from 'echarts';
import { type Proposal } from '../../../shared/domain';
import { anchorCashWeight, formatSignedPercent, horizonDays, horizonPhrase } from '../bayesian';
import { formatPercent } from '../format';
import { type TuningObjective, type TuningSearch, type TuningSurrogateSlice } from '../../../shared/tuning';
import {
  formatObjective,
  formatParameterValue,
  objectiveLabel,
  parameterLabel,
  parameterUnit,
  SEARCH_LABELS,
  type ImportanceRow,
  type ProgressModel,
} from '../tuning';
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

// ---------- Tuning ----------

const SEARCH_COLORS: Record<TuningSearch, string> = { bayesian: '#1f5fbf', random: '#c46a1b', grid: '#8a94a6' };

/**
 * Best-so-far against backtests run: one step line per search (the tuner, and random and grid search when the run
 * compares), and a dot for each of the tuner's own backtests (hollow grey when it broke a limit).
 */
export function tuningProgressChartOption(model: ProgressModel, objective: TuningObjective): ChartOption {
  const value = (v: unknown) => (typeof v === 'number' ? formatObjective(v, objective) : '—');
  const yPercent = objective === 'utility';
  const feasible = model.evaluations.filter((e) => e.feasible && e.validation != null);
  const broken = model.evaluations.filter((e) => !e.feasible && e.validation != null);
  return {
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: value },
    legend: { top: 0 },
    grid: { left: 56, right: 16, top: 36, bottom: 40 },
    xAxis: { type: 'value', name: 'Backtests run', nameLocation: 'middle', nameGap: 26, min: 1, minInterval: 1 },
    yAxis: {
      type: 'value',
      name: objectiveLabel(objective),
      scale: true,
      axisLabel: { formatter: (v: number) => (yPercent ? `${(v * 100).toFixed(1)} %` : v.toFixed(2)) },
    },
    series: [
      ...model.series.map((s) => ({
        type: 'line' as const,
        name: `Best so far: ${SEARCH_LABELS[s.search]}`,
        step: 'end' as const,
        showSymbol: false,
        connectNulls: false,
        data: s.points.map(([n, best]) => [n, best == null ? null : round(best)]),
        lineStyle: { width: s.search === 'bayesian' ? 2.5 : 1.5, type: s.search === 'bayesian' ? ('solid' as const) : ('dashed' as const) },
        itemStyle: { color: SEARCH_COLORS[s.search] },
        z: s.search === 'bayesian' ? 3 : 2,
      })),
      {
        type: 'scatter' as const,
        name: 'Each backtest of the tuner',
        data: feasible.map((e) => [e.n, round(e.validation!)]),
        symbolSize: 6,
        itemStyle: { color: '#9db4dc' },
        z: 1,
      },
      ...(broken.length > 0
        ? [
            {
              type: 'scatter' as const,
              name: 'Broke a limit',
              data: broken.map((e) => [e.n, round(e.validation!)]),
              symbol: 'emptyCircle',
              symbolSize: 6,
              itemStyle: { color: '#8a94a6' },
              z: 1,
            },
          ]
        : []),
    ],
  };
}

/** Axis labels in the parameter's units, short: "2.5 %", "21". */
function parameterAxisLabel(name: string) {
  return (v: number | string) => {
    if (typeof v !== 'number') return formatParameterValue(name, v);
    return parameterUnit(name) === 'percent' ? `${Number((v * 100).toFixed(2))} %` : String(Number(v.toFixed(3)));
  };
}

/**
 * The tuning GP's view of one parameter with the others at the best point: the mean (line), the band (shaded
 * between lower and upper) and the backtests run (dots). A choice parameter gets a whisker per choice instead.
 */
export function surrogateChartOption(slice: TuningSurrogateSlice, objective: TuningObjective, scale: 'linear' | 'log' = 'linear'): ChartOption {
  const name = slice.parameter;
  const valueText = (v: unknown) => (typeof v === 'number' ? formatObjective(v, objective) : '—');
  const yAxis = {
    type: 'value' as const,
    name: objectiveLabel(objective),
    scale: true,
    axisLabel: { formatter: (v: number) => (objective === 'utility' ? `${(v * 100).toFixed(1)} %` : v.toFixed(2)) },
  };
  const legend = { top: 0 };
  const grid = { left: 56, right: 16, top: 36, bottom: 44 };
  const observationStyle = { color: '#c46a1b' };
  if (slice.type === 'categorical') {
    const categories = slice.x.map(String);
    return {
      animation: false,
      tooltip: { trigger: 'item', valueFormatter: valueText },
      legend,
      grid,
      xAxis: { type: 'category', data: categories.map((c) => formatParameterValue(name, c)), name: parameterLabel(name), nameLocation: 'middle', nameGap: 28 },
      yAxis,
      series: [
        {
          type: 'custom',
          name: 'Likely range (model)',
          renderItem: renderInterval,
          encode: { x: 0, y: [1, 2] },
          data: slice.x.map((_, i) => [i, round(slice.lower[i] ?? Number.NaN), round(slice.upper[i] ?? Number.NaN)]),
          itemStyle: { color: INTERVAL_COLOR },
          z: 2,
        },
        { type: 'scatter', name: 'Expected (model)', data: slice.mean.map(round), symbolSize: 10, itemStyle: { color: '#1f5fbf' }, z: 3 },
        {
          type: 'scatter',
          name: 'Backtests run',
          data: slice.observations.map((o) => [categories.indexOf(String(o.x)), round(o.y)]),
          symbolSize: 6,
          itemStyle: observationStyle,
          z: 4,
        },
      ],
    };
  }
  const xs = slice.x.map(Number);
  const lower = slice.lower.map(round);
  const width = slice.upper.map((u, i) => round(u - (slice.lower[i] ?? u)));
  return {
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: valueText },
    legend,
    grid,
    xAxis: {
      type: scale === 'log' ? 'log' : 'value',
      name: parameterLabel(name),
      nameLocation: 'middle',
      nameGap: 28,
      min: Math.min(...xs),
      max: Math.max(...xs),
      axisLabel: { formatter: parameterAxisLabel(name) },
    },
    yAxis,
    series: [
      // The band: an invisible line at the lower bound, and the width stacked on it with its area filled.
      // 'all' stacks negative values too (the default stacks only same-sign values, which breaks a band below 0).
      {
        type: 'line',
        name: 'Likely range (model)',
        data: xs.map((x, i) => [x, lower[i]]),
        stack: 'band',
        stackStrategy: 'all',
        showSymbol: false,
        lineStyle: { opacity: 0 },
        itemStyle: { color: '#c9d7ef' },
        tooltip: { show: false },
      },
      {
        type: 'line',
        name: 'Likely range (model)',
        data: xs.map((x, i) => [x, width[i]]),
        stack: 'band',
        stackStrategy: 'all',
        showSymbol: false,
        lineStyle: { opacity: 0 },
        areaStyle: { color: '#c9d7ef' },
        itemStyle: { color: '#c9d7ef' },
        tooltip: { show: false },
      },
      { type: 'line', name: 'Expected (model)', data: xs.map((x, i) => [x, round(slice.mean[i] ?? Number.NaN)]), showSymbol: false, itemStyle: { color: '#1f5fbf' }, lineStyle: { width: 2 } },
      {
        type: 'scatter',
        name: 'Backtests run',
        data: slice.observations.map((o) => [Number(o.x), round(o.y)]),
        symbolSize: 6,
        itemStyle: observationStyle,
        z: 4,
      },
    ],
  };
}

/** Parameter importance from the GP's fitted lengthscales, most important on top. */
export function importanceChartOption(rows: readonly ImportanceRow[]): ChartOption {
  const top = [...rows].reverse();
  return {
    animation: false,
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params) => {
        const i = Array.isArray(params) ? params[0]?.dataIndex : params.dataIndex;
        const row = top[i ?? -1];
        if (!row) return '';
        return `<b>${escapeHtml(row.label)}</b><br/>Importance: ${formatPercent(row.importance, 1)}<br/>Fitted lengthscale: ${row.lengthscale.toPrecision(3)} (of the searched range)`;
      },
    },
    grid: { left: 220, right: 24, top: 8, bottom: 24 },
    xAxis: { type: 'value', max: (extent: { max: number }) => Math.min(1, Math.ceil(extent.max * 10) / 10), axisLabel: { formatter: (v: number) => `${Math.round(v * 100)} %` } },
    yAxis: { type: 'category', data: top.map((r) => r.label), axisLabel: { fontSize: 11 } },
    series: [{ type: 'bar', name: 'Importance', data: top.map((r) => round(r.importance)), itemStyle: { color: '#1f5fbf' }, barMaxWidth: 18 }],
  };
}
