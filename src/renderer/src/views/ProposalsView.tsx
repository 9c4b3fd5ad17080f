import { useEffect, useRef } from 'react';
import { formatMoney, formatPercent, formatTimestamp } from '../format';
import { useApp, useQuery } from '../state';
import { type GenerateRequest } from '../bayesian';
import { GenerateControl } from '../components/GenerateControl';
import { StatusBadge } from '../components/StatusBadge';
import { ProposalDetail } from './ProposalDetail';

interface Props {
  accountId: string | null;
  selectedId: number | null;
  onSelect(proposalId: number | null): void;
  /** Resolves true when a proposal was made. */
  onGenerate(accountId: string, request: GenerateRequest): Promise<boolean>;
  generating: boolean;
  onImport(): void;
}

export function ProposalsView({ accountId, selectedId, onSelect, onGenerate, generating, onImport }: Props) {
  const { client } = useApp();
  const list = useQuery(
    () => (accountId ? client.call('proposals.list', { accountId }) : undefined),
    [client, accountId],
    ['proposals'],
  );
  const proposals = list.data;
  const { loading, reload } = list;
  const refetchedFor = useRef<number | null>(null);

  // Open the newest proposal when nothing (or a proposal of another account) is selected.
  useEffect(() => {
    if (!proposals || loading) return;
    if (selectedId != null && proposals.some((p) => p.id === selectedId)) return;
    // A proposal just generated can be newer than the list loaded so far (its answer may beat the list's
    // "changed" event): load the list once more instead of jumping to an older proposal.
    if (selectedId != null && proposals.every((p) => p.id < selectedId) && refetchedFor.current !== selectedId) {
      refetchedFor.current = selectedId;
      reload();
      return;
    }
    onSelect(proposals[0]?.id ?? null);
  }, [proposals, loading, reload, selectedId, onSelect]);

  return (
    <div className="proposals-layout" data-testid="proposals-view">
      <section className="panel proposals-list">
        <div className="panel-head">
          <h2>Proposals</h2>
          <button type="button" data-testid="open-import" title="Import a newer holdings file before proposing" onClick={onImport}>
            Import positions…
          </button>
          <GenerateControl accountId={accountId} generating={generating} onGenerate={onGenerate} />
        </div>
        {!accountId && <p className="muted">Select an account first.</p>}
        {proposals && proposals.length === 0 && <p className="muted">No proposals for this account yet.</p>}
        {proposals && proposals.length > 0 && (
          <div className="list-scroll">
            <table className="grid selectable" data-testid="proposals-list">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Created</th>
                  <th>Status</th>
                  <th className="num">Trades</th>
                  <th className="num">Turnover</th>
                  <th className="num">Total value</th>
                  <th>As of</th>
                  <th>Engine</th>
                </tr>
              </thead>
              <tbody>
                {proposals.map((p) => (
                  <tr
                    key={p.id}
                    data-testid="proposal-row"
                    data-proposal-id={p.id}
                    aria-selected={p.id === selectedId}
                    className={p.id === selectedId ? 'selected' : undefined}
                    tabIndex={0}
                    onClick={() => onSelect(p.id)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ' ') onSelect(p.id);
                    }}
                  >
                    <td>{p.id}</td>
                    <td title={formatTimestamp(p.createdAt)}>{formatTimestamp(p.createdAt).slice(0, 16)}</td>
                    <td>
                      <StatusBadge status={p.status} />
                    </td>
                    <td className="num">{p.tradeCount}</td>
                    <td className="num">{formatPercent(p.turnover, 1)}</td>
                    <td className="num">{formatMoney(p.totalValue)}</td>
                    <td>{p.asOf}</td>
                    <td>{p.engineLabel}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {selectedId != null ? (
        <ProposalDetail proposalId={selectedId} />
      ) : (
        <section className="panel proposal-detail">
          <p className="muted">Generate a proposal to see target weights, risk contributions and trades.</p>
        </section>
      )}
    </div>
  );
}
