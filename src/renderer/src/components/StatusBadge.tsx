import { type ProposalStatus } from '../../../shared/domain';

const LABELS: Record<ProposalStatus, string> = {
  pending: 'Pending review',
  approved: 'Approved',
  rejected: 'Rejected',
  exported: 'Exported',
  superseded: 'Superseded',
};

export function StatusBadge({ status, testId }: { status: ProposalStatus; testId?: string }) {
  return (
    <span className={`badge badge-${status}`} data-testid={testId} data-status={status}>
      {LABELS[status] ?? status}
    </span>
  );
}
