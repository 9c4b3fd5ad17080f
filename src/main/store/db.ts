import Database from 'better-sqlite3';
import { BallastError } from '../../shared/errors';
import { AccountsRepo } from './accounts';
import { ApprovalsRepo } from './approvals';
import { AuditRepo } from './audit';
import { BreakerEventsRepo } from './breaker-events';
import { ExportsRepo } from './exports';
import { ForecastsRepo } from './forecasts';
import { ImportsRepo } from './imports';
import { IndicatorsRepo } from './indicators';
import { writeTransaction, type Db, type WriteWaitListener } from './internal';
import { assertOpenable, LATEST_SCHEMA_VERSION, migrate, readSchemaVersion } from './migrate';
import { ModelRunsRepo } from './model-runs';
import { PositionsRepo } from './positions';
import { PricesRepo } from './prices';
import { CustodianProfilesRepo, EmsProfilesRepo } from './profiles';
import { ProposalsRepo } from './proposals';
import { SecuritiesRepo } from './securities';
import { SettingsRepo } from './settings';
import { ScratchMap } from './scratch-map';
import { ImportStagingRepo } from './staging';
import { TuningRepo } from './tuning';

export interface OpenOptions {
  /**
   * Path to a better_sqlite3.node built for the running runtime: the Electron app passes its
   * Electron-ABI copy, tests and the CLI use the one in node_modules.
   */
  nativeBinding?: string;
  /** For readers beside the main writer (e.g. workers); never migrates, so the schema must be current. */
  readonly?: boolean;
}

export class Store {
  readonly settings: SettingsRepo;
  readonly securities: SecuritiesRepo;
  readonly prices: PricesRepo;
  readonly accounts: AccountsRepo;
  readonly imports: ImportsRepo;
  readonly positions: PositionsRepo;
  readonly proposals: ProposalsRepo;
  readonly approvals: ApprovalsRepo;
  readonly exports: ExportsRepo;
  readonly audit: AuditRepo;
  readonly custodianProfiles: CustodianProfilesRepo;
  readonly emsProfiles: EmsProfilesRepo;
  readonly staging: ImportStagingRepo;
  readonly indicators: IndicatorsRepo;
  readonly modelRuns: ModelRunsRepo;
  readonly forecasts: ForecastsRepo;
  readonly breakerEvents: BreakerEventsRepo;
  readonly tuning: TuningRepo;

  constructor(
    readonly db: Db,
    readonly file: string,
    readonly schemaVersion: number,
  ) {
    this.settings = new SettingsRepo(db);
    this.securities = new SecuritiesRepo(db);
    this.prices = new PricesRepo(db);
    this.accounts = new AccountsRepo(db);
    this.imports = new ImportsRepo(db);
    this.positions = new PositionsRepo(db);
    this.proposals = new ProposalsRepo(db);
    this.approvals = new ApprovalsRepo(db);
    this.exports = new ExportsRepo(db);
    this.audit = new AuditRepo(db);
    this.custodianProfiles = new CustodianProfilesRepo(db);
    this.emsProfiles = new EmsProfilesRepo(db);
    this.staging = new ImportStagingRepo(db);
    this.indicators = new IndicatorsRepo(db);
    this.modelRuns = new ModelRunsRepo(db);
    this.forecasts = new ForecastsRepo(db);
    this.breakerEvents = new BreakerEventsRepo(db);
    this.tuning = new TuningRepo(db);
  }

  /** A key → text map in a scratch table of this connection (see ScratchMap), empty when made. */
  scratchMap(name: string): ScratchMap {
    return new ScratchMap(this.db, name);
  }

  get readonly(): boolean {
    return this.db.readonly;
  }

  /**
   * Runs `fn` as one transaction: everything it writes commits together or, if it throws, not at all.
   * Synchronous by design — `fn` must not await (the transaction would commit at the first await).
   * Write connections begin IMMEDIATE so the write lock is taken before the first read; nested calls
   * become savepoints. While another connection or process writes, the transaction waits its turn (as long
   * as that takes) and `opts.onWait` hears how long it has waited — e.g. to say "waiting for another
   * import to finish" (see `writeTransaction`).
   */
  transaction<T>(fn: () => T, opts: { onWait?: WriteWaitListener } = {}): T {
    const guarded = () => {
      const result = fn();
      if (isThenable(result)) {
        throw new Error('store.transaction() callback returned a promise; transactions must be synchronous');
      }
      return result;
    };
    return this.db.readonly ? this.db.transaction(guarded).deferred() : writeTransaction(this.db, guarded, opts.onWait);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Opens (creating if needed) a Ballast database and brings its schema up to date in one transaction.
 * Refuses, before writing anything, a database from a newer Ballast (DB_TOO_NEW) and an SQLite file
 * that is not a Ballast database. `':memory:'` gives a private database for tests.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Store {
  const readonly = opts.readonly ?? false;
  const db = new Database(file, {
    readonly,
    fileMustExist: readonly,
    ...(opts.nativeBinding !== undefined ? { nativeBinding: opts.nativeBinding } : {}),
  });
  try {
    // Waiting (rather than failing) while a worker holds the write lock; set before the first read.
    db.pragma('busy_timeout = 5000');
    const found = assertOpenable(db, file);
    if (!readonly) db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL is durable against application crashes and only risks the last commits on
    // power loss, and it spares an fsync per transaction.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (found < LATEST_SCHEMA_VERSION) {
      if (readonly) {
        throw new BallastError(
          'INVALID_STATE',
          `The database ${file} needs an upgrade (schema ${found} → ${LATEST_SCHEMA_VERSION}); open it read-write once first.`,
          { file, schemaVersion: found, knownSchemaVersion: LATEST_SCHEMA_VERSION },
        );
      }
      migrate(db);
    }
    return new Store(db, file, readSchemaVersion(db));
  } catch (err) {
    db.close();
    throw err;
  }
}
