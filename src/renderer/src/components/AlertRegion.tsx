import { useApp } from '../state';

/** The one place errors appear, in plain words. The region always exists so assistive tech announces changes. */
export function AlertRegion() {
  const { errors, dismissError } = useApp();
  return (
    <div className="alerts" role="alert" aria-live="assertive" data-testid="alert">
      {errors.map((error) => (
        <div key={error.id} className={error.code === 'CANCELLED' ? 'alert alert-info' : 'alert'} data-testid="alert-message" data-code={error.code}>
          <span className="alert-text">{error.message}</span>
          <button type="button" className="link" aria-label="Dismiss message" onClick={() => dismissError(error.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
