import { useState } from 'react';
import { type TuningParameter } from '../../../shared/tuning';
import {
  buildRunInput,
  CONSTRAINT_METRICS,
  describeRange,
  emptyStartForm,
  FAVOURED_CHOICE_WEIGHT,
  formatParameterValue,
  OBJECTIVES,
  parameterHelp,
  parameterLabel,
  unitSuffix,
  type BeliefForm,
  type StartForm,
} from '../tuning';
import { type MethodInput } from '../../../shared/api';

interface Props {
  accountId: string | null;
  /** The parameters the tuner searches (beliefs can be stated for these). */
  space: readonly TuningParameter[];
  busy: boolean;
  onStart(input: Extract<MethodInput<'tuning.run'>, { accountId: string }>): void;
}

function newBelief(space: readonly TuningParameter[], taken: readonly string[]): BeliefForm {
  const spec = space.find((p) => !taken.includes(p.name)) ?? space[0];
  return { parameter: spec?.name ?? '', low: '', high: '', choice: spec?.type === 'categorical' ? String(spec.choices[0]) : '' };
}

/** Start a tuning run: objective, budget, limits the result must respect, and what the PM already believes. */
export function TuningStartForm({ accountId, space, busy, onStart }: Props) {
  const [form, setForm] = useState<StartForm>(emptyStartForm);
  const parsed = accountId ? buildRunInput(accountId, form, space) : null;
  const problem = parsed && !parsed.ok ? parsed.problem : null;
  const set = (patch: Partial<StartForm>) => setForm((f) => ({ ...f, ...patch }));
  const setBelief = (i: number, patch: Partial<BeliefForm>) => set({ beliefs: form.beliefs.map((b, j) => (j === i ? { ...b, ...patch } : b)) });

  return (
    <form
      className="tuning-form"
      aria-label="Start a tuning run"
      onSubmit={(e) => {
        e.preventDefault();
        if (parsed?.ok && !busy) onStart(parsed.value);
      }}
    >
      <fieldset disabled={busy} className="tuning-fieldset">
        <div className="form-row">
          <label>
            Optimise
            <select value={form.objective} onChange={(e) => set({ objective: e.target.value as StartForm['objective'] })}>
              {OBJECTIVES.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}: {o.description}
                </option>
              ))}
            </select>
          </label>
          <label title="Each backtest tries one set of parameters on every validation window.">
            Backtests to run
            <input className="short" inputMode="numeric" value={form.budget} onChange={(e) => set({ budget: e.target.value })} />
          </label>
          <label title="Backtests computed at the same time; more is faster on more cores.">
            Backtests side by side
            <input className="short" inputMode="numeric" value={form.batch} onChange={(e) => set({ batch: e.target.value })} />
          </label>
          <label title="The same seed on the same data gives the same run. Leave empty to let Ballast choose one (it is recorded).">
            Seed (optional)
            <input className="short" inputMode="numeric" value={form.seed} placeholder="any" onChange={(e) => set({ seed: e.target.value })} />
          </label>
        </div>

        <label className="check">
          <input type="checkbox" checked={form.compare} onChange={(e) => set({ compare: e.target.checked })} />
          <span>
            Also run random search and grid search with the same number of backtests, to compare{' '}
            <span className="muted">(three times the work)</span>
          </span>
        </label>

        <label className="check">
          <input type="checkbox" checked={form.warmStart} onChange={(e) => set({ warmStart: e.target.checked })} />
          <span>
            Start from the best parameters of this account’s previous run{' '}
            <span className="muted">(backtested again on the new windows; untick to start from scratch)</span>
          </span>
        </label>

        <fieldset className="sub" aria-label="Limits">
          <legend>Limits every validation window must respect</legend>
          <p className="muted small">Parameters that break a limit on any validation window are never chosen.</p>
          <div className="form-row">
            {CONSTRAINT_METRICS.map(({ metric, label, suffix }) => {
              const entry = form.constraints[metric];
              const setEntry = (patch: Partial<typeof entry>) => set({ constraints: { ...form.constraints, [metric]: { ...entry, ...patch } } });
              return (
                <div key={metric} className="limit">
                  <label className="check">
                    <input type="checkbox" checked={entry.enabled} onChange={(e) => setEntry({ enabled: e.target.checked })} />
                    {label}
                  </label>
                  <input
                    className="short"
                    aria-label={`${label} (${suffix})`}
                    value={entry.value}
                    disabled={!entry.enabled}
                    onChange={(e) => setEntry({ value: e.target.value })}
                  />{' '}
                  <span className="muted">{suffix}</span>
                </div>
              );
            })}
          </div>
        </fieldset>

        <fieldset className="sub" aria-label="Beliefs">
          <legend>What you already believe (optional)</legend>
          <p className="muted small">
            A belief steers the first backtests toward the range you name; the evidence takes over as backtests accumulate, so a
            wrong belief costs a few backtests, not the result.
          </p>
          {form.beliefs.map((belief, i) => {
            const spec = space.find((p) => p.name === belief.parameter);
            const suffix = unitSuffix(belief.parameter);
            const name = parameterLabel(belief.parameter);
            return (
              <div key={i} className="belief-row" role="group" aria-label={`Belief ${i + 1}`}>
                <label>
                  Parameter
                  <select
                    value={belief.parameter}
                    onChange={(e) => {
                      const next = space.find((p) => p.name === e.target.value);
                      setBelief(i, { parameter: e.target.value, low: '', high: '', choice: next?.type === 'categorical' ? String(next.choices[0]) : '' });
                    }}
                  >
                    {space.map((p) => (
                      <option key={p.name} value={p.name} title={parameterHelp(p.name)}>
                        {parameterLabel(p.name)}
                      </option>
                    ))}
                  </select>
                </label>
                {spec?.type === 'categorical' ? (
                  <label>
                    Most likely
                    <select value={belief.choice} onChange={(e) => setBelief(i, { choice: e.target.value })}>
                      {spec.choices.map((c) => (
                        <option key={String(c)} value={String(c)}>
                          {formatParameterValue(spec.name, c)}
                        </option>
                      ))}
                    </select>
                  </label>
                ) : (
                  <>
                    <label>
                      Most likely from
                      <input className="short" aria-label={`${name}: most likely from`} value={belief.low} onChange={(e) => setBelief(i, { low: e.target.value })} />
                    </label>
                    <label>
                      to
                      <input className="short" aria-label={`${name}: to`} value={belief.high} onChange={(e) => setBelief(i, { high: e.target.value })} />
                    </label>
                    {suffix && <span className="muted unit">{suffix}</span>}
                  </>
                )}
                <span className="muted small belief-range">
                  {spec
                    ? spec.type === 'categorical'
                      ? `${FAVOURED_CHOICE_WEIGHT}× as likely as each other option`
                      : `searched: ${describeRange(spec)}`
                    : ''}
                </span>
                <button type="button" className="link" aria-label={`Remove belief about ${name}`} onClick={() => set({ beliefs: form.beliefs.filter((_, j) => j !== i) })}>
                  Remove
                </button>
              </div>
            );
          })}
          {space.length > form.beliefs.length && (
            <button
              type="button"
              onClick={() =>
                set({
                  beliefs: [
                    ...form.beliefs,
                    newBelief(
                      space,
                      form.beliefs.map((b) => b.parameter),
                    ),
                  ],
                })
              }
            >
              Add a belief
            </button>
          )}
        </fieldset>

        <details className="settings">
          <summary>Validation design</summary>
          <p className="muted small">
            Each backtest is scored on consecutive validation windows; the most recent years are kept apart as a test window the
            tuner never sees, and the chosen parameters are scored there once, at the end.
          </p>
          <div className="form-row">
            <label>
              Validation windows
              <input className="short" inputMode="numeric" value={form.folds} onChange={(e) => set({ folds: e.target.value })} />
            </label>
            <label>
              Test window (years)
              <input className="short" value={form.testYears} onChange={(e) => set({ testYears: e.target.value })} />
            </label>
          </div>
        </details>

        <div className="form-row">
          <button type="submit" className="primary" disabled={!accountId || problem !== null || busy}>
            {busy ? 'Tuning…' : 'Start tuning'}
          </button>
          <span className="muted small">A new run never changes proposals until you accept it.</span>
        </div>
        {problem && (
          <p className="warn small" role="status" data-testid="tuning-form-problem">
            {problem}
          </p>
        )}
      </fieldset>
    </form>
  );
}
