/** Synthetic panels for the backtest tests: weekday dates and seeded geometric random-walk prices. */
import type { PricePanel } from '../features/panel';
import { createRng } from '../math/random';
import type { BacktestStrategy } from './backtest';

/** `count` weekdays from `start` (ISO), the shape of a trading calendar without holidays. */
export function weekdays(count: number, start = '2020-01-01'): string[] {
  const out: string[] = [];
  const day = new Date(`${start}T00:00:00Z`);
  while (out.length < count) {
    const dow = day.getUTCDay();
    if (dow !== 0 && dow !== 6) out.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return out;
}

/** Panel from rows of prices (T × N, NaN allowed). */
export function panelFromRows(rows: readonly (readonly number[])[], extra: Partial<PricePanel> = {}): PricePanel {
  const t = rows.length;
  const n = rows[0]!.length;
  const data = new Float64Array(t * n);
  rows.forEach((row, s) => row.forEach((p, i) => (data[s * n + i] = p)));
  return {
    dates: weekdays(t),
    tickers: Array.from({ length: n }, (_, i) => `A${i}`),
    prices: { rows: t, cols: n, data },
    ...extra,
  };
}

/** Seeded random walk: daily log returns with drift μ and volatility σ per asset (annualised inputs). */
export function randomPanel(days: number, assets: number, seed: number, extra: Partial<PricePanel> = {}): PricePanel {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const level = Array.from({ length: assets }, (_, i) => 50 + 10 * i);
  const vol = Array.from({ length: assets }, (_, i) => (0.1 + 0.05 * (i % 5)) / Math.sqrt(252));
  const common = 0.6;
  for (let s = 0; s < days; s++) {
    if (s > 0) {
      const market = rng.normal();
      for (let i = 0; i < assets; i++) {
        const shock = common * market + Math.sqrt(1 - common * common) * rng.normal();
        level[i] = level[i]! * Math.exp(0.05 / 252 - 0.5 * vol[i]! ** 2 + vol[i]! * shock);
      }
    }
    rows.push([...level]);
  }
  return panelFromRows(rows, extra);
}

/** A strategy that always asks for the same weights. */
export function fixedStrategy(weights: readonly number[], name = 'fixed'): BacktestStrategy {
  return { name, decide: () => ({ weights: Float64Array.from(weights) }) };
}
