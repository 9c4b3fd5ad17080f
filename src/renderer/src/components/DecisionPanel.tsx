import { useState } from 'react';
import { type Proposal } from '../../../shared/domain';
import { formatTimestamp } from '../format';
import { rememberedReviewer, rememberReviewer } from '../reviewer';
import { useAction, useApp } from '../state';

/** Approve or reject a pending proposal, and the record of who decided what. */
export function DecisionPanel({ proposal, onChanged }: { proposal: Proposal; onChanged(): void }) {
  const { client } = useApp();
  const [run, busy] = useAction();
  const [by, setBy] = useState(rememberedReviewer);
  const [comment, setComment] = useState('');

  const decide = (decision: 'approve' | 'reject') =>
    run(async () => {
      // The server owns the rules (a name, a comment to reject); its message is what the PM sees.
      const input = { proposalId: proposal.id, by, comment };
      if (decision === 'approve') {
        await client.call('proposals.approve', comment.trim() ? input : { proposalId: proposal.id, by });
      } else {
        await client.call('proposals.reject', input);
      }
      rememberReviewer(by);
      setComment('');
      onChanged();
    });

  return (
    <>
      {proposal.status === 'pending' && (
        <fieldset className="decision" data-testid="decision-panel" disabled={busy}>
          <legend>Decision</legend>
          <label>
            Your name
            <input data-testid="decision-name" value={by} autoComplete="name" onChange={(e) => setBy(e.target.value)} />
          </label>
          <label className="grow">
            <span>
              Comment <span className="muted">(required to reject)</span>
            </span>
            <textarea data-testid="decision-comment" rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
          </label>
          <div className="buttons">
            <button type="button" className="primary" data-testid="approve" onClick={() => void decide('approve')}>
              Approve
            </button>
            <button type="button" className="danger" data-testid="reject" onClick={() => void decide('reject')}>
              Reject
            </button>
          </div>
        </fieldset>
      )}
      {proposal.decisions.length > 0 && (
        <>
          <h3>Decisions</h3>
          <table className="grid" data-testid="decisions-history">
            <thead>
              <tr>
                <th>When</th>
                <th>Decision</th>
                <th>By</th>
                <th>Comment</th>
              </tr>
            </thead>
            <tbody>
              {proposal.decisions.map((d, i) => (
                <tr key={`${d.at}-${i}`} data-testid="decision-row">
                  <td>{formatTimestamp(d.at)}</td>
                  <td>{d.decision}</td>
                  <td>{d.by}</td>
                  <td>{d.comment ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
