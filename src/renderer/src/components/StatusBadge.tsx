import { type ProposalStatus } from '../../../shared/domain';

const LABELS: Record<ProposalStatus, string> = {
  pending: 'Pending review',
  approved: 'Approved',
  rejected: 'Rejected',
  exported: 'Exported',
  superseded: 'Superseded',
};

export function StatusBadge({ status, testId, compact = false }: { status: ProposalStatus; testId?: string; compact?: boolean }) {
  return (
    <span className={`badge badge-${status}`} data-testid={testId} data-status={status}>
      {compact && status === 'pending' ? 'Pending' : (LABELS[status] ?? status)}
    </span>
  );
}
