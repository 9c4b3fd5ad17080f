import { type MethodOutput } from '../../../shared/api';

type DemoResult = MethodOutput<'demo.load'>;

interface Props {
  demo: DemoResult | null;
  loading: boolean;
  generating: boolean;
  onLoadDemo(): void;
  onGenerate(accountId: string): void;
  onDismiss(): void;
}

/** First launch: what Ballast does, and a way to try it on real market history without any files. */
export function Welcome({ demo, loading, generating, onLoadDemo, onGenerate, onDismiss }: Props) {
  return (
    <section className="panel welcome" data-testid="welcome-panel">
      <h2>Welcome to Ballast</h2>
      <p>
        Ballast imports your positions and market history, computes a rebalance proposal for an account (Bayesian forecasts
        with their uncertainty and a circuit breaker, or a risk-parity baseline), and lets you approve or reject it before
        exporting the trade list as CSV. Everything runs and stays on this computer.
      </p>
      {!demo ? (
        <p>
          <button type="button" className="primary" data-testid="load-demo" disabled={loading} onClick={onLoadDemo}>
            {loading ? 'Loading demo data…' : 'Load demo data'}
          </button>{' '}
          <span className="muted">or use the Import tab to load your own price history and positions.</span>
        </p>
      ) : (
        <>
          <p data-testid="demo-loaded">
            {demo.alreadyLoaded ? 'The demo data was already loaded' : 'Demo data loaded'}: {demo.securities} securities,{' '}
            {demo.prices.toLocaleString('en-US')} price observations and {demo.positions} positions in account{' '}
            <strong>{demo.accountId}</strong>.
          </p>
          <p>
            <button
              type="button"
              className="primary"
              data-testid="welcome-generate"
              disabled={generating}
              onClick={() => onGenerate(demo.accountId)}
            >
              {generating ? 'Computing proposal…' : `Generate proposal for ${demo.accountId}`}
            </button>{' '}
            <button type="button" className="link" onClick={onDismiss}>
              Close
            </button>
          </p>
        </>
      )}
    </section>
  );
}
