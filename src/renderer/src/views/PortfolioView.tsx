import { formatAssetClass, formatDecimal, formatMoney, formatPercent, formatPrice } from '../format';
import { instrumentLabel } from '../importing';
import { useApp, useQuery } from '../state';

export function PortfolioView({ accountId, onImport }: { accountId: string | null; onImport(): void }) {
  const { client } = useApp();
  const portfolio = useQuery(
    () => (accountId ? client.call('portfolio.get', { accountId }) : undefined),
    [client, accountId],
    ['portfolio', 'imports'],
  );

  if (!accountId) {
    return (
      <section className="panel" data-testid="portfolio-view">
        <p className="muted">No account yet. Load the demo data or import a positions file.</p>
        <p>
          <button type="button" data-testid="open-import" onClick={onImport}>
            Import positions…
          </button>
        </p>
      </section>
    );
  }
  const p = portfolio.data;
  return (
    <section className="panel" data-testid="portfolio-view" aria-busy={portfolio.loading}>
      <div className="panel-head">
        <h2>Portfolio {p ? `— ${p.account.name}` : ''}</h2>
        {p && (
          <dl className="facts inline">
            <dt>As of</dt>
            <dd data-testid="portfolio-asof">{p.asOf ?? 'no positions imported'}</dd>
            <dt>Cash</dt>
            <dd data-testid="portfolio-cash" className={p.cash.startsWith('-') ? 'warn' : undefined}>
              {formatMoney(p.cash)} {p.account.baseCurrency}
              {p.cash.startsWith('-') && <span className="muted"> (a margin debit)</span>}
              {(p.cashBalances ?? [])
                .filter((c) => !c.counted)
                .map((c) => (
                  <span key={c.currency} className="muted" data-testid="portfolio-cash-other">
                    {' '}
                    · {formatMoney(c.amount)} {c.currency}
                  </span>
                ))}
            </dd>
            <dt>Total value</dt>
            <dd data-testid="portfolio-total">
              {formatMoney(p.totalValue)} {p.account.baseCurrency}
            </dd>
          </dl>
        )}
        <button type="button" data-testid="open-import" onClick={onImport}>
          Import positions…
        </button>
      </div>
      {p && (p.totalExcludes ?? []).length > 0 && (
        <p className="notice" data-testid="portfolio-total-excludes">
          The total leaves out {(p.totalExcludes ?? []).join('; ')}.
        </p>
      )}
      {p && (
        <table className="grid" data-testid="positions-table">
          <thead>
            <tr>
              <th>Ticker</th>
              <th>Name</th>
              <th>Asset class</th>
              <th>Kind</th>
              <th className="num">Quantity</th>
              <th className="num">Price</th>
              <th>Price date</th>
              <th className="num">Market value</th>
              <th className="num">Weight</th>
            </tr>
          </thead>
          <tbody>
            {p.positions.length === 0 && (
              <tr>
                <td colSpan={9} className="muted">
                  No positions.
                </td>
              </tr>
            )}
            {p.positions.map((pos) => (
              <tr key={pos.securityId} data-testid="position-row" data-ticker={pos.ticker}>
                <td className="mono">{pos.ticker}</td>
                <td>{pos.name}</td>
                <td>{formatAssetClass(pos.assetClass)}</td>
                <td data-testid="position-kind">
                  {instrumentLabel(pos.instrument?.instrumentType, pos.instrument?.multiplier) || '—'}
                  {pos.instrument?.instrumentType === 'option' && pos.instrument.strike && (
                    <span className="muted">
                      {' '}
                      {pos.instrument.putCall} {pos.instrument.strike} {pos.instrument.expiry}
                    </span>
                  )}
                </td>
                <td className="num" data-testid="position-quantity">
                  {formatDecimal(pos.quantity)}
                  {pos.quantity.startsWith('-') && (
                    <span className="tag" title="A short position (negative quantity)">
                      short
                    </span>
                  )}
                </td>
                <td className="num">{formatPrice(pos.price)}</td>
                <td>{pos.priceDate ?? '—'}</td>
                <td className="num">{formatMoney(pos.marketValue)}</td>
                <td className="num">{formatPercent(pos.weight)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
