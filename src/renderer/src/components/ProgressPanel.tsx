import { useEffect, useState } from 'react';
import { progressText } from '../bayesian';
import { useApp } from '../state';

/** Re-renders once a second while `active`, so elapsed times move even when no progress event arrives. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/** Long calls in flight, driven by the progress events that carry their callId. */
export function ProgressPanel() {
  const { running, cancel } = useApp();
  const now = useNow(running.length > 0);
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
            <span className="progress-step" data-testid="progress-step" aria-live="polite">
              {call.cancelling ? 'Cancelling…' : progressText(call.step, call.current, call.total, Math.max(0, now - call.startedAt))}
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
