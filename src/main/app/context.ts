import type { PushEvent } from '../../shared/api';
import type { JobRunner } from '../jobs/protocol';
import type { Store } from '../store';

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
}
