import { type Attribution } from '../../../shared/domain';
import { ATTRIBUTION_TOLERANCE, attributionTable, formatPoints, type AttributionRow } from '../bayesian';
import { formatPercent } from '../format';

// Below half the last shown digit (0.01 pp) a part is shown muted: it did not move the weight.
const NEGLIGIBLE = 5e-5;

function Points({ value, testId }: { value: number; testId?: string }) {
  return (
    <td className={Math.abs(value) < NEGLIGIBLE ? 'num muted' : 'num'} data-value={value} data-testid={testId}>
      {formatPoints(value)}
    </td>
  );
}

function SumCell({ row }: { row: AttributionRow }) {
  const ok = Math.abs(row.residual) <= ATTRIBUTION_TOLERANCE;
  return (
    <td
      className={ok ? 'num sum-ok' : 'num warn'}
      data-value={row.sum}
      data-testid="attribution-sum"
      data-ok={ok ? 'true' : 'false'}
      title={ok ? 'The parts add up to the weight change.' : `The parts differ from the weight change by ${formatPoints(row.residual, 4)}.`}
    >
      {formatPoints(row.sum)} {ok ? '✓' : '≠'}
    </td>
  );
}

function RiskCell({ row }: { row: AttributionRow }) {
  if (row.riskBefore == null || row.riskAfter == null) return <td className="num muted">—</td>;
  return (
    <td className="num" data-testid="attribution-risk" data-before={row.riskBefore} data-after={row.riskAfter}>
      {formatPercent(row.riskBefore, 1)} → {formatPercent(row.riskAfter, 1)}
    </td>
  );
}

/** Why each weight changes: the change split exactly over the engine's inputs, each row adding up to its change. */
export function AttributionTable({ attribution }: { attribution: Attribution }) {
  const model = attributionTable(attribution);
  const t = model.total;
  return (
    <>
      <h3>Why the weights change</h3>
      <p className="muted">
        Each weight change (target − current, in percentage points of total value) split exactly over what caused it; the parts
        of a row add up to its change. Risk contribution is each asset’s share of portfolio risk at current and at target
        weights.
      </p>
      <div className="table-scroll">
        <table className="grid" data-testid="attribution-table" data-max-residual={model.maxResidual}>
          <thead>
            <tr>
              <th>Asset</th>
              <th className="num">Weight change</th>
              {model.groups.map((g) => (
                <th key={g.key} className="num" data-testid="attribution-group" data-group={g.key}>
                  {g.label}
                </th>
              ))}
              <th className="num">Sum of parts</th>
              <th className="num">Risk contribution before → after</th>
            </tr>
          </thead>
          <tbody>
            {model.rows.map((r) => (
              <tr key={r.ticker} data-testid="attribution-row" data-ticker={r.ticker} className={r.isCash ? 'subtotal' : undefined}>
                <td className="mono">{r.ticker}</td>
                <Points value={r.change} testId="attribution-change" />
                {r.parts.map((x, i) => (
                  <Points key={model.groups[i]?.key ?? i} value={x} />
                ))}
                <SumCell row={r} />
                <RiskCell row={r} />
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr className="subtotal" data-testid="attribution-total">
              <td>Total</td>
              <Points value={t.change} />
              {t.parts.map((x, i) => (
                <Points key={model.groups[i]?.key ?? i} value={x} />
              ))}
              <td className="num" data-value={t.sum}>
                {formatPoints(t.sum)}
              </td>
              <RiskCell row={t} />
            </tr>
          </tfoot>
        </table>
      </div>
    </>
  );
}
