import { unlinkSync } from 'node:fs';
import path from 'node:path';
import type { ExportRecord } from '../../shared/domain';
import { BallastError } from '../../shared/errors';
import { writeTradeListCsv } from '../io';
import type { AppContext } from './context';
import { writeFileAtomic } from './files';
import { getProposal } from './proposals';

/**
 * Writes an approved proposal's trade list. The file is complete on disk (temp file, fsync, rename)
 * before the export is recorded; if recording fails the file is removed, so a file on disk always has
 * its row in `exports` and the audit log.
 */
export function exportProposal(ctx: AppContext, input: { proposalId: number; format: 'csv'; path?: string }): ExportRecord {
  const { store } = ctx;
  const proposal = getProposal(store, input.proposalId);
  if (proposal.status !== 'approved' && proposal.status !== 'exported') {
    throw new BallastError('INVALID_STATE', `Proposal ${proposal.id} is ${proposal.status}; only an approved proposal can be exported.`);
  }
  if (proposal.trades.length === 0) throw new BallastError('INVALID_STATE', `Proposal ${proposal.id} has no trades to export.`);
  const { text, rows } = writeTradeListCsv({ accountId: proposal.accountId, proposalId: proposal.id, createdAt: proposal.createdAt, trades: proposal.trades });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const target = input.path ?? path.join(ctx.exportsDir, `ballast-proposal-${proposal.id}-${proposal.accountId}-${stamp}.csv`);
  const written = writeFileAtomic(target, text);
  try {
    const record = store.transaction(() => {
      const rec = store.exports.record({ proposalId: proposal.id, format: input.format, path: written.path, sha256: written.sha256, rows });
      store.proposals.transition(proposal.id, ['approved', 'exported'], 'exported');
      store.audit.append({
        actor: ctx.actor,
        action: proposal.status === 'exported' ? 'proposal.reexport' : 'proposal.export',
        entity: 'export',
        entityId: rec.id,
        details: { proposalId: proposal.id, format: input.format, path: written.path, sha256: written.sha256, rows },
      });
      return rec;
    });
    ctx.emit({ type: 'state-changed', entity: 'proposals' });
    return record;
  } catch (err) {
    unlinkSync(written.path);
    throw err;
  }
}

export function exportHandlers(ctx: AppContext) {
  return {
    'exports.create': (input: { proposalId: number; format: 'csv'; path?: string }) => exportProposal(ctx, input),
  };
}
