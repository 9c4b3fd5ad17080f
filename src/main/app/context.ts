import type { PushEvent } from '../../shared/api';
import type { JobRunner } from '../jobs/protocol';
import type { Store } from '../store';
import type { AnchorKey, AuditCheckpoint } from './anchors';

/** What every handler of the app layer may use. Built once per runtime by `createRuntime`. */
export interface AppContext {
  store: Store;
  jobs: JobRunner;
  dbPath: string;
  resourcesDir: string;
  exportsDir: string;
  /** Who is at the keyboard, for audit rows of actions that name no one (imports, proposals). */
  actor: string;
  emit(event: PushEvent): void;
  /**
   * Audit anchors (src/main/app/anchors.ts): the per-installation signing key when the desktop app could
   * reach the OS keychain, and the checkpoint file writer. Absent in contexts that never write anchors.
   */
  anchors?: { key: AnchorKey | null; checkpoint: AuditCheckpoint | null };
}
