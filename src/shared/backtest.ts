import { z } from 'zod';
import { BreakerStateName, IsoDate } from './domain';
import { StrategyParameters } from './strategy';

export const BacktestStrategyName = z.enum([
  'bayesian',
  'erc',
  'equal',
  'inverse-vol',
  'min-variance',
  '60-40',
  'bayesian-no-breaker',
  'bayesian-no-uncertainty-penalty',
]);
export type BacktestStrategyName = z.infer<typeof BacktestStrategyName>;

export const BacktestInput = z
  .object({
    tickers: z.array(z.string().min(1)).min(2).max(200).optional(),
    from: IsoDate.optional(),
    to: IsoDate.optional(),
    strategy: BacktestStrategyName.optional(),
    /** θ (any subset; the rest default). */
    parameters: StrategyParameters.optional(),
    costBps: z.number().min(0).max(500).optional(),
    /** Seed of the forecast model (default: the forecast config's). */
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  })
  .strict();
export type BacktestInput = z.infer<typeof BacktestInput>;

export const PerformanceMetrics = z.object({
  cagr: z.number(),
  volatility: z.number(),
  sharpe: z.number(),
  sortino: z.number(),
  maxDrawdown: z.number(),
  calmar: z.number(),
  turnover: z.number(),
  costDrag: z.number(),
});
export type PerformanceMetrics = z.infer<typeof PerformanceMetrics>;

export const StressWindow = z.object({ name: z.string(), from: IsoDate, to: IsoDate });
export type StressWindow = z.infer<typeof StressWindow>;

const nullableNumber = z.number().nullable();

export const BacktestReport = z.object({
  strategy: z.string(),
  from: IsoDate,
  to: IsoDate,
  tickers: z.array(z.string()),
  parameters: StrategyParameters,
  seed: z.number().int(),
  modelRunId: z.number().int().nullable(),
  daily: z.array(z.object({ date: IsoDate, equity: z.number(), cashWeight: z.number(), breaker: BreakerStateName.nullable() })),
  rebalances: z.array(z.object({ date: IsoDate, weights: z.record(z.string(), z.number()), turnover: z.number(), cost: z.number() })),
  metrics: PerformanceMetrics,
  baselines: z.record(z.string(), z.object({ metrics: PerformanceMetrics, daily: z.array(z.object({ date: IsoDate, equity: z.number() })) })),
  stress: z.array(StressWindow.extend({ maxDrawdown: z.record(z.string(), nullableNumber) })),
  forecasts: z.object({ count: z.number().int(), coverage: z.object({ '0.5': nullableNumber, '0.9': nullableNumber }) }).nullable(),
  breaker: z
    .object({
      timeInState: z.record(z.string(), z.number()),
      events: z.array(z.object({ date: IsoDate, from: z.string(), to: z.string() }).passthrough()),
    })
    .nullable(),
});
export type BacktestReport = z.infer<typeof BacktestReport>;
