import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName, PushEvent } from '../../shared/api';
import { BallastError } from '../../shared/errors';
import type { TuningRunReport } from '../../shared/tuning';
import { InlineJobRunner } from '../jobs/inline';
import { jobHandlers } from './jobs';
import { deflatedSharpeRatio } from '../engine/tuning';
import { createRuntime, type Runtime } from './runtime';
import { foldPieces, tuningProgressStep } from './tuning';
import { QUICK_FORECAST, tuningRunContent } from './testSupport';

/*
 * Tuning through the dispatcher (the path IPC, HTTP and the CLI take) on the real demo data with a small forecast
 * model and small budgets: a run with the comparison, read live while it runs; constraints; accept and its effect on
 * proposals; cancel + resume = uninterrupted; a run whose process died reads as interrupted and resumes the same; warm
 * start; the surrogate. The SIGKILL of a real `ballast tune`
 * process is in cli/tune.cli.test.ts.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const resourcesDir = path.join(repoRoot, 'resources');
/** A three-parameter space keeps each run to seconds; the default space is exercised by the engine tests and the bench. */
const SPACE = [
  { name: 'riskAversion', type: 'continuous', lower: 1, upper: 100, scale: 'log' },
  { name: 'rebalance.everyDays', type: 'integer', lower: 10, upper: 63 },
  { name: 'trackingErrorBudget', type: 'continuous', lower: 0.005, upper: 0.08, scale: 'log' },
] as const;

describe('tuning θ through the dispatcher', () => {
  let dir: string;
  let runtime: Runtime;
  const invoke = <M extends MethodName>(name: M, input: unknown, callId?: string) => runtime.dispatcher.invoke(name, input, callId);
  let compared: TuningRunReport;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ballast-tuning-'));
    runtime = createRuntime({ dbPath: path.join(dir, 'ballast.db'), resourcesDir, workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers) });
    await runtime.dispatcher.invoke('demo.load', {});
    await runtime.dispatcher.invoke('strategy.saveSettings', { forecast: QUICK_FORECAST });
  }, 120_000);
  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs BO beside random and grid search on the same folds, readable while it runs, reported once on the test window', async () => {
    const live: { status: string; evaluations: number; curve: number }[] = [];
    const reads: Promise<void>[] = [];
    const events: PushEvent[] = [];
    const stop = runtime.subscribe((e) => {
      events.push(e);
      if (e.type !== 'state-changed' || e.entity !== 'tuning') return;
      reads.push(
        (async () => {
          const list = await invoke('tuning.list', { accountId: 'DEMO' });
          if (list.length === 0) return;
          const r = await invoke('tuning.get', { runId: list[0]!.runId });
          live.push({ status: r.status, evaluations: r.evaluations.length, curve: r.comparison?.bayesian.bestSoFar.length ?? 0 });
        })(),
      );
    });
    compared = await invoke('tuning.run', { accountId: 'DEMO', budget: 8, batch: 2, seed: 11, folds: 3, testYears: 3, compare: true, space: SPACE }, 'tune-1');
    stop();
    await Promise.all(reads);

    expect(compared.status).toBe('complete');
    expect(compared.evaluations).toHaveLength(8);
    expect(compared.folds).toHaveLength(3);
    // Folds are consecutive and end before the test window, which ends with the data.
    for (let k = 1; k < 3; k++) expect(compared.folds[k]!.from > compared.folds[k - 1]!.to).toBe(true);
    expect(compared.testWindow.from > compared.folds[2]!.to).toBe(true);
    expect(compared.testWindow.to).toBe('2026-08-03');
    expect(compared.tickers).toHaveLength(13);
    expect(compared.modelRunId).toBeGreaterThan(0);
    for (const e of compared.evaluations) {
      expect(e.folds).toHaveLength(3);
      if (e.feasible) expect(e.validation).toBeCloseTo(e.folds.reduce((a, b) => a! + b!, 0)! / 3, 12);
    }
    const c = compared.comparison!;
    expect(c.random!.evaluations).toBe(8);
    expect(c.grid!.evaluations).toBe(8);
    for (const s of [c.bayesian, c.random!, c.grid!]) {
      expect(s.bestValidation).not.toBeNull();
      expect(s.test).not.toBeNull();
      expect(s.bestSoFar).toHaveLength(8);
      expect(s.bestSoFar.at(-1)).toBeGreaterThanOrEqual(s.bestValidation! - 1e-12);
    }
    // One search reached the common target at all, so its count is a number.
    expect([c.bayesian, c.random!, c.grid!].some((s) => s.evaluationsTo95 !== null)).toBe(true);
    const best = compared.best!;
    expect(best.validation).toBe(c.bayesian.bestValidation);
    expect(best.test).toBe(c.bayesian.test);
    expect(best.theta.riskAversion).toBe(best.values.riskAversion);
    expect(best.theta.rebalance.everyDays).toBe(best.values['rebalance.everyDays']);
    expect(compared.evaluations.find((e) => JSON.stringify(e.theta) === JSON.stringify(best.values))!.feasible).toBe(true);
    expect(compared.importance.map((i) => i.name)).toEqual(SPACE.map((p) => p.name));
    expect(compared.importance.reduce((s, i) => s + i.importance, 0)).toBeCloseTo(1, 12);

    // The deflated Sharpe ratio of the chosen θ: each feasible Bayesian backtest is a trial, and the validation score
    // rests on each fold's trading days less one — counted here from the stored prices, not by the code under test.
    const db = new Database(runtime.dbPath, { readonly: true });
    const inTickers = compared.tickers.map(() => '?').join(',');
    const tradingDays = db
      .prepare(`SELECT count(DISTINCT p.date) FROM prices p JOIN securities s ON s.id = p.security_id WHERE s.ticker IN (${inTickers}) AND p.date BETWEEN ? AND ?`)
      .pluck();
    const returns = compared.folds.reduce((n, f) => n + (tradingDays.get(...compared.tickers, f.from, f.to) as number) - 1, 0);
    db.close();
    expect(returns).toBeGreaterThan(3 * 125);
    const trials = compared.evaluations.filter((e) => e.feasible).map((e) => e.validation!);
    expect(best.deflatedSharpe).toEqual(deflatedSharpeRatio({ sharpe: best.validation, trialSharpes: trials, returns }));
    expect(best.deflatedSharpe!.trials).toBe(trials.length);

    // Read while running: the run was 'running', evaluations arrived batch by batch, then it completed.
    const running = live.filter((l) => l.status === 'running');
    expect(running.length).toBeGreaterThanOrEqual(4);
    for (let k = 1; k < running.length; k++) expect(running[k]!.evaluations).toBeGreaterThanOrEqual(running[k - 1]!.evaluations);
    expect(running.some((l) => l.evaluations > 0 && l.evaluations < 8)).toBe(true);
    expect(live.at(-1)!.status).toBe('complete');
    // Progress in a PM's words; the count of the bar (current of total) is said once, inside the step, so neither the
    // screen's progress line nor the CLI's adds a second count in other units.
    const progress = events.filter((e) => e.type === 'progress' && e.callId === 'tune-1') as { step: string; current: number; total: number }[];
    const tuningSteps = progress.filter((e) => /backtests/.test(e.step));
    expect(tuningSteps.some((e) => /^Bayesian optimisation: [1-8] of 8 backtests done · best Sharpe so far -?\d+\.\d{2} · [1-8] of 24 in all$/.test(e.step))).toBe(true);
    expect(tuningSteps.some((e) => /^Random search: [1-8] of 8 backtests done · best Sharpe so far -?\d+\.\d{2} · (9|1\d) of 24 in all$/.test(e.step))).toBe(true);
    expect(tuningSteps.some((e) => /^Grid search: [1-8] of 8 backtests done · best Sharpe so far -?\d+\.\d{2} · (1[7-9]|2\d) of 24 in all$/.test(e.step))).toBe(true);
    for (const e of tuningSteps) expect(e.step).toContain(`${e.current} of ${e.total}`);
    expect(tuningSteps.at(-1)).toEqual({ ...tuningSteps.at(-1), step: 'Tuning finished: 24 of 24 backtests and the test window', current: 24, total: 24 });
  }, 240_000);

  it('a new run does not change proposals until a PM accepts it; then proposals use its θ and name the run', async () => {
    const before = await invoke('proposals.create', { accountId: 'DEMO' });
    expect(before.parameters.thetaSource).not.toBe('tuning');
    expect(before.parameters.tuningRunId).toBeUndefined();
    expect((await invoke('tuning.list', { accountId: 'DEMO' }))[0]!.inUse).toBe(false);

    const summary = await invoke('tuning.accept', { runId: compared.runId, by: 'A. Smith', reason: 'validated on three folds' });
    expect(summary).toMatchObject({ runId: compared.runId, inUse: true, acceptedBy: 'A. Smith' });
    const audit = await invoke('audit.list', { limit: 3 });
    const entry = audit.find((a) => a.action === 'tuning.accept')!;
    expect(entry).toMatchObject({ actor: 'A. Smith', entity: 'tuning_run', entityId: String(compared.runId) });
    expect(JSON.stringify(entry.details)).toContain('validated on three folds');

    const after = await invoke('proposals.create', { accountId: 'DEMO' });
    expect(after.parameters.thetaSource).toBe('tuning');
    expect(after.parameters.tuningRunId).toBe(compared.runId);
    expect(after.parameters.theta).toEqual(compared.best!.theta);
    // A θ named on the request still wins.
    const requested = await invoke('proposals.create', { accountId: 'DEMO', theta: { riskAversion: 3 } });
    expect(requested.parameters.thetaSource).toBe('request');
    expect(requested.parameters.tuningRunId).toBeUndefined();

    // The run sets only what it tuned: a mandate change saved after the acceptance (a no-sell name, a lower cap)
    // holds in the next proposal, with the tuned values kept.
    const settings = await invoke('strategy.settings', {});
    const mandate = { ...settings.parameters.constraints, maxWeight: 0.3, noSell: [after.assets[0]!.ticker] };
    await invoke('strategy.saveSettings', { parameters: { ...settings.parameters, constraints: mandate } });
    const later = await invoke('proposals.create', { accountId: 'DEMO' });
    expect(later.parameters.thetaSource).toBe('tuning');
    expect(later.parameters.theta!.constraints).toEqual(mandate);
    for (const [name, value] of Object.entries(compared.best!.values)) {
      const actual = name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], later.parameters.theta);
      expect(actual, name).toEqual(value);
    }
    await invoke('strategy.saveSettings', { parameters: settings.parameters });
  }, 240_000);

  it('never accepts a θ that breaks a constraint: a run with an impossible constraint has no best and cannot be accepted', async () => {
    const r = await invoke('tuning.run', { accountId: 'DEMO', budget: 4, batch: 2, seed: 2, folds: 3, testYears: 3, space: SPACE, warmStart: 'none', constraints: [{ metric: 'maxDrawdown', max: 0.001 }] });
    expect(r.status).toBe('complete');
    expect(r.evaluations.every((e) => !e.feasible && /^max drawdown 0\.\d+ > 0\.001 on fold \d/.test(e.reason!))).toBe(true);
    expect(r.best).toBeNull();
    await expect(invoke('tuning.accept', { runId: r.runId })).rejects.toMatchObject({ code: 'INVALID_STATE' });

    // A constraint that binds on part of the space: the best meets it on every fold.
    const cap = 0.16;
    const bound = await invoke('tuning.run', { accountId: 'DEMO', budget: 6, batch: 2, seed: 3, folds: 3, testYears: 3, space: SPACE, warmStart: 'none', constraints: [{ metric: 'maxDrawdown', max: cap }] });
    if (bound.best) {
      const chosen = bound.evaluations.find((e) => JSON.stringify(e.theta) === JSON.stringify(bound.best!.values))!;
      expect(chosen.feasible).toBe(true);
    }
    // Infeasible means a broken constraint or a backtest the allocator could not solve — said in words either way.
    for (const e of bound.evaluations) if (!e.feasible) expect(e.reason).toMatch(/^(max drawdown 0\.\d+ > 0\.16 on fold \d|the backtest on fold \d \(.*\) failed: .{20,})/);
  }, 240_000);

  it('scores the saved settings untuned on the same folds and test window: a tuned θ equal to them scores the same', async () => {
    // A space of two rebalancing intervals, one of them the saved settings' own (21 trading days): every evaluation at
    // 21 is the saved θ, so its score must be the untuned score to the bit.
    const saved = (await invoke('strategy.settings', {})).parameters;
    expect(saved.rebalance.everyDays).toBe(21);
    const r = await invoke('tuning.run', {
      accountId: 'DEMO', budget: 5, batch: 1, seed: 8, folds: 3, testYears: 3, warmStart: 'none',
      space: [{ name: 'rebalance.everyDays', type: 'integer', lower: 21, upper: 22 }],
    });
    expect(r.status).toBe('complete');
    const u = r.untuned!;
    expect(u.feasible).toBe(true);
    const atSaved = r.evaluations.filter((e) => e.theta['rebalance.everyDays'] === 21);
    expect(atSaved.length).toBeGreaterThan(0);
    for (const e of atSaved) {
      expect(e.validation).toBe(u.validation);
      expect(e.folds).toEqual(u.folds);
    }
    if (r.best!.values['rebalance.everyDays'] === 21) expect(r.best!.test).toBe(u.test);
    expect(u.test).not.toBeNull();
  }, 240_000);

  it('reports no deflated Sharpe ratio for an objective other than Sharpe (it is defined for Sharpe ratios)', async () => {
    const r = await invoke('tuning.run', { accountId: 'DEMO', budget: 4, batch: 2, seed: 4, folds: 3, testYears: 3, space: SPACE, warmStart: 'none', objective: 'calmar' });
    expect(r.status).toBe('complete');
    expect(r.best).not.toBeNull();
    expect(r.best!.deflatedSharpe).toBeNull();
  }, 240_000);

  /** Same seed and input for the cancelled and the interrupted run; the uninterrupted one is their reference. */
  const RESUMED_INPUT = { accountId: 'DEMO', budget: 8, batch: 2, seed: 21, folds: 3, testYears: 3, space: SPACE, warmStart: 'none', compare: false };
  let uninterrupted: TuningRunReport;

  it('a cancelled run resumes where it stopped and ends exactly like an uninterrupted run with the same seed', async () => {
    const input = RESUMED_INPUT;
    const steps: { step: string; current: number; total: number }[] = [];
    const listen = runtime.subscribe((e) => {
      if (e.type === 'progress' && e.callId === 'tune-plain') steps.push(e);
    });
    uninterrupted = await invoke('tuning.run', input, 'tune-plain');
    listen();
    // Without the comparison the bar counts the tuner's own backtests ("4 of 8"), said once and without "in all".
    const searchSteps = steps.filter((e) => e.step.startsWith('Bayesian optimisation: '));
    expect(searchSteps.some((e) => /^Bayesian optimisation: 4 of 8 backtests done · best Sharpe so far -?\d+\.\d{2}$/.test(e.step))).toBe(true);
    for (const e of searchSteps) expect([e.step.includes(`${e.current} of ${e.total}`), e.total, e.step.includes('in all')]).toEqual([true, 8, false]);

    let commits = 0;
    const stop = runtime.subscribe((e) => {
      if (e.type === 'state-changed' && e.entity === 'tuning' && ++commits === 3) void invoke('jobs.cancel', { callId: 'tune-cancel' });
    });
    const cancelled = await invoke('tuning.run', input, 'tune-cancel').then(
      () => null,
      (err: unknown) => err,
    );
    stop();
    expect(cancelled).toBeInstanceOf(BallastError);
    expect((cancelled as BallastError).code).toBe('CANCELLED');
    const stopped = (await invoke('tuning.list', { accountId: 'DEMO' }))[0]!;
    expect(stopped.status).toBe('cancelled');
    expect(stopped.evaluations).toBeGreaterThan(0);
    expect(stopped.evaluations).toBeLessThan(8);
    await expect(invoke('tuning.accept', { runId: stopped.runId })).rejects.toMatchObject({ code: 'INVALID_STATE' });

    const resumed = await invoke('tuning.run', { resume: stopped.runId });
    expect(resumed.runId).toBe(stopped.runId);
    expect(resumed.status).toBe('complete');
    expect(tuningRunContent(resumed)).toEqual(tuningRunContent(uninterrupted));
    await expect(invoke('tuning.run', { resume: stopped.runId })).rejects.toMatchObject({ code: 'INVALID_STATE' });
  }, 240_000);

  it('with several workers, each evaluation’s folds run as separate jobs and the run ends the same', async () => {
    // Told it has 2 workers, the runner gets each batch of 2 points as 2 × 2 jobs (folds [0] and [1, 2]).
    const pieces: number[][] = [];
    const runner = new InlineJobRunner(jobHandlers, 2);
    const run = runner.run.bind(runner);
    runner.run = (kind, input, dbPath, opts) => {
      if (kind === 'tuning.evaluate' && (input as { windows: string }).windows === 'validation') pieces.push((input as { folds: number[] }).folds);
      return run(kind, input, dbPath, opts);
    };
    const wide = createRuntime({ dbPath: runtime.dbPath, resourcesDir, workerFile: 'unused', jobs: runner });
    try {
      const split = await wide.dispatcher.invoke('tuning.run', RESUMED_INPUT);
      // 8 points × 2 pieces, then the saved settings untuned at the end: a batch of one, in as many pieces as folds.
      expect(pieces.length).toBe(16 + 3);
      expect(pieces.slice(0, 4)).toEqual([[0], [1, 2], [0], [1, 2]]);
      expect(pieces.slice(16)).toEqual(foldPieces(3, 1, 2));
      expect(tuningRunContent(split)).toEqual(tuningRunContent(uninterrupted));
    } finally {
      await wide.close();
    }
  }, 240_000);

  it('a run whose process died (left running, its pid gone) reads as interrupted and resumes to the uninterrupted result; a run a live process owns is refused', async () => {
    let commits = 0;
    const stop = runtime.subscribe((e) => {
      if (e.type === 'state-changed' && e.entity === 'tuning' && ++commits === 3) void invoke('jobs.cancel', { callId: 'tune-killed' });
    });
    await invoke('tuning.run', RESUMED_INPUT, 'tune-killed').catch(() => undefined);
    stop();
    const runId = (await invoke('tuning.list', { accountId: 'DEMO' }))[0]!.runId;
    // What a SIGKILL leaves behind: the row still 'running', owned by a process that no longer exists (a real child,
    // run to its end). The real SIGKILL of `ballast tune` is in cli/tune.cli.test.ts.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const db = new Database(runtime.dbPath);
    const own = (pid: number) =>
      db.prepare("UPDATE tuning_runs SET status = 'running', error = NULL, owner_pid = ?, owner_host = ?, heartbeat_at = ? WHERE id = ?").run(pid, hostname(), new Date().toISOString(), runId);
    try {
      own(deadPid);
    } finally {
      db.close();
    }

    const listed = (await invoke('tuning.list', { accountId: 'DEMO' })).find((r) => r.runId === runId)!;
    expect(listed.status).toBe('interrupted');
    expect(listed.evaluations).toBeGreaterThan(0);
    expect(listed.evaluations).toBeLessThan(8);
    const report = await invoke('tuning.get', { runId });
    expect(report.status).toBe('interrupted');
    expect(report.evaluations.length).toBe(listed.evaluations);
    await expect(invoke('tuning.accept', { runId })).rejects.toMatchObject({ code: 'INVALID_STATE' });

    // Owned by a live process (here: this test's parent), the same row is running, and a resume is refused.
    const live = new Database(runtime.dbPath);
    try {
      live.prepare('UPDATE tuning_runs SET owner_pid = ? WHERE id = ?').run(process.ppid, runId);
      expect((await invoke('tuning.get', { runId })).status).toBe('running');
      await expect(invoke('tuning.run', { resume: runId })).rejects.toMatchObject({ code: 'INVALID_STATE', message: `Tuning run ${runId} is running in process ${process.ppid}; stop it first.` });
      live.prepare('UPDATE tuning_runs SET owner_pid = ? WHERE id = ?').run(deadPid, runId);
    } finally {
      live.close();
    }

    const resumed = await invoke('tuning.run', { resume: runId });
    expect(resumed.runId).toBe(runId);
    expect(resumed.status).toBe('complete');
    expect(tuningRunContent(resumed)).toEqual(tuningRunContent(uninterrupted));
    expect((await invoke('tuning.list', { accountId: 'DEMO' })).find((r) => r.runId === runId)!.status).toBe('complete');
  }, 240_000);

  it('warm-starts a new run on the same space from the previous run’s best points, re-evaluated on its own folds', async () => {
    const previous = (await invoke('tuning.list', { accountId: 'DEMO' }))[0]!;
    const r = await invoke('tuning.run', { accountId: 'DEMO', budget: 8, batch: 2, seed: 5, folds: 3, testYears: 3, space: SPACE });
    expect(r.warmStartedFrom).toBe(previous.runId);
    const warm = r.evaluations.filter((e) => e.source === 'warm-start');
    expect(warm).toHaveLength(2); // ⌊8/4⌋
    expect(r.evaluations.slice(0, 2)).toEqual(warm);
    const old = (await invoke('tuning.get', { runId: previous.runId })).evaluations.filter((e) => e.feasible).sort((a, b) => b.validation! - a.validation!);
    expect(warm.map((e) => e.theta)).toEqual(old.slice(0, 2).map((e) => e.theta));
    expect(r.evaluations).toHaveLength(8);
  }, 240_000);

  it('the surrogate: the GP’s mean and 90 % band along one parameter, the others at the best point', async () => {
    const slice = await invoke('tuning.surrogate', { runId: compared.runId, parameter: 'riskAversion', points: 25 });
    expect(slice.x).toHaveLength(25);
    expect(slice.x[0]).toBeCloseTo(1, 12);
    expect(slice.x[24]).toBeCloseTo(100, 9);
    slice.mean.forEach((m, i) => {
      expect(slice.lower[i]).toBeLessThanOrEqual(m);
      expect(slice.upper[i]).toBeGreaterThanOrEqual(m);
    });
    expect(slice.observations.length).toBe(compared.evaluations.filter((e) => e.feasible).length);
    await expect(invoke('tuning.surrogate', { runId: compared.runId, parameter: 'breaker.trip' })).rejects.toThrow(/not a parameter of this run's search space/);
  }, 60_000);
});

describe('the tuning progress line', () => {
  it('says each search and its count in words, the run-wide count only when searches run one after another', () => {
    const step = (p: Partial<Parameters<typeof tuningProgressStep>[0]>) =>
      tuningProgressStep({ search: 'bayesian', searchDone: 4, budget: 18, done: 4, total: 18, objective: 'sharpe', best: 0.6662, ...p });
    expect(step({})).toBe('Bayesian optimisation: 4 of 18 backtests done · best Sharpe so far 0.67');
    expect(step({ best: null, searchDone: 0, done: 0 })).toBe('Bayesian optimisation: 0 of 18 backtests done');
    expect(step({ search: 'random', searchDone: 3, done: 21, total: 54, best: -0.1234 })).toBe('Random search: 3 of 18 backtests done · best Sharpe so far -0.12 · 21 of 54 in all');
    expect(step({ search: 'grid', objective: 'utility', best: 0.03456, searchDone: 18, done: 54, total: 54 })).toBe('Grid search: 18 of 18 backtests done · best utility so far 3.46 % · 54 of 54 in all');
    expect(step({ best: null, searchDone: 0, done: 0, warmStartFrom: 3 })).toBe('Bayesian optimisation: 0 of 18 backtests done · backtesting run #3’s best parameters again');
  });
});

describe('cutting an evaluation’s folds into jobs', () => {
  it('whole with one worker, else about two jobs per worker per batch, in consecutive runs that cover each fold once', () => {
    expect(foldPieces(4, 1, 1)).toEqual([[0, 1, 2, 3]]);
    expect(foldPieces(4, 4, 2)).toEqual([[0, 1, 2, 3]]);
    expect(foldPieces(4, 2, 2)).toEqual([[0, 1], [2, 3]]);
    expect(foldPieces(4, 1, 2)).toEqual([[0], [1], [2], [3]]);
    expect(foldPieces(3, 2, 2)).toEqual([[0], [1, 2]]);
    expect(foldPieces(8, 1, 2)).toEqual([[0, 1], [2, 3], [4, 5], [6, 7]]);
    expect(foldPieces(2, 1, 8)).toEqual([[0], [1]]);
    for (let folds = 1; folds <= 6; folds++)
      for (let batch = 1; batch <= 4; batch++)
        for (let workers = 1; workers <= 4; workers++) expect(foldPieces(folds, batch, workers).flat()).toEqual(Array.from({ length: folds }, (_, k) => k));
  });
});
