import { useMemo, useState } from 'react';
import { type StrategyParameters } from '../../../shared/strategy';
import { type TuningRunReport } from '../../../shared/tuning';
import { progressText } from '../bayesian';
import { formatTimestamp } from '../format';
import { rememberReviewer } from '../reviewer';
import { useAction, useApp, type RunningCall } from '../state';
import {
  acceptCaution,
  acceptProblem,
  comparisonRows,
  constraintsSentence,
  deflatedSharpeText,
  describeRange,
  evaluationRows,
  formatObjective,
  importanceRows,
  objectiveLabel,
  parameterHelp,
  parameterLabel,
  priorSentence,
  statusLabel,
  statusTone,
  stoppedSentence,
  thetaComparison,
  untunedSentence,
  validationTestSentence,
} from '../tuning';
import { TuningAcceptDialog } from './TuningAcceptDialog';
import { TuningImportancePanel, TuningProgressChart, TuningSurrogatePanel } from './TuningCharts';

interface Props {
  report: TuningRunReport;
  /** θ proposals use now, and where it comes from in words. */
  currentTheta: StrategyParameters | null;
  currentSource: string;
  /** The 'tuning.run' call of this window driving this run, if any (its progress and Stop). */
  call: RunningCall | null;
  resumable: boolean;
  onStop(): void;
  onResume(): void;
  onAccepted(): void;
  onOpenProposals(): void;
}

export function TuningRunDetail({ report, currentTheta, currentSource, call, resumable, onStop, onResume, onAccepted, onOpenProposals }: Props) {
  const { client } = useApp();
  const [runAccept, accepting] = useAction();
  const [confirming, setConfirming] = useState(false);
  const [accepted, setAccepted] = useState<{ by: string } | null>(null);
  const r = report;
  const objective = objectiveLabel(r.objective);
  const theta = useMemo(() => thetaComparison(r.space, r.best?.values ?? null, currentTheta), [r.space, r.best, currentTheta]);
  const comparison = comparisonRows(r);
  const evaluations = useMemo(() => evaluationRows(r), [r]);
  const importance = useMemo(() => importanceRows(r), [r]);
  const notAcceptable = acceptProblem(r);
  const running = r.status === 'running';
  const stopped = stoppedSentence(r, r.evaluations.length);
  const deflated = deflatedSharpeText(r.best);
  const untuned = untunedSentence(r);

  const accept = (by: string, reason: string) =>
    runAccept(async () => {
      await client.call('tuning.accept', { runId: r.runId, by, reason });
      rememberReviewer(by);
      setConfirming(false);
      setAccepted({ by });
      onAccepted();
    });

  return (
    <section className="panel tuning-detail" aria-labelledby="tuning-run-title" data-testid="tuning-run-detail" data-run-id={r.runId} data-status={r.status}>
      <div className="panel-head">
        <h2 id="tuning-run-title">
          Tuning run #{r.runId} <span className="muted">· {r.accountId} · {objective}</span>
        </h2>
        <span className={`badge tuning-status tuning-${statusTone(r.status)}`} data-testid="tuning-run-status">
          {statusLabel(r.status)}
        </span>
        {r.inUse && (
          <span className="badge badge-approved" data-testid="tuning-in-use">
            Used for proposals
          </span>
        )}
      </div>

      <dl className="facts">
        <dt>Backtests</dt>
        <dd>
          {r.comparison?.bayesian.evaluations ?? r.evaluations.filter((e) => e.source !== 'random' && e.source !== 'grid').length} of {r.budget} by the
          tuner, {r.batch} side by side{r.compare ? '; as many again by random search and by grid search, to compare' : ''}
        </dd>
        <dt>Seed</dt>
        <dd>{r.seed}</dd>
        <dt>Started</dt>
        <dd>{formatTimestamp(r.createdAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatTimestamp(r.finishedAt)}</dd>
        <dt>Limits</dt>
        <dd>{constraintsSentence(r.constraints)}</dd>
        <dt>Beliefs</dt>
        <dd>
          {Object.keys(r.priors).length === 0
            ? 'none'
            : Object.entries(r.priors)
                .map(([name, prior]) => `${parameterLabel(name)} ${priorSentence(name, prior)}`)
                .join(' · ')}
        </dd>
        <dt>Assets</dt>
        <dd>{r.tickers.join(', ')}</dd>
        <dt>Started from</dt>
        <dd>{r.warmStartedFrom ? `run #${r.warmStartedFrom}’s best parameters, backtested again on this run’s windows` : 'scratch'}</dd>
        {r.acceptedAt && (
          <>
            <dt>Accepted</dt>
            <dd>
              {formatTimestamp(r.acceptedAt)} by {r.acceptedBy ?? '—'}
            </dd>
          </>
        )}
      </dl>

      {running && (
        <div className="notice tuning-live" role="status" data-testid="tuning-live">
          <strong>Tuning…</strong>{' '}
          {call ? progressText(call.step, call.current, call.total, Date.now() - call.startedAt) : 'running (started elsewhere); the view follows it.'}
          {call && (
            <button type="button" disabled={call.cancelling} onClick={onStop}>
              {call.cancelling ? 'Stopping…' : 'Stop tuning'}
            </button>
          )}
        </div>
      )}
      {stopped !== null && (
        <div className="notice warn-box" data-testid="tuning-stopped" data-status={r.status}>
          {stopped} Resuming continues where it stopped and ends as an uninterrupted run with the same seed would.{' '}
          <button type="button" className="primary" disabled={!resumable} onClick={onResume}>
            Resume run #{r.runId}
          </button>
        </div>
      )}

      <TuningProgressChart report={r} />

      <section className="card tuning-card" aria-labelledby="tuning-result-title">
        <h3 id="tuning-result-title">Validation and test</h3>
        <dl className="facts inline">
          <dt>Best on validation</dt>
          <dd data-testid="tuning-best-validation">{formatObjective(r.best?.validation ?? r.bestValidation, r.objective)}</dd>
          {r.best?.estimate != null && (
            <>
              <dt title="The model's estimate at that point, less swayed by one lucky backtest">Model’s estimate there</dt>
              <dd>{formatObjective(r.best.estimate, r.objective)}</dd>
            </>
          )}
          <dt>On the test window</dt>
          <dd data-testid="tuning-test">{formatObjective(r.best?.test ?? r.test, r.objective)}</dd>
          {deflated && (
            <>
              <dt title="The probability that the validation Sharpe ratio reflects more than the luck of the best of many backtests">Deflated Sharpe</dt>
              <dd data-testid="tuning-deflated-sharpe">{deflated.value}</dd>
            </>
          )}
          {r.untuned && (
            <>
              <dt title="The saved settings as they are, scored on the same validation and test windows">Saved settings, untuned</dt>
              <dd data-testid="tuning-untuned">
                validation {formatObjective(r.untuned.validation, r.objective)} · test {formatObjective(r.untuned.test, r.objective)}
              </dd>
            </>
          )}
        </dl>
        <p className="small" data-testid="tuning-test-explanation">
          {validationTestSentence(r)}
        </p>
        {untuned && (
          <p className="small" data-testid="tuning-untuned-explanation">
            {untuned}
          </p>
        )}
        {deflated && (
          <p className="small" data-testid="tuning-deflated-explanation">
            {deflated.sentence}
          </p>
        )}
      </section>

      <h3>Parameters</h3>
      <table className="grid" aria-label="Best parameters against the current ones" data-testid="tuning-theta">
        <thead>
          <tr>
            <th>Parameter</th>
            <th>Proposals use now ({currentSource})</th>
            <th>Best found by this run</th>
            <th>Searched</th>
          </tr>
        </thead>
        <tbody>
          {theta.map((row) => {
            const spec = r.space.find((p) => p.name === row.name);
            return (
              <tr key={row.name} data-testid="tuning-theta-row" data-parameter={row.name}>
                <td title={parameterHelp(row.name)}>{row.label}</td>
                <td>{row.current}</td>
                <td className={row.changed ? 'changed' : undefined}>{row.best}</td>
                <td className="muted">{spec ? describeRange(spec) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>

      <div className="tuning-accept">
        {accepted || r.inUse ? (
          <p className="ok-text" data-testid="tuning-accepted" role="status">
            Proposals for {r.accountId} use run #{r.runId}’s parameters{accepted ? ` (accepted by ${accepted.by})` : ''}. The next proposal will
            say so.{' '}
            <button type="button" className="link" onClick={onOpenProposals}>
              Go to Proposals
            </button>
          </p>
        ) : (
          <>
            <button type="button" className="primary" disabled={notAcceptable !== null || accepting} title={notAcceptable ?? undefined} onClick={() => setConfirming(true)}>
              Use these parameters for proposals…
            </button>
            <span className="muted small">{notAcceptable ?? 'Proposals keep their current parameters until you accept a run.'}</span>
          </>
        )}
      </div>
      {confirming && (
        <TuningAcceptDialog
          runId={r.runId}
          accountId={r.accountId}
          currentSource={currentSource}
          caution={acceptCaution(r)}
          busy={accepting}
          onConfirm={(by, reason) => void accept(by, reason)}
          onCancel={() => setConfirming(false)}
        />
      )}

      {(importance.length > 0 || r.evaluations.length > 0) && (
        <div className="tuning-model">
          {r.evaluations.length > 0 && <TuningSurrogatePanel report={r} />}
          {importance.length > 0 && <TuningImportancePanel report={r} rows={importance} />}
        </div>
      )}

      <h3>Compared with random and grid search</h3>
      {comparison ? (
        <>
          <p className="muted small">
            The same number of backtests on the same validation windows. The last column counts the backtests each search needed to
            come within 5 % of the best score any of them found: fewer means it found good parameters sooner.
          </p>
          <table className="grid compact" aria-label="Comparison of searches" data-testid="tuning-comparison">
            <thead>
              <tr>
                <th>Search</th>
                <th className="num">Best on validation</th>
                <th className="num">Its score on the test window</th>
                <th className="num">Backtests to reach 95 % of the best</th>
              </tr>
            </thead>
            <tbody>
              {comparison.map((row) => (
                <tr key={row.search} data-testid="tuning-comparison-row" data-search={row.search}>
                  <td>{row.label}</td>
                  <td className="num">{row.bestValidation}</td>
                  <td className="num">{row.test}</td>
                  <td className="num">{row.reached95}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p className="muted small">
          {r.compare ? 'Shown as random and grid search report.' : 'This run did not compare; tick “Also run random search and grid search” when starting one.'}
        </p>
      )}

      <h3>Backtests ({evaluations.length})</h3>
      <div className="table-scroll">
        <table className="grid wrap-head" aria-label="Backtests of this run" data-testid="tuning-evaluations">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>How chosen</th>
              <th className="num" title="Mean over the validation windows; hover a value for each window's score">
                {objective} (validation)
              </th>
              <th>Within the limits</th>
              {r.space.map((p) => (
                <th key={p.name} title={parameterHelp(p.name)}>
                  {parameterLabel(p.name)}
                </th>
              ))}
              <th className="num">Time</th>
            </tr>
          </thead>
          <tbody>
            {evaluations.map((e) => (
              <tr
                key={e.index}
                data-testid="tuning-evaluation-row"
                data-feasible={e.feasible}
                data-best={e.isBest || undefined}
                className={e.isBest ? 'best-row' : e.feasible ? undefined : 'infeasible-row'}
              >
                <td className="num">{e.number}</td>
                <td>{e.search}</td>
                <td className="num" title={`Per validation window: ${e.folds}`}>
                  {e.validation}
                  {e.isBest ? ` (${r.status === 'complete' ? 'chosen' : 'best so far'})` : ''}
                </td>
                <td className={e.feasible ? undefined : 'wrap'}>{e.feasibility}</td>
                {r.space.map((p) => (
                  <td key={p.name}>{e.values[p.name]}</td>
                ))}
                <td className="num">{e.seconds}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
