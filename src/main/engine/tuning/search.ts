/**
 * The search loop of a tuning run, for three searches at the same budget: Bayesian optimisation (noisy mode, πBO
 * priors, unknown constraints through the optimiser's feasibility model, q-point batches), random search, and
 * grid search.
 *
 * Deterministic and resumable: a `Tuner` is fully described by its config and `toJSON()` taken between batches
 * (plus the observations told so far), and the same state and the same outcomes give the same next batch. A run
 * interrupted in the middle of a batch restarts from the last committed state and asks the same batch again.
 *
 * - random: point i is a uniform draw of its own seeded stream (mixSeed(seed, i)), snapped to the space — no
 *   state but the count;
 * - grid: L = ⌈budget^(1/d)⌉ levels per numeric parameter at the centres of L equal cells of its (log where
 *   log-scale) range, (k + ½)/L — a grid of cell centres never spends half its points on the box's edges, where
 *   a 2-level end-point grid would put every point —, integers rounded and repeated levels merged, every choice
 *   of a categorical; the full factorial in a seeded random order, truncated to the budget.
 */
import { BallastError } from '../../../shared/errors';
import type { TuningParameter, TuningPrior, TuningSearch } from '../../../shared/tuning';
import { BayesianOptimizer, SearchSpace, type BayesianOptimizerState, type ParameterValues, type RunHooks } from '../bo';
import { createRng, mixSeed } from '../math/random';
import { optimizerPriors, optimizerSpace } from './space';

export type CandidateSource = 'design' | 'model' | 'feasibility' | 'warm-start' | 'random' | 'grid' | 'external';

export interface TunerConfig {
  search: TuningSearch;
  space: readonly TuningParameter[];
  /** πBO priors (Bayesian search only; random and grid are the uninformed baselines). */
  priors?: Readonly<Record<string, TuningPrior>>;
  seed: number;
  budget: number;
  batch: number;
  /** Optimiser settings the bench may vary; the product uses the defaults. */
  optimizer?: { rawSamples?: number; acquisitionRestarts?: number; gpRestarts?: number; initialDesign?: number };
}

export interface Candidate {
  /** Position in the run's sequence of evaluations (0-based). */
  index: number;
  values: ParameterValues;
  source: CandidateSource;
  /** The optimiser's suggestion id (Bayesian search). */
  ticket: number | null;
}

export interface TunerOutcome {
  validation: number | null;
  feasible: boolean;
}

export interface TunerObservation extends TunerOutcome {
  index: number;
  values: ParameterValues;
  source: CandidateSource;
}

export interface TunerState {
  format: 'ballast-tuner';
  version: 1;
  search: TuningSearch;
  evaluated: number;
  optimizer: BayesianOptimizerState | null;
}

export interface BestPoint {
  index: number;
  values: ParameterValues;
  validation: number;
  /** Bayesian search: the GP's posterior mean at the recommended point (the fold average is noisy). */
  estimate: number | null;
}

const STREAM = { random: 11, gridOrder: 12 } as const;

export class Tuner {
  readonly config: TunerConfig;
  private readonly space: SearchSpace;
  private readonly optimizer: BayesianOptimizer | null;
  private readonly grid: ParameterValues[] | null;
  private readonly observationList: TunerObservation[];

  private constructor(config: TunerConfig, optimizer: BayesianOptimizer | null, observations: readonly TunerObservation[]) {
    if (!Number.isInteger(config.budget) || config.budget < 1) throw new BallastError('BAD_INPUT', `budget must be a positive whole number, got ${config.budget}`);
    if (!Number.isInteger(config.batch) || config.batch < 1) throw new BallastError('BAD_INPUT', `batch must be a positive whole number, got ${config.batch}`);
    this.config = config;
    this.space = new SearchSpace(optimizerSpace(config.space));
    this.optimizer = optimizer;
    this.grid = config.search === 'grid' ? gridPoints(this.space, config.budget, mixSeed(config.seed, STREAM.gridOrder)) : null;
    this.observationList = [...observations];
  }

  static create(config: TunerConfig): Tuner {
    return new Tuner(config, config.search === 'bayesian' ? new BayesianOptimizer(optimizerOptions(config)) : null, []);
  }

  /** A tuner from its committed state and the observations told before it was taken. */
  static restore(config: TunerConfig, state: TunerState, observations: readonly TunerObservation[]): Tuner {
    if (state.format !== 'ballast-tuner' || state.version !== 1) throw new BallastError('BAD_INPUT', 'the saved tuner state is not in a format this version reads');
    if (state.search !== config.search) throw new BallastError('BAD_INPUT', `the saved tuner state is for a ${state.search} search, not ${config.search}`);
    if (state.evaluated !== observations.length) {
      throw new BallastError('BAD_INPUT', `the saved tuner state counts ${state.evaluated} evaluations but ${observations.length} observations were given`);
    }
    const optimizer = config.search === 'bayesian' ? BayesianOptimizer.fromJSON(state.optimizer) : null;
    if (optimizer && optimizer.pendingCount > 0) throw new BallastError('BAD_INPUT', 'the saved optimiser state has evaluations in flight; it was not taken between batches');
    return new Tuner(config, optimizer, observations);
  }

  get observations(): readonly TunerObservation[] {
    return this.observationList;
  }

  get evaluated(): number {
    return this.observationList.length;
  }

  get finished(): boolean {
    return this.evaluated >= this.config.budget || (this.grid !== null && this.evaluated >= this.grid.length);
  }

  /** The next q points (fewer at the end of the budget, or none when finished). */
  nextBatch(hooks: RunHooks = {}): Candidate[] {
    const count = Math.min(this.config.batch, this.config.budget - this.evaluated);
    if (count <= 0) return [];
    const start = this.evaluated;
    if (this.optimizer) {
      return this.optimizer.ask(count, hooks).map((s, k) => ({ index: start + k, values: s.params, source: s.source, ticket: s.id }));
    }
    if (this.grid) {
      return this.grid.slice(start, start + count).map((values, k) => ({ index: start + k, values, source: 'grid' as const, ticket: null }));
    }
    return Array.from({ length: count }, (_v, k) => ({ index: start + k, values: randomPoint(this.space, this.config.seed, start + k), source: 'random' as const, ticket: null }));
  }

  /** Tells the outcomes of a whole batch, in the batch's order. */
  record(batch: readonly Candidate[], outcomes: readonly TunerOutcome[]): TunerObservation[] {
    if (batch.length !== outcomes.length) throw new BallastError('INTERNAL', `a batch of ${batch.length} points got ${outcomes.length} outcomes`);
    const added: TunerObservation[] = [];
    batch.forEach((candidate, k) => {
      const outcome = outcomes[k]!;
      if (candidate.index !== this.evaluated) throw new BallastError('INTERNAL', `evaluation ${candidate.index} told out of order (expected ${this.evaluated})`);
      if (this.optimizer && candidate.ticket !== null) this.optimizer.tell(candidate.ticket, toOutcome(outcome));
      const observation: TunerObservation = { index: candidate.index, values: candidate.values, source: candidate.source, ...outcome };
      this.observationList.push(observation);
      added.push(observation);
    });
    return added;
  }

  /**
   * Evaluations made outside the search — a warm start's re-evaluated points from an earlier run. They count
   * against the budget (each was a backtest) and the optimiser learns from them as external trials.
   */
  addExternal(values: ParameterValues, outcome: TunerOutcome, source: CandidateSource = 'warm-start'): TunerObservation {
    if (!this.optimizer) throw new BallastError('INTERNAL', 'only the Bayesian search takes external evaluations');
    this.optimizer.addObservation(values, toOutcome(outcome));
    const observation: TunerObservation = { index: this.evaluated, values: { ...values }, source, ...outcome };
    this.observationList.push(observation);
    return observation;
  }

  /** The recommended point, among feasible evaluations only; null while there is none. */
  best(): BestPoint | null {
    const feasible = this.observationList.filter((o) => o.feasible && o.validation !== null);
    if (feasible.length === 0) return null;
    if (this.optimizer) {
      const rec = this.optimizer.best();
      if (rec) {
        const match = matchObservation(this.space, feasible, rec.params);
        if (match) return { index: match.index, values: match.values, validation: match.validation!, estimate: rec.estimate ?? null };
      }
    }
    let best = feasible[0]!;
    for (const o of feasible) if (o.validation! > best.validation!) best = o;
    return { index: best.index, values: best.values, validation: best.validation!, estimate: null };
  }

  toJSON(): TunerState {
    if (this.optimizer && this.optimizer.pendingCount > 0) throw new BallastError('INTERNAL', 'the tuner state is taken between batches only');
    return { format: 'ballast-tuner', version: 1, search: this.config.search, evaluated: this.evaluated, optimizer: this.optimizer ? this.optimizer.toJSON() : null };
  }
}

function optimizerOptions(config: TunerConfig) {
  const priors = config.priors && Object.keys(config.priors).length > 0 ? optimizerPriors(config.space, config.priors) : undefined;
  return {
    space: optimizerSpace(config.space),
    seed: config.seed,
    direction: 'maximize' as const,
    noisy: true,
    batchSize: config.batch,
    ...(priors ? { priors } : {}),
    ...(config.optimizer ?? {}),
  };
}

function toOutcome(outcome: TunerOutcome): { value: number } | { infeasible: true } {
  return outcome.feasible && outcome.validation !== null && Number.isFinite(outcome.validation) ? { value: outcome.validation } : { infeasible: true };
}

function matchObservation(space: SearchSpace, list: readonly TunerObservation[], params: ParameterValues): TunerObservation | undefined {
  const target = space.encode(params);
  let found: TunerObservation | undefined;
  for (const o of list) {
    const e = space.encode(o.values);
    let d = 0;
    for (let i = 0; i < e.length; i++) d = Math.max(d, Math.abs(e[i]! - target[i]!));
    if (d <= 1e-9) found = o;
  }
  return found;
}

/** Random search's point i: its own seeded stream, so point i is the same whatever came before. */
export function randomPoint(space: SearchSpace, seed: number, index: number): ParameterValues {
  const rng = createRng(mixSeed(seed, STREAM.random, index));
  const raw = Float64Array.from({ length: space.dimension }, () => rng.next());
  return space.decode(space.snap(raw));
}

/** The grid search's points in evaluation order (see the file comment). */
export function gridPoints(space: SearchSpace, budget: number, seed: number): ParameterValues[] {
  const layout = space.layout();
  const numeric = layout.filter((s) => s.spec.type !== 'categorical').length;
  const categoricalSize = layout.reduce((p, s) => p * (s.spec.type === 'categorical' ? s.spec.choices.length : 1), 1);
  // Levels for numeric parameters so the factorial covers the budget.
  const levels = numeric === 0 ? 1 : Math.max(1, Math.ceil(Math.pow(budget / categoricalSize, 1 / numeric) - 1e-12));
  const perParameter: Float64Array[][] = layout.map(({ spec, width }) => {
    if (spec.type === 'categorical') {
      return spec.choices.map((_c, j) => {
        const block = new Float64Array(width);
        block[j] = 1;
        return block;
      });
    }
    const seen = new Set<string>();
    const out: Float64Array[] = [];
    for (let k = 0; k < levels; k++) {
      const single = Float64Array.of((k + 0.5) / levels);
      const key = JSON.stringify(snapOne(space, spec.name, single[0]!));
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(single);
    }
    return out;
  });
  const combos: ParameterValues[] = [];
  const index = new Array<number>(layout.length).fill(0);
  for (;;) {
    const raw = new Float64Array(space.dimension);
    layout.forEach(({ offset }, p) => raw.set(perParameter[p]![index[p]!]!, offset));
    combos.push(space.decode(space.snap(raw)));
    let p = layout.length - 1;
    while (p >= 0 && ++index[p]! >= perParameter[p]!.length) index[p--] = 0;
    if (p < 0) break;
  }
  const rng = createRng(seed);
  for (let i = combos.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [combos[i], combos[j]] = [combos[j]!, combos[i]!];
  }
  return combos.slice(0, budget);
}

function snapOne(space: SearchSpace, name: string, u: number): unknown {
  const slot = space.layout().find((s) => s.spec.name === name)!;
  const raw = new Float64Array(space.dimension).fill(0.5);
  raw[slot.offset] = u;
  return space.decode(space.snap(raw))[name];
}

/**
 * Evaluations needed until the best feasible validation so far reaches 95 % of `target` (target − 5 %·|target|,
 * so it reads the same for a negative objective); null if it never does.
 */
export function evaluationsTo95(observations: readonly TunerObservation[], target: number | null): number | null {
  if (target === null) return null;
  const threshold = target - 0.05 * Math.abs(target);
  for (const [k, o] of observations.entries()) if (o.feasible && o.validation !== null && o.validation >= threshold - 1e-12) return k + 1;
  return null;
}

/** Best feasible validation so far after each evaluation (null before the first feasible one): the live curve. */
export function bestSoFar(observations: readonly TunerObservation[]): (number | null)[] {
  let best: number | null = null;
  return observations.map((o) => {
    if (o.feasible && o.validation !== null && (best === null || o.validation > best)) best = o.validation;
    return best;
  });
}

export interface DriveHooks {
  /** Called after every batch with its observations and the state to commit (in one transaction, by the app). */
  onBatch?: (added: readonly TunerObservation[], state: TunerState) => void | Promise<void>;
  signal?: { readonly aborted: boolean };
}

/**
 * Runs a tuner to the end of its budget: ask a batch, evaluate it (concurrently, if the evaluator can), tell it,
 * hand the batch and the new state to `onBatch`. An evaluator that throws leaves the tuner at its last batch
 * boundary, so `Tuner.restore` from the last committed state continues as if nothing had happened.
 */
export async function driveSearch(tuner: Tuner, evaluateBatch: (batch: readonly Candidate[]) => Promise<TunerOutcome[]>, hooks: DriveHooks = {}): Promise<void> {
  while (!tuner.finished) {
    if (hooks.signal?.aborted) throw new BallastError('CANCELLED', 'The tuning run was cancelled.');
    const batch = tuner.nextBatch(hooks.signal ? { signal: hooks.signal } : {});
    if (batch.length === 0) break;
    const outcomes = await evaluateBatch(batch);
    const added = tuner.record(batch, outcomes);
    await hooks.onBatch?.(added, tuner.toJSON());
  }
}
