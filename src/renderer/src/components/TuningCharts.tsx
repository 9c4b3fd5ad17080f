import { lazy, Suspense, useMemo, useState, type ReactNode } from 'react';
import { type TuningRunReport } from '../../../shared/tuning';
import { importanceChartOption, surrogateChartOption, tuningProgressChartOption } from '../charts/options';
import { formatPercent } from '../format';
import { formatObjective, progressModel, objectiveLabel, parameterHelp, parameterLabel, SEARCH_LABELS, surrogateSummary, type ImportanceRow } from '../tuning';
import { useApp, useQuery } from '../state';

// ECharts is most of the bundle: load it when a chart is first shown (as the proposal view does).
const EChart = lazy(() => import('../charts/EChart').then((m) => ({ default: m.EChart })));

/** The fewest backtests within the limits the server's surrogate needs (engine/tuning/surrogate.ts refuses with fewer). */
const MIN_FEASIBLE_FOR_MODEL = 3;

function ChartSuspense({ children }: { children: ReactNode }) {
  return <Suspense fallback={<p className="muted">Loading chart…</p>}>{children}</Suspense>;
}

/** Best validation objective so far against backtests run: the tuner's curve, and random and grid search beside it. */
export function TuningProgressChart({ report }: { report: TuningRunReport }) {
  const model = useMemo(() => progressModel(report), [report]);
  const option = useMemo(() => tuningProgressChartOption(model, report.objective), [model, report.objective]);
  const objective = objectiveLabel(report.objective);
  const tuner = model.series.find((s) => s.search === 'bayesian');
  const last = tuner?.points[tuner.points.length - 1];
  return (
    <figure className="tuning-figure">
      <figcaption>
        Best {objective} so far on the validation windows, against the number of backtests run
        {model.series.length > 1 ? ` (${model.series.map((s) => SEARCH_LABELS[s.search].toLowerCase()).join(', ')})` : ''}.
      </figcaption>
      <ChartSuspense>
        <EChart option={option} height={260} label={`Best ${objective} so far against backtests run`} testId="tuning-progress-chart" />
      </ChartSuspense>
      <p className="small muted" data-testid="tuning-progress-text" data-evaluations={tuner?.points.length ?? 0}>
        {tuner && last
          ? `${tuner.points.length} backtest${tuner.points.length === 1 ? '' : 's'} by the tuner; best so far ${last[1] == null ? 'none within the limits yet' : formatObjective(last[1], report.objective)}.`
          : 'No backtests yet.'}
      </p>
    </figure>
  );
}

/** The GP's view of one parameter (the others at the best point): expected score and how unsure the model is. */
export function TuningSurrogatePanel({ report }: { report: TuningRunReport }) {
  const { client } = useApp();
  const numeric = report.space.filter((p) => p.type !== 'categorical');
  const [chosen, setChosen] = useState<string>(() => report.importance.slice().sort((a, b) => b.importance - a.importance)[0]?.name ?? numeric[0]?.name ?? report.space[0]?.name ?? '');
  const parameter = report.space.some((p) => p.name === chosen) ? chosen : (report.space[0]?.name ?? '');
  const spec = report.space.find((p) => p.name === parameter);
  // The model changes with every batch: ask again when the run has more evaluations.
  const count = report.evaluations.length;
  // The GP needs a few of the tuner's backtests within the limits before it has a view (the server refuses with
  // fewer); while the run goes on it is asked again after each batch.
  const feasible = report.evaluations.filter((e) => e.feasible && e.validation != null && e.source !== 'random' && e.source !== 'grid').length;
  const ready = report.best !== null && feasible >= MIN_FEASIBLE_FOR_MODEL;
  const slice = useQuery(
    () => (parameter && ready ? client.call('tuning.surrogate', { runId: report.runId, parameter }) : undefined),
    [client, report.runId, parameter, count, ready],
  );
  const data = slice.data && slice.data.parameter === parameter && slice.data.runId === report.runId ? slice.data : undefined;
  const scale = spec && spec.type !== 'categorical' && spec.scale === 'log' ? 'log' : 'linear';
  const option = useMemo(() => (data ? surrogateChartOption(data, report.objective, scale) : null), [data, report.objective, scale]);
  return (
    <section className="card tuning-card" aria-labelledby="tuning-surrogate-title">
      <div className="card-head">
        <h3 id="tuning-surrogate-title">What the model expects, one parameter at a time</h3>
        <label className="inline-label">
          Parameter
          <select value={parameter} onChange={(e) => setChosen(e.target.value)}>
            {report.space.map((p) => (
              <option key={p.name} value={p.name}>
                {parameterLabel(p.name)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">{parameterHelp(parameter)}</p>
      {option && data ? (
        <>
          <ChartSuspense>
            <EChart option={option} height={240} label={`Expected ${objectiveLabel(report.objective)} along ${parameterLabel(parameter)}, with the model’s band`} testId="tuning-surrogate-chart" />
          </ChartSuspense>
          <p className="small" data-testid="tuning-surrogate-summary" data-parameter={parameter}>
            {surrogateSummary(data, report.objective)}
          </p>
        </>
      ) : (
        <p className="muted">
          {!ready
            ? `The model’s view appears once ${MIN_FEASIBLE_FOR_MODEL} backtests are within the limits (${feasible} so far).`
            : slice.loading
              ? 'Asking the model…'
              : 'No model view yet.'}
        </p>
      )}
    </section>
  );
}

/** Which parameters move the score most, from the GP's fitted lengthscales (a short lengthscale = a strong effect). */
export function TuningImportancePanel({ report, rows }: { report: TuningRunReport; rows: readonly ImportanceRow[] }) {
  const option = useMemo(() => importanceChartOption(rows), [rows]);
  return (
    <section className="card tuning-card" aria-labelledby="tuning-importance-title">
      <h3 id="tuning-importance-title">Which parameters matter</h3>
      <p className="muted small">
        How strongly the {objectiveLabel(report.objective)} reacts to each parameter, as the model has learnt it: a parameter whose
        effect changes over a short stretch of its range matters more. Shares add up to 100 %.
      </p>
      <ChartSuspense>
        <EChart option={option} height={Math.max(120, 26 * rows.length + 40)} label="Importance of each parameter" testId="tuning-importance-chart" />
      </ChartSuspense>
      <table className="grid compact" aria-label="Parameter importance">
        <thead>
          <tr>
            <th>Parameter</th>
            <th className="num">Importance</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name} data-testid="tuning-importance-row" data-parameter={r.name} data-importance={r.importance}>
              <td title={parameterHelp(r.name)}>{r.label}</td>
              <td className="num">{formatPercent(r.importance, 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
