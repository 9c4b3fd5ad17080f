import { useCallback, useEffect, useRef, useState } from 'react';
import { type MethodInput } from '../../../shared/api';
import { TuningRunDetail } from '../components/TuningRunDetail';
import { TuningRunsTable } from '../components/TuningRunsTable';
import { TuningStartForm } from '../components/TuningStartForm';
import { useAction, useApp, useQuery } from '../state';
import { beliefParameters, canResume, runningRun } from '../tuning';

/**
 * How often the screen re-reads a running run: observations are committed per batch, so this draws the live curve.
 * A run this window did not start (the CLI, another window) is read less often. A run whose process was killed
 * reads as 'interrupted', not running, so it is not polled: it waits for Resume.
 */
const POLL_MS = 1000;
const POLL_OTHER_MS = 3000;

interface Props {
  accountId: string | null;
  onOpenProposals(): void;
}

/**
 * Tuning: Bayesian optimisation of the strategy's parameters on backtests (validation windows, then one test
 * window the tuner never saw), its runs, and the PM's explicit acceptance of one for proposals.
 */
export function TuningView({ accountId, onOpenProposals }: Props) {
  const { client, runLong, running, cancel } = useApp();
  const [runTuning, tuning] = useAction();
  const runs = useQuery(() => (accountId ? client.call('tuning.list', { accountId }) : undefined), [client, accountId], ['tuning']);
  const settings = useQuery(() => client.call('strategy.settings', {}), [client]);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  // The form is open on an account without runs; after a start it folds away so the live run is in view.
  const [formOpenChoice, setFormOpenChoice] = useState<boolean | null>(null);
  // After "Start tuning" the view follows the new run until the PM picks another one.
  const following = useRef(false);

  const call = running.find((c) => c.method === 'tuning.run') ?? null;
  const list = runs.data;
  const live = runningRun(list, accountId);
  const pollEvery = call !== null ? POLL_MS : live !== null ? POLL_OTHER_MS : null;

  const report = useQuery(() => (selectedId != null ? client.call('tuning.get', { runId: selectedId }) : undefined), [client, selectedId], ['tuning']);
  const shown = report.data && report.data.runId === selectedId ? report.data : undefined;

  const inUse = list?.find((r) => r.inUse) ?? null;
  const inUseReport = useQuery(() => (inUse ? client.call('tuning.get', { runId: inUse.runId }) : undefined), [client, inUse?.runId], ['tuning']);
  const currentTheta = inUse ? (inUseReport.data?.best?.theta ?? null) : (settings.data?.parameters ?? null);
  const currentSource = inUse ? `tuning run #${inUse.runId}` : 'the saved default settings';

  // A new account: nothing of the old one's stays selected.
  useEffect(() => {
    setSelectedId(null);
    following.current = false;
  }, [accountId]);

  // Keep a sensible selection: the run being followed, else the one picked, else the newest.
  useEffect(() => {
    if (!list) return;
    if (following.current && live && live.runId !== selectedId) {
      setSelectedId(live.runId);
      return;
    }
    if (selectedId == null || !list.some((r) => r.runId === selectedId)) setSelectedId(list[0]?.runId ?? null);
  }, [list, live, selectedId]);

  const reloadRuns = runs.reload;
  const reloadReport = report.reload;
  useEffect(() => {
    if (pollEvery === null) return;
    const timer = setInterval(() => {
      reloadRuns();
      reloadReport();
    }, pollEvery);
    return () => clearInterval(timer);
  }, [pollEvery, reloadRuns, reloadReport]);

  const finish = useCallback(
    (runId: number) => {
      following.current = false;
      setSelectedId(runId);
      reloadRuns();
      reloadReport();
    },
    [reloadRuns, reloadReport],
  );

  const start = (input: Extract<MethodInput<'tuning.run'>, { accountId: string }>) => {
    following.current = true;
    setFormOpenChoice(false);
    void runTuning(
      async () => {
        const result = await runLong('tuning.run', input, `Tuning strategy parameters for ${input.accountId}`);
        finish(result.runId);
      },
      () => {
        following.current = false;
        reloadRuns();
        reloadReport();
      },
    );
  };

  const resume = (runId: number) => {
    following.current = true;
    setSelectedId(runId);
    void runTuning(
      async () => {
        const result = await runLong('tuning.run', { resume: runId }, `Resuming tuning run #${runId}`);
        finish(result.runId);
      },
      () => {
        following.current = false;
        reloadRuns();
        reloadReport();
      },
    );
  };

  const busy = tuning || call !== null;
  const formOpen = formOpenChoice ?? (list !== undefined && list.length === 0);
  // The space beliefs refer to: the account's newest run's (the tuner keeps it between runs), else its default.
  const newest = list?.[0];
  const newestReport = shown && newest && shown.runId === newest.runId ? shown : null;
  const space = beliefParameters(newestReport?.space ?? shown?.space ?? null);

  return (
    <div className="tuning-layout" data-testid="tuning-view">
      <section className="panel" aria-labelledby="tuning-start-title">
        <div className="panel-head">
          <h2 id="tuning-start-title">Tune the strategy’s parameters</h2>
          {/* Shown once the runs are known: until then whether the form starts open is undecided. */}
          {accountId && list !== undefined && (
            <button type="button" aria-expanded={formOpen} aria-controls="tuning-start-body" onClick={() => setFormOpenChoice(!formOpen)}>
              {formOpen ? 'Hide the form' : 'New tuning run…'}
            </button>
          )}
        </div>
        <p className="muted small">
          Ballast backtests the strategy with different parameters (risk aversion, uncertainty penalty, tracking-error budget,
          rebalancing interval, risk-model lookback, circuit-breaker thresholds) and lets a statistical model of the results pick the
          next ones to try, so it needs far fewer backtests than trying a grid. Backtests read the stored forecasts; the first run
          may train the forecast model first.
        </p>
        {!accountId ? (
          <p className="muted">Select an account first.</p>
        ) : (
          <div id="tuning-start-body" hidden={!formOpen}>
            <TuningStartForm accountId={accountId} space={space} busy={busy} onStart={start} />
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="tuning-runs-title">
        <div className="panel-head">
          <h2 id="tuning-runs-title">Tuning runs{accountId ? ` for ${accountId}` : ''}</h2>
          {inUse ? (
            <span className="small" data-testid="tuning-in-use-summary">
              Proposals use run #{inUse.runId}
              {inUse.acceptedBy ? `, accepted by ${inUse.acceptedBy}` : ''}.
            </span>
          ) : (
            <span className="small muted" data-testid="tuning-in-use-summary">
              Proposals use the saved default settings; no run has been accepted.
            </span>
          )}
        </div>
        {list && list.length === 0 && <p className="muted">No tuning runs for this account yet.</p>}
        {list && list.length > 0 && (
          <TuningRunsTable
            runs={list}
            selectedId={selectedId}
            onSelect={(id) => {
              following.current = false;
              setSelectedId(id);
            }}
          />
        )}
      </section>

      {shown && (
        <TuningRunDetail
          key={shown.runId}
          report={shown}
          currentTheta={currentTheta}
          currentSource={currentSource}
          call={shown.status === 'running' ? call : null}
          resumable={canResume(shown.status, busy)}
          onStop={() => call && cancel(call.callId)}
          onResume={() => resume(shown.runId)}
          onAccepted={() => {
            reloadRuns();
            reloadReport();
          }}
          onOpenProposals={onOpenProposals}
        />
      )}
      {selectedId != null && !shown && (
        <section className="panel" aria-busy="true">
          <p className="muted">Loading tuning run #{selectedId}…</p>
        </section>
      )}
    </div>
  );
}
