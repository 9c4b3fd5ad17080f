import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TuningRunReport } from '../../shared/tuning';

/**
 * Test support for the app and CLI tests (never imported by product code).
 * The small forecast model the tests and e2e specs train in seconds: one file, e2e/data/quick-forecast.json.
 */
export const QUICK_FORECAST = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'e2e', 'data', 'quick-forecast.json'), 'utf8')) as Record<string, unknown>;

/** What two runs of the same tuning input must share: everything but wall times. */
export function tuningRunContent(r: TuningRunReport) {
  return {
    evaluations: r.evaluations.map(({ seconds: _s, ...e }) => e),
    best: r.best,
    comparison: r.comparison,
    importance: r.importance,
    folds: r.folds,
    testWindow: r.testWindow,
    seed: r.seed,
  };
}
