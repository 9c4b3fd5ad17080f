import type { TuningRunReport, TuningRunSummary, TuningSearchSummary, TuningValues } from '../../shared/tuning';

const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

function values(v: TuningValues | null): string {
  if (!v) return '—';
  return Object.entries(v)
    .map(([k, x]) => `${k}=${typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toPrecision(4)) : String(x)}`)
    .join(' ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A tuning run for people: folds, the chosen θ with its validation and test objective, the comparison, the evaluations. */
export function formatTuningReport(r: TuningRunReport): string {
  const out: string[] = [];
  out.push(`Tuning run ${r.runId} · account ${r.accountId} · ${r.status}${r.inUse ? ' · in use by proposals' : ''} · objective ${r.objective} · seed ${r.seed}`);
  out.push(`${r.evaluations.length}/${r.budget} evaluations in batches of ${r.batch} · ${r.tickers.length} securities · model run ${r.modelRunId ?? '—'}${r.warmStartedFrom ? ` · warm-started from run ${r.warmStartedFrom}` : ''}`);
  out.push(`Validation folds: ${r.folds.map((f) => `${f.from} → ${f.to}`).join(', ')}; test window ${r.testWindow.from} → ${r.testWindow.to}`);
  if (r.constraints.length) out.push(`Constraints on every fold: ${r.constraints.map((c) => `${c.metric} ≤ ${c.max}`).join(', ')}`);
  if (r.error) out.push(`Stopped: ${r.error}`);
  if (r.status === 'interrupted') out.push(`Interrupted: the process running it ended before it finished. Continue it with: ballast tune --resume ${r.runId}`);
  out.push('');
  if (r.best) {
    out.push(`Best θ: ${values(r.best.values)}`);
    out.push(`  validation ${num(r.best.validation)}${r.best.estimate !== null ? ` (GP estimate ${num(r.best.estimate)})` : ''} · test ${num(r.best.test)}`);
    const d = r.best.deflatedSharpe;
    if (d) {
      out.push(
        `  deflated Sharpe ${(100 * d.probability).toFixed(1)} %: the chance its true Sharpe beats ${num(d.benchmark, 2)}, what the best of ${d.trials} backtests would show with no skill (${d.returns} daily returns)`,
      );
    }
  } else {
    out.push('Best θ: none — no evaluation met every constraint on every fold.');
  }
  if (r.untuned) {
    out.push(
      r.untuned.feasible
        ? `Saved settings, untuned: validation ${num(r.untuned.validation)} · test ${num(r.untuned.test)}${r.untuned.test === null && r.untuned.reason ? ` (${r.untuned.reason})` : ''}`
        : `Saved settings, untuned: infeasible — ${r.untuned.reason ?? ''}`,
    );
  }
  if (r.comparison) {
    const rows = (['bayesian', 'random', 'grid'] as const)
      .map((s) => [s, r.comparison![s]] as const)
      .filter((e): e is readonly ['bayesian' | 'random' | 'grid', TuningSearchSummary] => e[1] !== null)
      .map(([name, s]) => [name, String(s.evaluations), num(s.bestValidation), num(s.test), s.evaluationsTo95 === null ? '—' : String(s.evaluationsTo95)]);
    out.push('');
    out.push(table(['search', 'evaluations', 'best validation', 'its test', 'to 95 %'], rows));
  }
  if (r.importance.length) {
    out.push('');
    out.push(`Importance (1/lengthscale): ${[...r.importance].sort((a, b) => b.importance - a.importance).map((i) => `${i.name} ${(100 * i.importance).toFixed(0)} %`).join(', ')}`);
  }
  out.push('');
  out.push(
    table(
      ['#', 'source', 'validation', 'θ / why infeasible'],
      r.evaluations.map((e) => [String(e.index + 1), e.source, e.feasible ? num(e.validation) : 'infeasible', e.feasible ? values(e.theta) : `${values(e.theta)} — ${e.reason ?? ''}`]),
    ),
  );
  return out.join('\n');
}

export function formatTuningRuns(list: readonly TuningRunSummary[]): string {
  if (list.length === 0) return 'No tuning runs yet. Start one with: ballast tune --account <id>';
  return table(
    ['run', 'account', 'status', 'objective', 'evaluations', 'best validation', 'test', 'created', 'accepted'],
    list.map((r) => [
      `${r.runId}${r.inUse ? '*' : ''}`,
      r.accountId,
      r.status,
      r.objective,
      `${r.evaluations}/${r.budget}`,
      num(r.bestValidation),
      num(r.test),
      r.createdAt.slice(0, 16).replace('T', ' '),
      r.acceptedAt ? `${r.acceptedAt.slice(0, 10)} by ${r.acceptedBy}` : '—',
    ]),
  ) +
    (list.some((r) => r.inUse) ? '\n* in use by the account’s proposals' : '') +
    (list.some((r) => r.status === 'interrupted') ? '\ninterrupted: its process ended before the run finished (killed, crashed); `ballast tune --resume <run>` continues it' : '');
}
