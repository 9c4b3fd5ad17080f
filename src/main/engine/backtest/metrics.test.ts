import { describe, expect, it } from 'vitest';
import { maxDrawdownOf, performanceMetrics, yearsBetween } from './metrics';

describe('performanceMetrics', () => {
  // Returns +10 %, −10 %, 0 %, +20 %; cash earns 0.1 % a day; the last date is one calendar year minus a day on.
  const dates = ['2019-01-01', '2019-01-02', '2019-01-03', '2019-01-04', '2020-01-01'];
  const equity = Float64Array.from([100, 110, 99, 99, 118.8]);
  const cash = Float64Array.from([0, 0.001, 0.001, 0.001, 0.001]);
  const metrics = performanceMetrics(dates, equity, cash, { traded: 3, costs: 0.002 });
  const years = 365 / 365.25;

  it('matches hand-computed values', () => {
    // Excess returns 0.099, −0.101, −0.001, 0.199: mean 0.049, squared deviations sum to 0.05.
    expect(metrics.sharpe).toBeCloseTo((0.049 / Math.sqrt(0.05 / 3)) * Math.sqrt(252), 12);
    // Returns 0.1, −0.1, 0, 0.2: mean 0.05, the same deviations.
    expect(metrics.volatility).toBeCloseTo(Math.sqrt(0.05 / 3) * Math.sqrt(252), 12);
    // Downside: (0.101² + 0.001²) / 4 over all four days.
    expect(metrics.sortino).toBeCloseTo((0.049 / Math.sqrt(0.010202 / 4)) * Math.sqrt(252), 12);
    expect(metrics.maxDrawdown).toBeCloseTo(0.1, 14);
    expect(metrics.cagr).toBeCloseTo(1.188 ** (1 / years) - 1, 12);
    expect(metrics.calmar).toBeCloseTo((1.188 ** (1 / years) - 1) / 0.1, 12);
    expect(metrics.turnover).toBeCloseTo(1.5 / years, 12);
    expect(metrics.costDrag).toBeCloseTo(0.002 / years, 12);
  });

  it('reports zero ratios instead of dividing by zero', () => {
    const flat = performanceMetrics(dates, Float64Array.from([1, 1, 1, 1, 1]), new Float64Array(5), { traded: 0, costs: 0 });
    expect(flat).toEqual({ cagr: 0, volatility: 0, sharpe: 0, sortino: 0, maxDrawdown: 0, calmar: 0, turnover: 0, costDrag: 0 });
    const single = performanceMetrics(['2020-01-01'], Float64Array.from([1]), new Float64Array(1), { traded: 1, costs: 1 });
    expect(single.cagr).toBe(0);
    expect(() => performanceMetrics(dates, equity, new Float64Array(3), { traded: 0, costs: 0 })).toThrow(/one date/);
  });

  it('measures drawdown from the running peak', () => {
    expect(maxDrawdownOf([1, 2, 1.5, 3, 1.2, 2], 0, 6)).toBeCloseTo(0.6, 14);
    expect(maxDrawdownOf([1, 2, 1.5, 3, 1.2, 2], 0, 3)).toBeCloseTo(0.25, 14);
    expect(maxDrawdownOf([1, 2, 3], 0, 3)).toBe(0);
    expect(yearsBetween('2019-01-01', '2023-01-01')).toBeCloseTo(1461 / 365.25, 14);
  });
});
