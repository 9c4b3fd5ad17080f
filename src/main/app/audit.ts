import type { AuditEntry } from '../../shared/domain';
import type { AppContext } from './context';

export function auditHandlers(ctx: AppContext) {
  return {
    'audit.list': (input: { limit?: number }): AuditEntry[] =>
      ctx.store.audit.list(input.limit ?? 500).map(({ id, at, actor, action, entity, entityId, details, hash }) => ({ id, at, actor, action, entity, entityId, details, hash })),
    'audit.verify': () => ctx.store.audit.verify(),
  };
}
