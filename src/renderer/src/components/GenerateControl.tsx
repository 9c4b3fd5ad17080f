import { useState } from 'react';
import { type BreakerStateName } from '../../../shared/domain';
import { BREAKER_STATES, breakerStateLabel, overrideProblem, type EngineChoice, type GenerateRequest } from '../bayesian';
import { rememberedReviewer, rememberReviewer } from '../reviewer';

interface Props {
  accountId: string | null;
  generating: boolean;
  /** Resolves true when a proposal was made (the override is then cleared: it applies to one proposal only). */
  onGenerate(accountId: string, request: GenerateRequest): Promise<boolean>;
}

/** "Generate proposal" with its choices: the engine, and optionally a circuit-breaker override with a reason. */
export function GenerateControl({ accountId, generating, onGenerate }: Props) {
  const [engine, setEngine] = useState<EngineChoice>('bayesian');
  const [enabled, setEnabled] = useState(false);
  const [state, setState] = useState<BreakerStateName>('NORMAL');
  const [reason, setReason] = useState('');
  const [by, setBy] = useState(rememberedReviewer);

  const request: GenerateRequest = { engine, override: { enabled, state, reason, by } };
  const problem = overrideProblem(request);
  const bayesian = engine === 'bayesian';

  const generate = async () => {
    if (!accountId || problem) return;
    if (bayesian && enabled) rememberReviewer(by);
    const made = await onGenerate(accountId, request);
    if (made) {
      setEnabled(false);
      setReason('');
    }
  };

  return (
    <div className="generate-control" data-testid="generate-control">
      <div className="generate-row">
        <label>
          Engine
          <select data-testid="engine-select" value={engine} disabled={generating} onChange={(e) => setEngine(e.target.value as EngineChoice)}>
            <option value="bayesian">Bayesian: forecasts, uncertainty and circuit breaker</option>
            <option value="baseline">Risk-parity baseline</option>
          </select>
        </label>
        <label className="check" title={bayesian ? undefined : 'The baseline has no circuit breaker.'}>
          <input
            type="checkbox"
            data-testid="override-toggle"
            checked={bayesian && enabled}
            disabled={!bayesian || generating}
            onChange={(e) => setEnabled(e.target.checked)}
          />
          Override circuit breaker
        </label>
        <button
          type="button"
          className="primary"
          data-testid="generate-proposal"
          disabled={!accountId || generating || problem !== null}
          title={problem ?? undefined}
          onClick={() => void generate()}
        >
          {generating ? 'Computing…' : 'Generate proposal'}
        </button>
      </div>
      {bayesian && enabled && (
        <fieldset className="override-form" data-testid="override-form" disabled={generating}>
          <legend>Circuit breaker override (this proposal only, recorded in the audit log)</legend>
          <label>
            Use state
            <select data-testid="override-state" value={state} onChange={(e) => setState(e.target.value as BreakerStateName)}>
              {BREAKER_STATES.map((s) => (
                <option key={s} value={s}>
                  {breakerStateLabel(s)}
                </option>
              ))}
            </select>
          </label>
          <label className="grow">
            Reason
            <input
              data-testid="override-reason"
              value={reason}
              placeholder="Why the model’s state should not apply to this proposal"
              onChange={(e) => setReason(e.target.value)}
            />
          </label>
          <label>
            Your name
            <input data-testid="override-by" value={by} autoComplete="name" onChange={(e) => setBy(e.target.value)} />
          </label>
          {problem && (
            <p className="override-problem warn" data-testid="override-problem">
              {problem}
            </p>
          )}
        </fieldset>
      )}
    </div>
  );
}
