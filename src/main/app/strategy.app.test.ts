import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MethodName, PushEvent } from '../../shared/api';
import type { Proposal } from '../../shared/domain';
import { DEFAULT_STRATEGY_PARAMETERS } from '../../shared/strategy';
import { InlineJobRunner } from '../jobs/inline';
import { PricesRepo } from '../store/prices';
import { jobHandlers } from './jobs';
import { businessDaysBetween, latestBusinessDay } from './proposals';
import { createRuntime, type Runtime } from './runtime';
import { QUICK_FORECAST } from './testSupport';

/*
 * The Bayesian strategy through the dispatcher (the path IPC, HTTP and the CLI take), on the real demo data with a
 * small forecast model so the whole pipeline runs in seconds: forecasts trained once and stored, reused, extended
 * when prices arrive, resumed after a cancel; proposals with forecasts, confidence, breaker and attribution;
 * backtests beside every baseline.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const resourcesDir = path.join(repoRoot, 'resources');

function makeRuntime(dir: string): Runtime {
  return createRuntime({ dbPath: path.join(dir, 'ballast.db'), resourcesDir, workerFile: 'unused', jobs: new InlineJobRunner(jobHandlers) });
}

async function prepared(label: string) {
  const dir = mkdtempSync(path.join(tmpdir(), `ballast-${label}-`));
  const runtime = makeRuntime(dir);
  await runtime.dispatcher.invoke('demo.load', {});
  await runtime.dispatcher.invoke('strategy.saveSettings', { forecast: QUICK_FORECAST });
  return { dir, runtime };
}

/** A proposal without what differs between two runs by design: its id, time, and the status of the older one. */
function content(p: Proposal) {
  const { id: _id, createdAt: _c, status: _s, decisions: _d, exports: _e, ...rest } = p;
  return rest;
}

describe('the Bayesian strategy through the dispatcher', () => {
  let dir: string;
  let runtime: Runtime;
  const invoke = <M extends MethodName>(name: M, input: unknown, callId?: string) => runtime.dispatcher.invoke(name, input, callId);

  beforeAll(async () => {
    ({ dir, runtime } = await prepared('bayesian'));
  }, 120_000);
  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let first: Proposal;

  it('proposes with forecasts, confidence, breaker state and an attribution that adds up', async () => {
    const events: PushEvent[] = [];
    const stop = runtime.subscribe((e) => events.push(e));
    first = await invoke('proposals.create', { accountId: 'DEMO' }, 'train-1');
    stop();
    expect(events.some((e) => e.type === 'progress' && e.step.startsWith('Forecast model'))).toBe(true);
    expect(first.engine).toBe('bayesian');
    expect(first.modelRun).toMatchObject({ horizonDays: 21, seed: 7, forecastDate: first.asOf });
    expect(first.parameters.theta).toBeDefined();
    expect(first.parameters.forecast).toMatchObject(QUICK_FORECAST);
    for (const a of first.assets) {
      expect(a.forecast).toBeTruthy();
      expect(a.forecast!.lower90).toBeLessThan(a.forecast!.mean);
      expect(a.forecast!.upper90).toBeGreaterThan(a.forecast!.mean);
      expect(a.forecast!.epistemicSd).toBeGreaterThan(0);
      expect(a.forecast!.aleatoricSd).toBeGreaterThan(0);
      expect(a.anchorWeight).toBeGreaterThan(0);
    }
    const weights = first.assets.reduce((s, a) => s + a.targetWeight, 0) + first.cash.targetWeight;
    expect(weights).toBeCloseTo(1, 12);
    expect(first.cash.targetWeight).toBeGreaterThanOrEqual(first.parameters.theta!.constraints.cashFloor - 1e-9);
    for (const a of first.assets) expect(a.targetWeight).toBeLessThanOrEqual(first.parameters.theta!.constraints.maxWeight + 1e-9);

    expect(first.confidence!.probabilityBeatsCurrent).toBeGreaterThan(0);
    expect(first.confidence!.probabilityBeatsCurrent).toBeLessThan(1);
    expect(first.confidence!.lower90).toBeLessThan(first.confidence!.upper90);

    const breaker = first.breaker!;
    expect(['NORMAL', 'CAUTION', 'DE_RISKED']).toContain(breaker.state);
    expect(breaker.reason.length).toBeGreaterThan(20);
    expect(breaker.override).toBeNull();
    expect(breaker.thresholds).toEqual({ warn: DEFAULT_STRATEGY_PARAMETERS.breaker.warn, trip: DEFAULT_STRATEGY_PARAMETERS.breaker.trip, reset: DEFAULT_STRATEGY_PARAMETERS.breaker.reset });

    const attribution = first.attribution!;
    expect(attribution.groups.map((g) => g.key)).toEqual(['forecasts', 'uncertainty', 'riskModel', 'breaker', 'costsConstraints']);
    first.assets.forEach((a, i) => {
      const row = attribution.assets[i]!;
      expect(row.ticker).toBe(a.ticker);
      expect(row.change).toBeCloseTo(a.targetWeight - a.currentWeight, 12);
      const sum = Object.values(row.contributions).reduce((s, x) => s + x, 0);
      expect(sum).toBeCloseTo(row.change, 12);
    });
    const riskAfter = attribution.assets.reduce((s, a) => s + a.riskContributionAfter, 0);
    expect(riskAfter).toBeCloseTo(1, 9);

    // The demo's prices end in August 2026: older than the latest business day by more than the limit, named.
    const age = businessDaysBetween(first.asOf, latestBusinessDay(new Date()));
    if (age > 3) expect(first.warnings!.join(' ')).toContain(`end ${first.asOf}`);
  }, 240_000);

  it('reuses the stored forecasts: the same data and seed give the same proposal, byte for byte', async () => {
    const events: PushEvent[] = [];
    const stop = runtime.subscribe((e) => events.push(e));
    const second = await invoke('proposals.create', { accountId: 'DEMO' }, 'reuse');
    stop();
    expect(events.some((e) => e.type === 'progress' && e.step.startsWith('Forecast model: walk-forward'))).toBe(false);
    expect(second.modelRun!.id).toBe(first.modelRun!.id);
    expect(JSON.stringify(content(second))).toBe(JSON.stringify(content(first)));
  }, 240_000);

  it('reads only the recent prices a proposal needs, and proposes exactly what the whole history gives (issue 10)', async () => {
    const read = PricesRepo.prototype.priceMatrix;
    const reads: { lastDates: number | undefined; from: string | undefined; dates: number }[] = [];
    let whole = false;
    const spy = vi.spyOn(PricesRepo.prototype, 'priceMatrix').mockImplementation(function (this: PricesRepo, ids, range = {}) {
      // Forced whole: every read from the first date, as before issue 10 (what a window must reproduce).
      const matrix = read.call(this, ids, whole ? (range.to ? { to: range.to } : {}) : range);
      reads.push({ lastDates: range.lastDates, from: range.from, dates: matrix.dates.length });
      return matrix;
    });
    try {
      for (const engine of ['bayesian', 'baseline'] as const) {
        whole = false;
        reads.length = 0;
        const bounded = await invoke('proposals.create', { accountId: 'DEMO', engine });
        // No read from the first date: the lookback's window (and, for the breaker's calendar, the stored forecasts' span).
        expect(reads.length).toBeGreaterThan(0);
        expect(reads.every((r) => r.lastDates !== undefined || r.from !== undefined)).toBe(true);
        const windows = reads.filter((r) => r.lastDates !== undefined);
        expect(windows.length).toBeGreaterThan(0);
        for (const r of windows) expect(r.dates).toBeLessThan(1000);
        if (engine === 'baseline') expect(reads).toEqual([{ lastDates: bounded.parameters.lookbackDays + 1, from: undefined, dates: bounded.parameters.lookbackDays + 1 }]);
        whole = true;
        const reference = await invoke('proposals.create', { accountId: 'DEMO', engine });
        expect(reference.engine).toBe(bounded.engine);
        expect(JSON.stringify(content(bounded))).toBe(JSON.stringify(content(reference)));
      }
    } finally {
      spy.mockRestore();
    }
  }, 240_000);

  it('lists the holdings on θ’s restricted lists with what the proposal may do with each, and keeps to it (issue 9)', async () => {
    const held = first.assets.filter((a) => Number(a.currentQuantity) > 0);
    expect(held.length).toBeGreaterThanOrEqual(4);
    const [noSell, noBuy, both, excluded] = held.map((a) => a.ticker);
    const theta = {
      ...first.parameters.theta!,
      constraints: { ...first.parameters.theta!.constraints, noSell: [noSell!, both!], noBuy: [noBuy!, both!], excluded: [excluded!, 'NOT-HELD'] },
    };
    const p = await invoke('proposals.create', { accountId: 'DEMO', theta });
    expect(p.untouched!.restricted).toEqual([noSell, noBuy, both, excluded].sort((a, b) => held.findIndex((h) => h.ticker === a) - held.findIndex((h) => h.ticker === b)).map((ticker) => {
      const asset = p.assets.find((a) => a.ticker === ticker)!;
      return expect.objectContaining({ securityId: asset.securityId, ticker, quantity: asset.currentQuantity, marketValue: expect.any(String) });
    }));
    const byTicker = new Map(p.untouched!.restricted!.map((h) => [h.ticker, h]));
    expect(byTicker.get(noSell!)).toMatchObject({ reason: 'no-sell', explanation: expect.stringContaining('on the no-sell list: not sold') });
    expect(byTicker.get(noBuy!)).toMatchObject({ reason: 'no-buy', explanation: expect.stringContaining('on the no-buy list: not added to') });
    expect(byTicker.get(both!)).toMatchObject({ reason: 'no-trade', explanation: expect.stringContaining('held at its current weight') });
    expect(byTicker.get(excluded!)).toMatchObject({ reason: 'excluded', explanation: 'on the excluded list: sold in full, not bought again' });
    // In the sleeve: not in the untouched value, which stays that of derivatives, shorts and cash-like funds (none here).
    expect(p.untouched!.holdings).toEqual([]);
    expect(Number(p.untouched!.value)).toBe(0);
    expect(p.untouched!.accountTotal).toBe(p.totalValue);
    // What the words say is what the proposal does — the breaker's exposure cut included, which never sells a
    // no-sell holding.
    const weight = (ticker: string) => p.assets.find((a) => a.ticker === ticker)!;
    expect(weight(excluded!).targetWeight).toBe(0);
    expect(weight(noSell!).targetWeight).toBeGreaterThanOrEqual(weight(noSell!).currentWeight - 1e-9);
    expect(weight(noBuy!).targetWeight).toBeLessThanOrEqual(weight(noBuy!).currentWeight + 1e-9);
    expect(weight(both!).targetWeight).toBeCloseTo(weight(both!).currentWeight, 6);
    // Without restricted lists (and nothing else held back) the proposal has no such block.
    expect(first.untouched).toBeUndefined();
  }, 240_000);

  it('says how much stays in cash above the floor when the per-asset maximums cannot hold more', async () => {
    // The breaker off, so the caps alone decide how much is invested.
    const base = first.parameters.theta!;
    const theta = { ...base, constraints: { ...base.constraints, maxWeight: 0.05 }, breaker: { ...base.breaker, enabled: false } };
    const p = await invoke('proposals.create', { accountId: 'DEMO', theta });
    const risky = p.assets.reduce((sum, a) => sum + a.targetWeight, 0);
    expect(risky).toBeCloseTo(0.05 * p.assets.length, 6);
    expect(p.warnings).toContainEqual(expect.stringMatching(/% of the account stays in cash above the 2\.0 % cash floor: the per-asset maximums/));
    expect(first.warnings?.some((w) => w.includes('stays in cash above'))).toBe(false);
  }, 240_000);

  it('a PM overrides the breaker for one proposal, with the reason audited and kept', async () => {
    // Override to a state the model is not in, so the override visibly changes the target.
    const state = first.breaker!.state === 'DE_RISKED' ? 'NORMAL' : 'DE_RISKED';
    const p = await invoke('proposals.create', { accountId: 'DEMO', breakerOverride: { state, reason: 'election night gap risk', by: 'A. Smith' } });
    const theta = p.parameters.theta!;
    const exposure = state === 'DE_RISKED' ? theta.breaker.floorExposure : 1;
    expect(p.breaker!.state).toBe(state);
    expect(p.breaker!.override).toEqual({ modelState: first.breaker!.state, reason: 'election night gap risk', by: 'A. Smith' });
    expect(p.breaker!.exposure).toBe(exposure);
    const risky = p.assets.reduce((sum, a) => sum + a.targetWeight, 0);
    expect(risky).toBeCloseTo(exposure * (1 - theta.constraints.cashFloor), 2);
    const audit = await invoke('audit.list', { limit: 5 });
    expect(audit.find((e) => e.action === 'breaker.override')).toMatchObject({ actor: 'A. Smith', entityId: String(p.id) });
    const db = new Database(runtime.dbPath, { readonly: true });
    try {
      const events = db.prepare('SELECT kind, to_state, reason, proposal_id FROM breaker_events WHERE kind = ?').all('override');
      expect(events).toEqual([{ kind: 'override', to_state: state, reason: 'election night gap risk', proposal_id: p.id }]);
    } finally {
      db.close();
    }
    // The next proposal without an override is the model's again.
    const next = await invoke('proposals.create', { accountId: 'DEMO' });
    expect(next.breaker!.override).toBeNull();
    expect(next.breaker!.state).toBe(first.breaker!.state);
  }, 240_000);

  it('uses the saved θ, and a cash floor named on the request wins over it', async () => {
    await invoke('strategy.saveSettings', { parameters: { constraints: { cashFloor: 0.1 } } });
    try {
      const saved = await invoke('proposals.create', { accountId: 'DEMO' });
      expect(saved.parameters.thetaSource).toBe('settings');
      expect(saved.parameters.theta!.constraints.cashFloor).toBe(0.1);
      expect(saved.cash.targetWeight).toBeGreaterThanOrEqual(0.1 - 1e-9);
      const named = await invoke('proposals.create', { accountId: 'DEMO', cashFloor: 0.05 });
      expect(named.parameters.theta!.constraints.cashFloor).toBe(0.05);
    } finally {
      await invoke('strategy.saveSettings', { parameters: {} });
    }
  }, 240_000);

  it('the baseline stays selectable', async () => {
    const p = await invoke('proposals.create', { accountId: 'DEMO', engine: 'baseline' });
    expect(p.engine).toBe('risk-parity-baseline');
    expect(p.breaker).toBeNull();
    expect(p.assets.every((a) => a.forecast === undefined || a.forecast === null)).toBe(true);
  });

  it('backtests the strategy beside every baseline and ablation, over the stored forecasts', async () => {
    const r = await invoke('backtest.run', { to: '2024-12-31' });
    expect(r.strategy).toBe('bayesian');
    expect(r.tickers).toHaveLength(13);
    expect(r.to <= '2024-12-31').toBe(true);
    expect(Object.keys(r.baselines).sort()).toEqual(['60-40', 'bayesian-no-breaker', 'bayesian-no-uncertainty-penalty', 'equal', 'erc', 'inverse-vol', 'min-variance']);
    expect(r.daily.length).toBeGreaterThan(1000);
    // Day one buys the first portfolio from cash, so equity starts at 1 less the cost of those trades.
    expect(r.daily[0]!.equity).toBeGreaterThan(0.995);
    expect(r.daily[0]!.equity).toBeLessThanOrEqual(1);
    expect(r.rebalances.length).toBeGreaterThan(50);
    for (const m of [r.metrics, ...Object.values(r.baselines).map((b) => b.metrics)]) {
      expect(Number.isFinite(m.sharpe)).toBe(true);
      expect(m.maxDrawdown).toBeGreaterThan(0);
    }
    expect(r.stress.length).toBeGreaterThanOrEqual(3);
    expect(r.stress.find((s) => s.name === 'Global financial crisis')).toBeDefined();
    expect(r.forecasts!.count).toBeGreaterThan(1000);
    expect(r.forecasts!.coverage['0.9']).toBeGreaterThan(0.5);
    expect(r.breaker!.timeInState.NORMAL! + r.breaker!.timeInState.CAUTION! + r.breaker!.timeInState.DE_RISKED!).toBeCloseTo(1, 9);
    // Cash earns the T-bill rate: an all-cash day's equity would grow; here simply the rate series was loaded.
    expect((await invoke('indicators.list', {})).some((s) => s.role === 'cash-rate')).toBe(true);
    // The proposals' model run (trained on the whole history) serves a backtest cut earlier: same run, its
    // forecasts up to the cut only, nothing retrained.
    const full = await invoke('backtest.run', {});
    expect(r.modelRunId).not.toBeNull();
    expect(full.modelRunId).toBe(r.modelRunId);
    expect(full.forecasts!.count).toBeGreaterThan(r.forecasts!.count);
    expect((await invoke('proposals.create', { accountId: 'DEMO' })).modelRun?.id).toBe(r.modelRunId);
  }, 240_000);
});

describe('forecasts as a stored artifact', () => {
  it('new prices extend the run incrementally; a cancelled run resumes instead of starting over', async () => {
    const a = await prepared('extend');
    const b = await prepared('uninterrupted');
    try {
      // A: train on history up to 2024, then on all of it — the same run, extended from its checkpoint.
      const early = await a.runtime.dispatcher.invoke('backtest.run', { to: '2024-06-28' });
      const later = await a.runtime.dispatcher.invoke('backtest.run', {});
      expect(later.modelRunId).toBe(early.modelRunId);
      expect(later.forecasts!.count).toBeGreaterThan(early.forecasts!.count);

      // B: start a run and cancel it at its first stored block, then run again: it resumes (same run id).
      let cancelled = false;
      const stop = b.runtime.subscribe((e) => {
        if (!cancelled && e.type === 'progress' && e.step.includes('walk-forward') && e.current > 0) {
          cancelled = true;
          void b.runtime.dispatcher.call('jobs.cancel', { callId: 'to-cancel' });
        }
      });
      const interrupted = await b.runtime.dispatcher.call('backtest.run', {}, 'to-cancel');
      stop();
      expect(interrupted.ok).toBe(false);
      const db = new Database(b.runtime.dbPath, { readonly: true });
      const run = db.prepare('SELECT id, status FROM model_runs').get() as { id: number; status: string };
      db.close();
      expect(run.status).toBe('cancelled');
      const resumed = await b.runtime.dispatcher.invoke('backtest.run', {});
      expect(resumed.modelRunId).toBe(run.id);

      // Block by block the stored forecasts are what an uninterrupted run writes (engine/forecast/walkForward.test.ts
      // proves resume = uninterrupted); here the app finishes the same run rather than starting another.
      expect(resumed.forecasts!.count).toBe(later.forecasts!.count);
      const after = new Database(b.runtime.dbPath, { readonly: true });
      expect(after.prepare('SELECT count(*) AS n, max(status) AS status FROM model_runs').get()).toEqual({ n: 1, status: 'complete' });
      after.close();
    } finally {
      for (const x of [a, b]) {
        await x.runtime.close();
        rmSync(x.dir, { recursive: true, force: true });
      }
    }
  }, 480_000);
});
