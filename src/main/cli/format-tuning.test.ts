import { describe, expect, it } from 'vitest';
import type { TuningRunReport } from '../../shared/tuning';
import { formatTuningReport } from './format-tuning';

/** The fields the text reads; the rest of a report does not reach the formatter. */
function report(deflatedSharpe: NonNullable<TuningRunReport['best']>['deflatedSharpe']): TuningRunReport {
  return {
    runId: 3,
    accountId: 'DEMO',
    status: 'complete',
    inUse: false,
    objective: 'sharpe',
    seed: 7,
    budget: 5,
    batch: 1,
    tickers: ['SPY', 'TLT'],
    modelRunId: 1,
    warmStartedFrom: null,
    folds: [{ from: '2010-01-04', to: '2019-12-31' }],
    testWindow: { from: '2020-01-02', to: '2023-08-03' },
    constraints: [],
    error: null,
    best: { theta: {} as NonNullable<TuningRunReport['best']>['theta'], values: { riskAversion: 12.5 }, validation: 0.91, estimate: 0.88, test: 0.64, deflatedSharpe },
    evaluations: [],
    comparison: null,
    importance: [],
    untuned: null,
  } as unknown as TuningRunReport;
}

describe('formatTuningReport', () => {
  it('prints the chosen θ with its validation, test and, for a Sharpe run, the deflated Sharpe ratio', () => {
    const text = formatTuningReport(report({ probability: 0.83, benchmark: 0.62, trials: 5, returns: 2510 }));
    expect(text).toContain('Best θ: riskAversion=12.50\n  validation 0.910 (GP estimate 0.880) · test 0.640\n');
    expect(text).toContain('  deflated Sharpe 83.0 %: the chance its true Sharpe beats 0.62, what the best of 5 backtests would show with no skill (2510 daily returns)');
    expect(formatTuningReport(report(null))).not.toContain('deflated Sharpe');
  });

  it('prints the saved settings, untuned, on the same windows', () => {
    const r = report(null);
    expect(formatTuningReport(r)).not.toContain('Saved settings');
    r.untuned = { validation: 0.86, folds: [0.9, 0.82], test: 0.71, feasible: true, reason: null };
    expect(formatTuningReport(r)).toContain('\nSaved settings, untuned: validation 0.860 · test 0.710\n');
    r.untuned = { validation: null, folds: [0.9, null], test: null, feasible: false, reason: 'max drawdown 0.31 > 0.2 on fold 2' };
    expect(formatTuningReport(r)).toContain('\nSaved settings, untuned: infeasible — max drawdown 0.31 > 0.2 on fold 2\n');
  });
});
