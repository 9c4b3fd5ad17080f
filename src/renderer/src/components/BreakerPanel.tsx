import { type BreakerInfo } from '../../../shared/domain';
import {
  breakerBadgeText,
  breakerStateLabel,
  breakerTone,
  exposureSentence,
  formatScore,
  gaugeLayout,
  thresholdSentence,
} from '../bayesian';

const pct = (fraction: number) => `${(fraction * 100).toFixed(2)}%`;

export function BreakerBadge({ breaker }: { breaker: Pick<BreakerInfo, 'state' | 'override'> }) {
  return (
    <span
      className={`badge breaker-badge tone-${breakerTone(breaker.state)}`}
      data-testid="breaker-badge"
      data-state={breaker.state}
      data-overridden={breaker.override ? 'true' : 'false'}
    >
      {breakerBadgeText(breaker)}
    </span>
  );
}

/** The certainty score on a bullet gauge: de-risk, caution and normal zones, the reset tick, and where today sits. */
export function CertaintyGauge({ certainty, thresholds }: Pick<BreakerInfo, 'certainty' | 'thresholds'>) {
  const g = gaugeLayout(certainty, thresholds);
  const sentence = thresholdSentence(thresholds);
  return (
    <div className="gauge" data-testid="certainty-gauge">
      <div className="gauge-head">
        Model certainty{' '}
        <strong data-testid="breaker-certainty" data-value={certainty}>
          {formatScore(certainty)}
        </strong>
      </div>
      <div className="gauge-track" role="img" aria-label={`Model certainty ${formatScore(certainty)}. ${sentence}.`}>
        {g.zones.map((z) => (
          <span key={z.tone} className={`gauge-zone tone-${z.tone}`} style={{ left: pct(z.from), width: pct(Math.max(0, z.to - z.from)) }} />
        ))}
        {g.markers.map((m) => (
          <span key={m.key} className={`gauge-tick tick-${m.key}`} style={{ left: pct(m.position) }} title={`${m.label} ${formatScore(m.value)}`} />
        ))}
        {g.value != null && <span className="gauge-value" data-testid="gauge-value" data-position={g.value.toFixed(4)} style={{ left: pct(g.value) }} />}
      </div>
      <div className="gauge-scale" aria-hidden="true">
        {g.markers.map((m) => (
          <span key={m.key} className={`tick-${m.key}`} style={{ left: pct(m.position) }}>
            {m.label} {formatScore(m.value)}
          </span>
        ))}
      </div>
      <p className="muted small">{sentence}</p>
    </div>
  );
}

/** Circuit breaker: state, why, since when, what it does to the trades, any override, and the state changes. */
export function BreakerPanel({ breaker }: { breaker: BreakerInfo }) {
  const b = breaker;
  const transitions = [...b.transitions].reverse();
  return (
    <section className={`card breaker-card tone-border-${breakerTone(b.state)}`} data-testid="breaker-panel" data-state={b.state}>
      <div className="card-head">
        <BreakerBadge breaker={b} />
        <span className="muted" data-testid="breaker-since">
          since {b.since}
        </span>
      </div>
      <p data-testid="breaker-reason">{b.reason}</p>
      <CertaintyGauge certainty={b.certainty} thresholds={b.thresholds} />
      <p data-testid="breaker-exposure" data-value={b.exposure}>
        {exposureSentence(b.exposure)}
      </p>
      {b.override && (
        <div className="notice warn-box" data-testid="breaker-override" data-model-state={b.override.modelState}>
          Overridden for this proposal by <strong data-testid="breaker-override-by">{b.override.by}</strong>:{' '}
          <q data-testid="breaker-override-reason">{b.override.reason}</q>. The model said{' '}
          <strong>{breakerStateLabel(b.override.modelState)}</strong>.
        </div>
      )}
      <details className="transitions" open={transitions.length > 0 && transitions.length <= 4}>
        <summary>
          State changes over the trailing history ({transitions.length})
        </summary>
        {transitions.length === 0 ? (
          <p className="muted">None: the state has not changed over the history the score is measured against.</p>
        ) : (
          <div className="table-scroll short">
            <table className="grid" data-testid="breaker-transitions">
              <thead>
                <tr>
                  <th>Date</th>
                  <th>Change</th>
                  <th className="num">Certainty</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {transitions.map((t, i) => (
                  <tr key={`${t.date}-${i}`} data-testid="breaker-transition" data-from={t.from} data-to={t.to}>
                    <td>{t.date}</td>
                    <td>
                      {breakerStateLabel(t.from)} → <span className={`tone-text-${breakerTone(t.to)}`}>{breakerStateLabel(t.to)}</span>
                    </td>
                    <td className="num">{formatScore(t.certainty)}</td>
                    <td className="wrap">{t.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </details>
    </section>
  );
}
