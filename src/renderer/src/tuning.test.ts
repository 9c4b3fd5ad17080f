import { describe, expect, it } from 'vitest';
import { DEFAULT_STRATEGY_PARAMETERS } from '../../shared/strategy';
import { DEFAULT_TUNING_SPACE } from '../../shared/tuning';
import { progressText } from './bayesian';
import {
  acceptCaution,
  acceptFormProblem,
  acceptProblem,
  beliefParameters,
  bestEvaluation,
  bestSoFar,
  buildRunInput,
  canResume,
  comparisonRows,
  constraintsSentence,
  deflatedSharpeText,
  emptyConstraintForm,
  emptyStartForm,
  evaluationRows,
  formatObjective,
  formatParameterValue,
  importanceRows,
  parseBeliefs,
  parseConstraints,
  parseTypedNumber,
  progressModel,
  priorSentence,
  runningRun,
  statusLabel,
  statusTone,
  stoppedSentence,
  surrogateSummary,
  thetaComparison,
  thetaValue,
  untunedSentence,
  validationTestSentence,
} from './tuning';
import { surrogateSlice, tuningReport, tuningSummary, tuningTheta } from './tuning.fixture';

describe('parameters in words', () => {
  it('writes each value in its own units', () => {
    expect(formatParameterValue('trackingErrorBudget', 0.025)).toBe('2.5 %');
    expect(formatParameterValue('rebalance.everyDays', 21)).toBe('21 trading days');
    expect(formatParameterValue('riskAversion', 12.3456)).toBe('12.35');
    expect(formatParameterValue('uncertaintyPenalty', 150.26)).toBe('150.3');
    expect(formatParameterValue('breaker.warn', -1.2)).toBe('-1.20');
    expect(formatParameterValue('rebalance.mode', 'bands')).toBe('when weights leave their bands');
    expect(formatParameterValue('riskAversion', null)).toBe('—');
  });

  it('reads θ by path and sets the current θ beside the best one', () => {
    const theta = tuningTheta();
    expect(thetaValue(theta, 'rebalance.everyDays')).toBe(42);
    expect(thetaValue(theta, 'riskAversion')).toBe(12.5);
    expect(thetaValue(theta, 'rebalance.nothing')).toBeNull();
    const rows = thetaComparison(tuningReport().space, tuningReport().best!.values, DEFAULT_STRATEGY_PARAMETERS);
    expect(rows.map((r) => [r.label, r.current, r.best, r.changed])).toEqual([
      ['Risk aversion', '10', '12.5', true],
      ['Rebalancing interval', '21 trading days', '42 trading days', true],
      ['Rebalancing rule', 'on a calendar', 'on a calendar', false],
    ]);
  });

  it('formats each objective: ratios to two decimals, utility as a percent', () => {
    expect(formatObjective(0.8123, 'sharpe')).toBe('0.81');
    expect(formatObjective(0.0412, 'utility')).toBe('4.12 %');
    expect(formatObjective(null, 'calmar')).toBe('—');
  });
});

describe('the live curve', () => {
  it('keeps a running best per search, counting each search’s own backtests; infeasible ones never improve it', () => {
    const model = bestSoFar(tuningReport().evaluations);
    expect(model.series.map((s) => s.search)).toEqual(['bayesian', 'random', 'grid']);
    // 0.95 broke the drawdown limit and the 6th failed: the best stays 0.91.
    expect(model.series[0]!.points).toEqual([
      [1, 0.5],
      [2, 0.7],
      [3, 0.7],
      [4, 0.91],
      [5, 0.91],
      [6, 0.91],
    ]);
    expect(model.series[1]!.points).toEqual([
      [1, 0.4],
      [2, 0.75],
      [3, 0.75],
    ]);
    expect(model.evaluations.map((e) => [e.n, e.feasible])).toEqual([
      [1, true],
      [2, true],
      [3, false],
      [4, true],
      [5, true],
      [6, false],
    ]);
  });

  it('has no best before the first feasible backtest, and orders by index whatever the input order', () => {
    const [a, b, c] = tuningReport().evaluations;
    const model = bestSoFar([{ ...c!, index: 1, feasible: true, reason: null }, { ...a!, index: 0, feasible: false, reason: 'x' }, { ...b!, index: 2 }]);
    expect(model.series[0]!.points).toEqual([
      [1, null],
      [2, 0.95],
      [3, 0.95],
    ]);
    expect(bestSoFar([]).series).toEqual([]);
  });

  it('prefers the server’s own best-so-far per search, and falls back to the evaluations', () => {
    const report = tuningReport();
    const model = progressModel(report);
    expect(model.series.map((s) => [s.search, s.points.length])).toEqual([
      ['bayesian', 6],
      ['random', 6],
      ['grid', 3],
    ]);
    expect(model.series[1]!.points[5]).toEqual([6, 0.75]);
    expect(model.evaluations).toHaveLength(6);
    report.comparison = { bayesian: { ...report.comparison!.bayesian, bestSoFar: [] }, random: null, grid: null };
    report.evaluations = report.evaluations.filter((e) => e.source !== 'random' && e.source !== 'grid');
    expect(progressModel(report).series.map((s) => s.search)).toEqual(['bayesian']);
    expect(progressModel(report).series[0]!.points[3]).toEqual([4, 0.91]);
    expect(progressModel({ ...tuningReport(), comparison: null }).series.map((s) => s.search)).toEqual(['bayesian', 'random', 'grid']);
  });

  it('names the tuner’s best evaluation, ignoring random and grid search', () => {
    expect(bestEvaluation(tuningReport().evaluations)?.index).toBe(3);
  });
});

describe('tables', () => {
  it('compares the searches at the same budget', () => {
    expect(comparisonRows(tuningReport())).toEqual([
      { search: 'bayesian', label: 'Bayesian optimisation', bestValidation: '0.91', test: '0.64', reached95: '4 of 6' },
      { search: 'random', label: 'Random search', bestValidation: '0.75', test: '0.50', reached95: 'never' },
      { search: 'grid', label: 'Grid search', bestValidation: '0.85', test: '—', reached95: 'not yet (3 run)' },
    ]);
    expect(comparisonRows({ ...tuningReport(), comparison: null })).toBeNull();
    const alone = tuningReport();
    alone.comparison = { bayesian: alone.comparison!.bayesian, random: null, grid: null };
    expect(comparisonRows(alone)).toBeNull();
  });

  it('lists every evaluation with its values, whether it met the limits and why not, and marks the best', () => {
    const rows = evaluationRows(tuningReport());
    expect(rows).toHaveLength(12);
    expect(rows[2]).toMatchObject({ search: 'Chosen by the model', validation: '0.95', folds: '0.90 · 1.00', feasible: false, feasibility: 'No: max drawdown 23.1 % above the 20 % limit on fold 2' });
    expect(rows[3]).toMatchObject({ isBest: true, feasibility: 'Yes', values: { riskAversion: '12.5', 'rebalance.everyDays': '42 trading days', 'rebalance.mode': 'on a calendar' } });
    expect(rows.filter((r) => r.isBest)).toHaveLength(1);
    expect(rows[5]!.validation).toBe('—');
    // A finished noisy run may recommend a point with a lower single score than the highest: the row shown as
    // chosen is the one whose parameters the run recommends.
    const report = tuningReport();
    report.best = { ...report.best!, values: { riskAversion: 20, 'rebalance.everyDays': 21, 'rebalance.mode': 'calendar' }, validation: 0.8 };
    expect(evaluationRows(report).find((r) => r.isBest)?.index).toBe(4);
    expect(evaluationRows({ ...report, best: null }).find((r) => r.isBest)?.index).toBe(3);
  });

  it('sorts importance, most important first, with labels', () => {
    expect(importanceRows(tuningReport()).map((r) => [r.label, r.importance])).toEqual([
      ['Rebalancing interval', 0.625],
      ['Risk aversion', 0.25],
      ['Rebalancing rule', 0.125],
    ]);
  });

  it('explains validation against test with the run’s own windows', () => {
    const text = validationTestSentence(tuningReport());
    expect(text).toContain('Sharpe ratio of 0.91 on average over 2 validation windows (2010-01-04 to 2019-12-31)');
    expect(text).toContain('2020-01-02 to 2023-08-03');
    expect(text).toContain('never used to choose');
    expect(text).toContain('They scored 0.64 there.');
    const running = validationTestSentence({ ...tuningReport(), best: null });
    expect(running).toContain('computed once, when the run finishes');
  });

  it('sets the saved settings, untuned, beside the tuned θ and says when tuning did not pay on the test window', () => {
    const report = tuningReport();
    expect(untunedSentence(report)).toBe(
      'The saved settings, untuned, scored 0.86 on validation and 0.71 on the test window. Fold by fold, the tuned parameters scored higher on 1 of 2 validation windows. On the window neither choice saw, that beats the tuned parameters (0.64): tuning did not pay there.',
    );
    expect(untunedSentence({ ...report, untuned: { ...report.untuned!, test: 0.5 } })).toBe(
      'The saved settings, untuned, scored 0.86 on validation and 0.50 on the test window. Fold by fold, the tuned parameters scored higher on 1 of 2 validation windows. The tuned parameters beat them there (0.64).',
    );
    expect(untunedSentence({ ...report, untuned: { validation: null, folds: [0.5, null], test: null, feasible: false, reason: 'max drawdown 0.31 > 0.2 on fold 2' } })).toBe(
      "The saved settings, untuned, do not meet this run's limits on the validation windows (max drawdown 0.31 > 0.2 on fold 2).",
    );
    expect(untunedSentence({ ...report, untuned: { validation: 0.86, folds: [0.88, 0.84], test: null, feasible: true, reason: 'max drawdown 0.27 > 0.2 on 2020-01-02 → 2023-08-03' } })).toBe(
      'The saved settings, untuned, scored 0.86 on validation and have no test score (max drawdown 0.27 > 0.2 on 2020-01-02 → 2023-08-03).',
    );
    expect(untunedSentence({ ...report, best: { ...report.best!, test: null } })).toBe(
      'The saved settings, untuned, scored 0.86 on validation and 0.71 on the test window. Fold by fold, the tuned parameters scored higher on 1 of 2 validation windows.',
    );
    // Fold by fold only where both have every fold's score (and the chosen θ is among the evaluations).
    expect(untunedSentence({ ...report, untuned: { ...report.untuned!, folds: [0.88, null] } })).not.toContain('Fold by fold');
    expect(untunedSentence({ ...report, evaluations: [] })).not.toContain('Fold by fold');
    expect(untunedSentence({ ...report, untuned: { ...report.untuned!, folds: [0.8, 0.8] } })).toContain('higher on 2 of 2 validation windows');
    expect(untunedSentence({ ...report, untuned: null })).toBeNull();
  });

  it('cautions before accepting a run the untuned settings beat on the test window', () => {
    const report = tuningReport();
    expect(acceptCaution(report)).toBe('On the test window, which neither choice saw, the saved settings untuned scored 0.71 against this run\'s 0.64.');
    expect(acceptCaution({ ...report, untuned: { ...report.untuned!, test: 0.6 } })).toBeNull();
    expect(acceptCaution({ ...report, untuned: { ...report.untuned!, feasible: false } })).toBeNull();
    expect(acceptCaution({ ...report, untuned: null })).toBeNull();
  });

  it('says how much of a Sharpe score survives the number of sets tried (the deflated Sharpe ratio)', () => {
    const best = tuningReport().best!;
    const text = deflatedSharpeText(best)!;
    expect(text.value).toBe('83 %');
    expect(text.sentence).toContain("the chance that these parameters' true Sharpe ratio beats 0.62 — what the best of 5 backtests would be expected");
    expect(text.sentence).toContain('is 83 %.');
    expect(text.sentence).toContain('2,510 daily returns');
    expect(text.sentence).toContain('Below 95 %');
    const strong = deflatedSharpeText({ ...best, deflatedSharpe: { ...best.deflatedSharpe!, probability: 0.9996 } })!;
    expect(strong.value).toBe('99.9 %');
    expect(strong.sentence).toContain('holds up');
    expect(deflatedSharpeText({ ...best, deflatedSharpe: { ...best.deflatedSharpe!, probability: 0.9871 } })!.value).toBe('99 %');
    expect(deflatedSharpeText({ ...best, deflatedSharpe: null })).toBeNull();
    expect(deflatedSharpeText(null)).toBeNull();
  });
});

describe('the surrogate in words', () => {
  it('names where the model expects the best score', () => {
    expect(surrogateSummary(surrogateSlice(), 'sharpe')).toBe(
      'With the other parameters at the best point, the model expects the highest Sharpe ratio, 0.90, at rebalancing interval 40 trading days. ' +
        'The shaded band is how unsure it is; dots are the 2 backtests run.',
    );
    expect(surrogateSummary({ ...surrogateSlice(), mean: [] }, 'sharpe')).toMatch(/no view/);
  });
});

describe('runs', () => {
  it('finds the account’s running run, and knows what can be resumed and accepted', () => {
    const base = tuningReport();
    const runs = [tuningSummary({ runId: 5, accountId: 'OTHER', status: 'running' }), tuningSummary({ runId: 4, status: 'running' }), tuningSummary()];
    expect(runningRun(runs, 'DEMO')?.runId).toBe(4);
    expect(runningRun([tuningSummary()], 'DEMO')).toBeNull();
    expect(canResume('cancelled', false)).toBe(true);
    expect(canResume('failed', false)).toBe(true);
    expect(canResume('cancelled', true)).toBe(false);
    expect(canResume('complete', false)).toBe(false);
    expect(acceptProblem(base)).toBeNull();
    expect(acceptProblem({ ...base, inUse: true })).toMatch(/already use/);
    expect(acceptProblem({ ...base, status: 'cancelled' })).toMatch(/finished/);
    expect(acceptProblem({ ...base, best: null })).toMatch(/no parameters/);
    expect(acceptFormProblem('', 'fine')).toMatch(/name/);
    expect(acceptFormProblem('A. PM', ' x ')).toMatch(/reason/);
    expect(acceptFormProblem('A. PM', 'Better test Sharpe')).toBeNull();
  });

  it('a run whose process ended without finishing reads "Stopped unexpectedly", is not followed as running, and can be resumed', () => {
    const interrupted = tuningSummary({ runId: 6, status: 'interrupted' });
    expect(statusLabel('interrupted')).toBe('Stopped unexpectedly');
    expect(statusTone('interrupted')).toBe('cancelled');
    expect(statusTone('failed')).toBe('failed');
    // Not in progress: the screen does not poll it every few seconds as a live run.
    expect(runningRun([interrupted, tuningSummary()], 'DEMO')).toBeNull();
    expect(canResume('interrupted', false)).toBe(true);
    expect(canResume('interrupted', true)).toBe(false);
    expect(canResume('running', false)).toBe(false);
    expect(acceptProblem({ ...tuningReport(), status: 'interrupted' })).toMatch(/resume it first/);
    expect(stoppedSentence({ status: 'interrupted', error: null }, 5)).toBe(
      'This run stopped unexpectedly after 5 backtests: the program running it was closed, crashed or lost power before it finished.',
    );
    expect(stoppedSentence({ status: 'cancelled', error: null }, 1)).toBe('This run was stopped after 1 backtest.');
    expect(stoppedSentence({ status: 'failed', error: 'disk full' }, 3)).toBe('This run stopped on an error: disk full after 3 backtests.');
    expect(stoppedSentence({ status: 'running', error: null }, 3)).toBeNull();
    expect(stoppedSentence({ status: 'complete', error: null }, 3)).toBeNull();
  });

  it('the tuning progress line says its count once on the progress panel', () => {
    // The step the main process sends (app/tuning.ts tuningProgressStep) already says "current of total".
    expect(progressText('Bayesian optimisation: 4 of 18 backtests done · best Sharpe so far 0.67', 4, 18, 65_000)).toBe(
      'Bayesian optimisation: 4 of 18 backtests done · best Sharpe so far 0.67 · 1 min 05 s',
    );
    expect(progressText('Random search: 3 of 18 backtests done · best Sharpe so far 0.52 · 21 of 54 in all', 21, 54, null)).toBe(
      'Random search: 3 of 18 backtests done · best Sharpe so far 0.52 · 21 of 54 in all',
    );
  });
});

describe('the start form', () => {
  it('reads numbers as a PM types them', () => {
    expect(parseTypedNumber('20')).toBe(20);
    expect(parseTypedNumber(' 20 % ')).toBe(20);
    expect(parseTypedNumber('1,5')).toBe(1.5);
    expect(parseTypedNumber('.3')).toBe(0.3);
    expect(parseTypedNumber('-1.2')).toBe(-1.2);
    expect(parseTypedNumber('')).toBeNull();
    expect(parseTypedNumber('abc')).toBeNull();
    expect(parseTypedNumber('1e3')).toBeNull();
  });

  it('turns ticked limits typed in percent into fractions', () => {
    const form = emptyConstraintForm();
    expect(parseConstraints(form)).toEqual({ ok: true, value: [] });
    form.maxDrawdown = { enabled: true, value: '20' };
    form.turnover = { enabled: true, value: '150 %' };
    form.costDrag = { enabled: true, value: '0.3' };
    expect(parseConstraints(form)).toEqual({
      ok: true,
      value: [
        { metric: 'maxDrawdown', max: 0.2 },
        { metric: 'turnover', max: 1.5 },
        { metric: 'costDrag', max: 0.003 },
      ],
    });
    expect(constraintsSentence([{ metric: 'maxDrawdown', max: 0.2 }, { metric: 'turnover', max: 1.5 }])).toBe('worst drawdown at most 20 % · turnover at most 150 % a year');
    form.maxDrawdown = { enabled: true, value: '120' };
    expect(parseConstraints(form)).toMatchObject({ ok: false, problem: expect.stringMatching(/100 %/) });
    form.maxDrawdown = { enabled: true, value: 'twenty' };
    expect(parseConstraints(form)).toMatchObject({ ok: false, problem: expect.stringMatching(/^Worst drawdown at most: enter a number/) });
  });

  it('turns beliefs into range and choice priors in the parameter’s own units', () => {
    const space = [
      ...tuningReport().space,
      { name: 'trackingErrorBudget' as const, type: 'continuous' as const, lower: 0.005, upper: 0.08, scale: 'log' as const },
    ];
    const parsed = parseBeliefs(
      [
        { parameter: 'rebalance.everyDays', low: '20', high: '60', choice: '' },
        { parameter: 'trackingErrorBudget', low: '1', high: '3 %', choice: '' },
        { parameter: 'rebalance.mode', low: '', high: '', choice: 'bands' },
      ],
      space,
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        'rebalance.everyDays': { type: 'range', low: 20, high: 60 },
        trackingErrorBudget: { type: 'range', low: 0.01, high: 0.03 },
        'rebalance.mode': { type: 'categorical', weights: { calendar: 1, bands: 3 } },
      },
    });
    if (parsed.ok) {
      expect(priorSentence('rebalance.everyDays', parsed.value['rebalance.everyDays']!)).toBe('most likely 20 trading days to 60 trading days');
      expect(priorSentence('rebalance.mode', parsed.value['rebalance.mode']!)).toBe('most likely when weights leave their bands');
    }
  });

  it('says in words what is wrong with a belief', () => {
    const space = tuningReport().space;
    const one = (low: string, high: string, parameter = 'rebalance.everyDays') => parseBeliefs([{ parameter, low, high, choice: '' }], space);
    expect(one('60', '20')).toMatchObject({ ok: false, problem: 'Rebalancing interval: the lower end must be below the upper end.' });
    expect(one('', '20')).toMatchObject({ ok: false, problem: expect.stringContaining('enter both ends of the likely range (in trading days)') });
    expect(one('100', '200')).toMatchObject({ ok: false, problem: expect.stringContaining('outside the searched range, 5 trading days to 63 trading days') });
    expect(one('1', '2', 'breaker.warn')).toMatchObject({ ok: false, problem: expect.stringContaining('not among the parameters') });
    expect(
      parseBeliefs(
        [
          { parameter: 'riskAversion', low: '5', high: '10', choice: '' },
          { parameter: 'riskAversion', low: '5', high: '20', choice: '' },
        ],
        space,
      ),
    ).toMatchObject({ ok: false, problem: expect.stringContaining('two beliefs') });
  });

  it('builds the run input, leaving out what the PM left empty', () => {
    const form = emptyStartForm();
    form.budget = '6';
    form.seed = '11';
    form.compare = true;
    form.constraints.maxDrawdown.enabled = true;
    form.beliefs = [{ parameter: 'rebalance.everyDays', low: '20', high: '60', choice: '' }];
    expect(buildRunInput('DEMO', form, beliefParameters(null))).toEqual({
      ok: true,
      value: {
        accountId: 'DEMO',
        objective: 'sharpe',
        budget: 6,
        batch: 2,
        seed: 11,
        constraints: [{ metric: 'maxDrawdown', max: 0.2 }],
        priors: { 'rebalance.everyDays': { type: 'range', low: 20, high: 60 } },
        compare: true,
        folds: 4,
        testYears: 3,
        warmStart: 'latest',
      },
    });
    const plain = buildRunInput('DEMO', { ...emptyStartForm(), compare: false }, beliefParameters(null));
    expect(plain).toEqual({ ok: true, value: { accountId: 'DEMO', objective: 'sharpe', budget: 40, batch: 2, constraints: [], compare: false, folds: 4, testYears: 3, warmStart: 'latest' } });
    expect(buildRunInput('DEMO', { ...emptyStartForm(), testYears: '0.2' }, [])).toMatchObject({ ok: false, problem: expect.stringMatching(/^Test window/) });
    expect(buildRunInput('DEMO', { ...emptyStartForm(), budget: '3' }, [])).toMatchObject({ ok: false, problem: 'Backtests to run: a whole number from 4 to 500.' });
    expect(buildRunInput('DEMO', { ...emptyStartForm(), batch: '2.5' }, [])).toMatchObject({ ok: false, problem: expect.stringMatching(/^Backtests side by side/) });
    expect(buildRunInput('DEMO', { ...emptyStartForm(), seed: '-1' }, [])).toMatchObject({ ok: false, problem: expect.stringMatching(/^Seed/) });
  });

  it('offers beliefs on the latest run’s space, else the tuner’s default space', () => {
    expect(beliefParameters(tuningReport().space).map((p) => p.name)).toEqual(['riskAversion', 'rebalance.everyDays', 'rebalance.mode']);
    expect(beliefParameters(null).map((p) => p.name)).toContain('rebalance.everyDays');
    // Before the account has a run: the tuner's own default space, from the contract (no copy to drift).
    expect(beliefParameters(null)).toEqual(DEFAULT_TUNING_SPACE);
    expect(beliefParameters(null)).not.toBe(DEFAULT_TUNING_SPACE);
  });
});
