import { describe, expect, it } from 'vitest';
import { BallastError } from '../../../shared/errors';
import { BayesianOptimizer, type BayesianOptimizerOptions, type ProgressEvent } from './optimizer';
import { FAST, braninOf, run } from './optimizerTestSupport';
import { branin, hartmann6, problemPoint, problemSpace } from './testFunctions';

describe('BayesianOptimizer determinism and persistence', () => {
  const options: BayesianOptimizerOptions = { space: problemSpace(branin), seed: 11, direction: 'minimize', initialDesign: 5, ...FAST };

  it('asks the same points for the same seed and the same tells, and other points for another seed', () => {
    const a = run(new BayesianOptimizer(options), 12, braninOf);
    const b = run(new BayesianOptimizer(options), 12, braninOf);
    expect(b).toEqual(a);
    const c = run(new BayesianOptimizer({ ...options, seed: 12 }), 12, braninOf);
    expect(c.map((s) => s.params)).not.toEqual(a.map((s) => s.params));
  });

  it('warps the objective from ten evaluations on when asked (outputWarping), and not by default', () => {
    const params = (o: BayesianOptimizerOptions, n: number) => run(new BayesianOptimizer(o), n, braninOf).map((s) => s.params);
    const warped = params({ ...options, outputWarping: 'yeo-johnson' }, 14);
    const raw = params(options, 14);
    expect(params({ ...options, outputWarping: 'none' }, 14)).toEqual(raw);
    // Asks 1–10 see at most nine values, too few to fit a warp (MIN_WARP_OBSERVATIONS); from the eleventh they differ.
    expect(raw.slice(0, 10)).toEqual(warped.slice(0, 10));
    expect(raw.slice(10)).not.toEqual(warped.slice(10));
    const noisy = { ...options, noisy: true };
    expect(params({ ...noisy, outputWarping: 'none' }, 12)).toEqual(params(noisy, 12));
    expect(params({ ...noisy, outputWarping: 'yeo-johnson' }, 12)).not.toEqual(params(noisy, 12));
    expect(() => new BayesianOptimizer({ ...options, outputWarping: 'box-cox' as 'none' })).toThrow(BallastError);
  });

  it('resumes from JSON exactly where it stopped, pending points included', () => {
    const batched = { ...options, batchSize: 2 };
    const uninterrupted = new BayesianOptimizer(batched);
    const reference = run(uninterrupted, 20, braninOf);

    const first = new BayesianOptimizer(batched);
    const before = run(first, 10, braninOf);
    // Leave one point of the next batch pending across the save.
    const [told, pending] = first.ask();
    first.tell(told!.id, { value: braninOf(told!.params) });
    const saved = JSON.parse(JSON.stringify(first.toJSON()));
    const resumed = BayesianOptimizer.fromJSON(saved);
    resumed.tell(pending!.id, { value: braninOf(pending!.params) });
    const after = run(resumed, 8, braninOf);

    expect([...before, told, pending, ...after]).toEqual(reference);
    expect(resumed.best()).toEqual(uninterrupted.best());
    expect(resumed.toJSON()).toEqual(uninterrupted.toJSON());
  });

  it('refuses a state that is not its own, and names the version it cannot read', () => {
    expect(() => BayesianOptimizer.fromJSON({ format: 'something-else' })).toThrow(BallastError);
    const state = new BayesianOptimizer(options).toJSON();
    expect(() => BayesianOptimizer.fromJSON({ ...state, version: 99 })).toThrow(/version 99; this Ballast reads versions 1 and 2 \(it was written by a newer Ballast\)/);
    expect(() => BayesianOptimizer.fromJSON({ ...state, version: 'two' })).toThrow(/not valid/);
  });

  it('saves the warm start of the next GP fit (version 2) and still reads version-1 states, which refit cold', () => {
    const optimizer = new BayesianOptimizer(options);
    run(optimizer, 9, braninOf);
    const state = JSON.parse(JSON.stringify(optimizer.toJSON()));
    expect(state.version).toBe(2);
    expect(state.warmStart.lengthscales).toHaveLength(2);
    expect(state.warmStart.signalVariance).toBeGreaterThan(0);

    const { warmStart: _dropped, ...withoutWarmStart } = state;
    const old = BayesianOptimizer.fromJSON({ ...withoutWarmStart, version: 1 });
    const asked = run(old, 3, braninOf);
    expect(asked.map((s) => s.source)).toEqual(['model', 'model', 'model']);
    expect(old.toJSON().version).toBe(2);
    expect(old.toJSON().warmStart).not.toBeNull();
  });

  it('is deterministic without the warm start too (gpWarmStart: false)', () => {
    const cold = { ...options, gpWarmStart: false };
    const a = run(new BayesianOptimizer(cold), 12, braninOf);
    expect(run(new BayesianOptimizer(cold), 12, braninOf)).toEqual(a);
  });

  it('designs p points for p parameters by default, saves that size, and resumes a state saved without one at the old 2p + 1', () => {
    const hartmannOf = (p: Parameters<typeof braninOf>[0]) => hartmann6.evaluate(problemPoint(hartmann6, p));
    const fresh = new BayesianOptimizer({ space: problemSpace(hartmann6), seed: 3, direction: 'minimize', ...FAST });
    const asked = run(fresh, 8, hartmannOf);
    expect(asked.map((s) => s.source)).toEqual([...Array(6).fill('design'), 'model', 'model']);
    expect(fresh.toJSON().options.initialDesign).toBe(6);

    // A state written before the design size was saved (the default was then 2p + 1 = 13).
    const legacy = new BayesianOptimizer({ space: problemSpace(hartmann6), seed: 3, direction: 'minimize', ...FAST });
    run(legacy, 6, hartmannOf);
    const saved = JSON.parse(JSON.stringify(legacy.toJSON()));
    delete saved.options.initialDesign;
    const resumed = BayesianOptimizer.fromJSON(saved);
    expect(run(resumed, 8, hartmannOf).map((s) => s.source)).toEqual([...Array(7).fill('design'), 'model']);
    expect(resumed.toJSON().options.initialDesign).toBe(13);
  });

  it('saves the local box, and resumes a state saved without one over the whole space, as it was searching', () => {
    const hartmannOf = (p: Parameters<typeof braninOf>[0]) => hartmann6.evaluate(problemPoint(hartmann6, p));
    const base = { space: problemSpace(hartmann6), seed: 5, direction: 'minimize', ...FAST } as const;
    expect(new BayesianOptimizer(base).toJSON().options.localBox).toBe(0.4);
    const points = (o: BayesianOptimizer, n: number) => run(o, n, hartmannOf).map((s) => JSON.stringify(s.params));

    // Interrupted after the design and two model steps, then resumed: the same points as without the interruption.
    for (const localBox of [0.4, 0] as const) {
      const whole = points(new BayesianOptimizer({ ...base, localBox }), 14);
      const first = new BayesianOptimizer({ ...base, localBox });
      const before = points(first, 8);
      const saved = JSON.parse(JSON.stringify(first.toJSON()));
      if (localBox === 0) delete saved.options.localBox; // written before the box existed
      expect([...before, ...points(BayesianOptimizer.fromJSON(saved), 6)]).toEqual(whole);
    }
    // The box changes the search: the two runs part after the design.
    expect(points(new BayesianOptimizer(base), 10)).not.toEqual(points(new BayesianOptimizer({ ...base, localBox: 0 }), 10));
  });

  it('saves which best point had nothing left to refine in its box, and resumes from there', () => {
    // Branin, this seed: the best point (10, 3) on the edge of the space exhausts its box (see the quality test).
    const braninBase = { space: problemSpace(branin), seed: 356555331, direction: 'minimize' } as const;
    const asked = (o: BayesianOptimizer, n: number) => run(o, n, braninOf).map((s) => JSON.stringify(s.params));
    const whole = asked(new BayesianOptimizer(braninBase), 40);
    const first = new BayesianOptimizer(braninBase);
    const before = asked(first, 30);
    const saved = JSON.parse(JSON.stringify(first.toJSON()));
    expect(saved.exhaustedBoxAt).toEqual(expect.any(Number));
    const resumed = BayesianOptimizer.fromJSON(saved);
    expect(resumed.toJSON().exhaustedBoxAt).toBe(saved.exhaustedBoxAt);
    expect([...before, ...asked(resumed, 10)]).toEqual(whole);
  });
});

describe('BayesianOptimizer API contract', () => {
  it('reports progress and can be cancelled between restarts without changing its state', () => {
    const optimizer = new BayesianOptimizer({ space: problemSpace(branin), seed: 4, direction: 'minimize', initialDesign: 4, ...FAST });
    run(optimizer, 6, braninOf);
    const events: ProgressEvent[] = [];
    const signal = { aborted: false };
    const before = optimizer.toJSON();
    expect(() =>
      optimizer.ask(1, {
        signal,
        onProgress: (e) => {
          events.push(e);
          if (e.stage === 'acquisition' && e.current === 1) signal.aborted = true;
        },
      }),
    ).toThrow(expect.objectContaining({ code: 'CANCELLED' }));
    expect(events.map((e) => e.stage)).toContain('fit');
    expect(optimizer.toJSON()).toEqual(before);
    const twin = BayesianOptimizer.fromJSON(before);
    expect(optimizer.ask()).toEqual(twin.ask());
  });

  it('rejects unknown ids, double tells and non-finite values', () => {
    const optimizer = new BayesianOptimizer({ space: problemSpace(branin), seed: 0, direction: 'minimize' });
    const [s] = optimizer.ask();
    expect(() => optimizer.tell(99, { value: 1 })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => optimizer.tell(s!.id, { value: NaN })).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    optimizer.tell(s!.id, { value: 1 });
    expect(() => optimizer.tell(s!.id, { value: 2 })).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    expect(() => new BayesianOptimizer({ space: [], seed: 0, direction: 'minimize' })).toThrow(BallastError);
  });

  it('takes outside observations into account and never re-proposes them', () => {
    const optimizer = new BayesianOptimizer({ space: problemSpace(branin), seed: 0, direction: 'minimize', initialDesign: 2, ...FAST });
    const known = [
      { x1: Math.PI, x2: 2.275 },
      { x1: 0, x2: 0 },
      { x1: 10, x2: 15 },
    ];
    for (const p of known) optimizer.addObservation(p, { value: braninOf(p) });
    const asked = run(optimizer, 5, braninOf);
    for (const s of asked) expect(known).not.toContainEqual(s.params);
    expect(optimizer.best()!.params).toEqual(known[0]);
  });
});
