import { type ModelRunRef, type PortfolioConfidence, type Proposal } from '../../../shared/domain';
import { formatSignedPercent, horizonPhrase } from '../bayesian';
import { formatPercent } from '../format';

/** Things to check before approving (stale prices …): first thing under the title, never folded away. */
export function ProposalWarnings({ warnings }: { warnings: readonly string[] | undefined }) {
  if (!warnings || warnings.length === 0) return null;
  return (
    <div className="notice warn-box proposal-warnings" data-testid="proposal-warnings" role="note">
      <strong>Check before approving</strong>
      <ul className="warnings">
        {warnings.map((w, i) => (
          <li key={i} data-testid="proposal-warning">
            {w}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Which stored forecast model the proposal read, so a reviewer can trace it. */
export function ModelRunLine({ run }: { run: ModelRunRef }) {
  return (
    <p className="model-run" data-testid="model-run" data-model-run-id={run.id}>
      Forecast model run <strong>#{run.id}</strong> · trained on returns through <strong>{run.trainedThrough}</strong> · forecasts
      made from <strong>{run.forecastDate}</strong> data · horizon {run.horizonDays} trading days · backend{' '}
      <span className="mono">{run.backend}</span> · seed {run.seed}
    </p>
  );
}

/** Where the interval sits against zero, as a strip: a quick read of "how sure, and which way". */
function IntervalStrip({ lower, mean, upper }: { lower: number; mean: number; upper: number }) {
  const lo = Math.min(lower, 0);
  const hi = Math.max(upper, 0);
  const span = hi - lo || 1;
  const at = (v: number) => `${(((v - lo) / span) * 100).toFixed(2)}%`;
  return (
    <div className="interval-strip" aria-hidden="true">
      <span className="interval-range" style={{ left: at(lower), width: `${(((upper - lower) / span) * 100).toFixed(2)}%` }} />
      <span className="interval-zero" style={{ left: at(0) }} />
      <span className="interval-mean" style={{ left: at(mean) }} />
    </div>
  );
}

/** The target portfolio's predictive return over the horizon and how likely it beats standing still. */
export function ConfidencePanel({ confidence }: { confidence: PortfolioConfidence }) {
  const c = confidence;
  return (
    <section className="card" data-testid="confidence-panel">
      <h3>Portfolio confidence</h3>
      <p>
        Expected return {horizonPhrase(c.horizonDays)}:{' '}
        <strong data-testid="confidence-expected" data-value={c.expectedReturn}>
          {formatSignedPercent(c.expectedReturn)}
        </strong>
      </p>
      <p>
        90 % interval:{' '}
        <span data-testid="confidence-interval" data-lower={c.lower90} data-upper={c.upper90}>
          {formatSignedPercent(c.lower90)} to {formatSignedPercent(c.upper90)}
        </span>
      </p>
      <IntervalStrip lower={c.lower90} mean={c.expectedReturn} upper={c.upper90} />
      <p>
        Probability the target beats keeping current weights:{' '}
        <strong data-testid="confidence-probability" data-value={c.probabilityBeatsCurrent}>
          {formatPercent(c.probabilityBeatsCurrent, 0)}
        </strong>
      </p>
      <p className="muted small">Risk-adjusted and net of trading costs, from the model’s predictive samples. Not annualised.</p>
    </section>
  );
}

/** θ in words, for the facts list. */
export function strategySummary(p: Proposal): string | null {
  const theta = p.parameters.theta;
  if (!theta) return null;
  const source = p.parameters.tuningRunId ? `tuning run #${p.parameters.tuningRunId}` : (p.parameters.thetaSource ?? 'default');
  // Tuned values are unrounded reals: three significant digits say what matters.
  const short = (x: number) => String(Number(x.toPrecision(3)));
  return (
    `${source}: risk aversion ${short(theta.riskAversion)}, uncertainty penalty ${short(theta.uncertaintyPenalty)}, ` +
    `tracking-error budget ${formatPercent(theta.trackingErrorBudget, 1)} a year, ` +
    `risk model ${theta.covariance.estimator === 'ewma' ? 'EWMA' : 'Ledoit–Wolf'} over ${theta.covariance.lookbackDays} days`
  );
}
