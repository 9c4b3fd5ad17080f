import type { AuditEntry, AuditVerification } from '../../shared/domain';
import { verifyAuditWithAnchors } from './anchors';
import type { AppContext } from './context';

/** The chain checked against itself and against every anchor this installation can find (app/anchors.ts). */
export function verifyAudit(ctx: AppContext): AuditVerification {
  return verifyAuditWithAnchors(ctx.store, {
    dbPath: ctx.dbPath,
    exportsDir: ctx.exportsDir,
    key: ctx.anchors?.key ?? null,
    checkpointError: ctx.anchors?.checkpoint?.lastError ?? null,
  });
}

export function auditHandlers(ctx: AppContext) {
  return {
    'audit.list': (input: { limit?: number }): AuditEntry[] =>
      ctx.store.audit.list(input.limit ?? 500).map(({ id, at, actor, action, entity, entityId, details, hash }) => ({ id, at, actor, action, entity, entityId, details, hash })),
    'audit.verify': () => verifyAudit(ctx),
  };
}
