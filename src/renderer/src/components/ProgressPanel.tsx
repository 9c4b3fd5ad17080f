import { useApp } from '../state';

/** Long calls in flight, driven by the progress events that carry their callId. */
export function ProgressPanel() {
  const { running, cancel } = useApp();
  if (running.length === 0) return null;
  return (
    <div className="progress-panel">
      {running.map((call) => {
        const known = call.total > 0;
        return (
          <div key={call.callId} className="progress-item" data-testid="progress" data-method={call.method}>
            <span className="progress-label">{call.label}</span>
            <progress
              data-testid="progress-bar"
              aria-label={call.label}
              {...(known ? { max: call.total, value: Math.min(call.current, call.total) } : {})}
            />
            <span className="progress-step" data-testid="progress-step">
              {call.cancelling ? 'Cancelling…' : call.step}
              {known ? ` (${call.current} / ${call.total})` : ''}
            </span>
            <button type="button" data-testid="progress-cancel" disabled={call.cancelling} onClick={() => cancel(call.callId)}>
              Cancel
            </button>
          </div>
        );
      })}
    </div>
  );
}
