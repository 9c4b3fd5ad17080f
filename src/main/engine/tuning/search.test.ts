import { describe, expect, it } from 'vitest';
import type { TuningParameter } from '../../../shared/tuning';
import { SearchSpace } from '../bo';
import { Tuner, driveSearch, evaluationsTo95, gridPoints, type Candidate, type TunerConfig, type TunerObservation, type TunerOutcome, type TunerState } from './search';
import { DEFAULT_TUNING_SPACE, optimizerSpace } from './space';

/** A smooth objective over three θ-like parameters with its optimum at γ ≈ 10, every ≈ 40, TE ≈ 0.02, plus seeded "fold noise". */
const SPACE: TuningParameter[] = [
  { name: 'riskAversion', type: 'continuous', lower: 1, upper: 100, scale: 'log' },
  { name: 'rebalance.everyDays', type: 'integer', lower: 5, upper: 63 },
  { name: 'trackingErrorBudget', type: 'continuous', lower: 0.005, upper: 0.08, scale: 'log' },
];

function objective(values: Record<string, unknown>): number {
  const g = Math.log10(values.riskAversion as number) - 1;
  const e = ((values['rebalance.everyDays'] as number) - 40) / 30;
  const t = Math.log(values.trackingErrorBudget as number / 0.02);
  const noise = 0.01 * Math.sin(1e3 * (values.riskAversion as number) + 7 * (values['rebalance.everyDays'] as number));
  return 1 - g * g - e * e - 0.3 * t * t + noise;
}

const evaluate = (c: Candidate): TunerOutcome => ({ validation: objective(c.values), feasible: true });

async function uninterrupted(config: TunerConfig): Promise<TunerObservation[]> {
  const tuner = Tuner.create(config);
  await driveSearch(tuner, async (batch) => batch.map(evaluate));
  return [...tuner.observations];
}

describe('the tuning search loop', () => {
  for (const search of ['bayesian', 'random', 'grid'] as const) {
    it(`${search}: a run whose evaluator dies mid-batch resumes from the last committed state and ends exactly like an uninterrupted one`, async () => {
      const config: TunerConfig = { search, space: SPACE, seed: 42, budget: 14, batch: 3 };
      const reference = await uninterrupted(config);
      expect(reference).toHaveLength(14);

      // Commit (observations + state) per batch, as the store does; the evaluator throws in the middle of the third batch.
      let committed: { state: TunerState; observations: TunerObservation[] } | null = null;
      const commit = (added: readonly TunerObservation[], state: TunerState) => {
        committed = { state, observations: [...(committed?.observations ?? []), ...added] };
      };
      let calls = 0;
      const dying = async (batch: readonly Candidate[]) =>
        batch.map((c) => {
          if (++calls === 8) throw new Error('killed');
          return evaluate(c);
        });
      await expect(driveSearch(Tuner.create(config), dying, { onBatch: commit })).rejects.toThrow('killed');
      expect(committed!.observations).toHaveLength(6);

      const resumed = Tuner.restore(config, committed!.state, committed!.observations);
      await driveSearch(resumed, async (batch) => batch.map(evaluate), { onBatch: commit });
      expect(resumed.observations).toEqual(reference);
      expect(committed!.observations).toEqual(reference);
      expect(resumed.best()).toEqual((() => {
        const t = Tuner.restore(config, committed!.state, committed!.observations);
        return t.best();
      })());
    }, 120_000);
  }

  it('a πBO prior moves the first proposals toward its mode', async () => {
    // A flat objective: the only information about where to look is the prior ("every 20–60 days, most likely").
    const flat = async (batch: readonly Candidate[]) => batch.map(() => ({ validation: 0.5, feasible: true }));
    const distances = async (priors: TunerConfig['priors']) => {
      const tuner = Tuner.create({ search: 'bayesian', space: SPACE, seed: 3, budget: 12, batch: 2, ...(priors ? { priors } : {}) });
      await driveSearch(tuner, flat);
      return tuner.observations.map((o) => Math.abs((o.values['rebalance.everyDays'] as number) - 40));
    };
    const without = await distances(undefined);
    const withPrior = await distances({ 'rebalance.everyDays': { type: 'range', low: 35, high: 45 } });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(withPrior)).toBeLessThan(mean(without) / 2);
    // 90 % of the range prior's mass lies in 35–45: most proposals fall near it.
    expect(withPrior.filter((d) => d <= 10).length).toBeGreaterThanOrEqual(8);
  }, 120_000);

  it('the best point is chosen among feasible evaluations only', async () => {
    // The objective's optimum region is infeasible (a constraint broken there): the best must come from elsewhere.
    const constrained = async (batch: readonly Candidate[]) =>
      batch.map((c) => {
        const every = c.values['rebalance.everyDays'] as number;
        return every >= 30 && every <= 50 ? { validation: null, feasible: false } : { validation: objective(c.values), feasible: true };
      });
    for (const search of ['bayesian', 'random', 'grid'] as const) {
      const tuner = Tuner.create({ search, space: SPACE, seed: 9, budget: 12, batch: 2 });
      await driveSearch(tuner, constrained);
      expect(tuner.observations.some((o) => !o.feasible)).toBe(true);
      const best = tuner.best()!;
      const every = best.values['rebalance.everyDays'] as number;
      expect(every < 30 || every > 50).toBe(true);
      expect(tuner.observations[best.index]!.feasible).toBe(true);
    }
  }, 120_000);

  it('grid search: ⌈budget^(1/d)⌉ cell-centre levels, the full factorial in a seeded order, truncated to the budget', () => {
    const space = new SearchSpace(optimizerSpace(SPACE));
    const points = gridPoints(space, 20, 5);
    expect(points).toHaveLength(20); // 3 levels → 27 combinations, 20 kept
    const gammas = [...new Set(points.map((p) => (p.riskAversion as number).toFixed(6)))].map(Number).sort((a, b) => a - b);
    // Log scale, 3 cells over [1, 100]: centres 10^(1/3), 10^1, 10^(5/3).
    expect(gammas).toHaveLength(3);
    expect(gammas[1]).toBeCloseTo(10, 5);
    expect(gammas[0]).toBeCloseTo(Math.pow(10, 1 / 3), 5);
    expect(gridPoints(space, 20, 5)).toEqual(points);
    expect(gridPoints(space, 20, 6)).not.toEqual(points);
    const keys = points.map((p) => JSON.stringify(p));
    expect(new Set(keys).size).toBe(keys.length);
    // The default space (7 parameters) at budget 40: 2 levels each, 128 combinations, 40 of them.
    expect(gridPoints(new SearchSpace(optimizerSpace(DEFAULT_TUNING_SPACE)), 40, 1)).toHaveLength(40);
  });

  it('evaluationsTo95 counts evaluations until the best so far reaches 95 % of the target, negative objectives too', () => {
    const obs = (vals: (number | null)[]): TunerObservation[] =>
      vals.map((v, index) => ({ index, values: {}, source: 'random', validation: v, feasible: v !== null }));
    expect(evaluationsTo95(obs([0.1, null, 0.5, 0.96, 1.0]), 1.0)).toBe(4);
    expect(evaluationsTo95(obs([-2, -1.2, -1.04]), -1.0)).toBe(3);
    expect(evaluationsTo95(obs([0.1, 0.2]), 1.0)).toBeNull();
    expect(evaluationsTo95(obs([0.1]), null)).toBeNull();
  });

  it('refuses a saved state that does not match its observations', () => {
    const config: TunerConfig = { search: 'random', space: SPACE, seed: 1, budget: 4, batch: 2 };
    const tuner = Tuner.create(config);
    const batch = tuner.nextBatch();
    tuner.record(batch, batch.map(evaluate));
    expect(() => Tuner.restore(config, tuner.toJSON(), [])).toThrow(/counts 2 evaluations but 0 observations/);
  });
});
