export { openDatabase, Store, type OpenOptions } from './db';
export { LATEST_SCHEMA_VERSION, BALLAST_APPLICATION_ID, migrations, parseMigrations, type Migration } from './migrate';
export { type Db } from './internal';
export { SettingsRepo } from './settings';
export { SecuritiesRepo, type SecurityInput, type SecurityRecord, type SecurityIdentifiers } from './securities';
export {
  PricesRepo,
  type PriceInput,
  type PriceConflict,
  type PriceMatrix,
  type LatestPrice,
  type PricePoint,
  type DateRange,
} from './prices';
export { AccountsRepo, type AccountInput } from './accounts';
export { ImportsRepo, type ImportInput, type ImportRow, type ImportKind, type ImportStatus } from './imports';
export { PositionsRepo, type PositionInput, type SnapshotInput, type SnapshotRecord, type PositionRow, type StagedPosition } from './positions';
export {
  ProposalsRepo,
  type ProposalInput,
  type TradeInput,
  type ProposalRecord,
  type ProposalDetail,
  type TradeRecord,
  type ProposalFilter,
} from './proposals';
export { ApprovalsRepo, type DecisionInput, type DecisionRecord } from './approvals';
export { ExportsRepo, type ExportInput, type StoredExport } from './exports';
export { CustodianProfilesRepo, EmsProfilesRepo } from './profiles';
export { ImportStagingRepo } from './staging';
export { ScratchMap } from './scratch-map';
export {
  IndicatorsRepo,
  type IndicatorInput,
  type IndicatorRecord,
  type IndicatorPoint,
  type UpsertSeriesResult,
  type CashRateSeries,
} from './indicators';
export {
  ModelRunsRepo,
  modelRunConfigKey,
  type ModelRunInput,
  type ModelRunRecord,
  type ModelRunSummary,
  type CompleteFields,
  type ModelRunKind,
  type ModelRunStatus,
  type ModelRunFilter,
  type SaveBlockFields,
} from './model-runs';
export { ForecastsRepo, forecastRows, type ForecastRowInput, type StoredForecastSet, type ForecastGrid } from './forecasts';
export {
  TuningRepo,
  type TuningRunInputRecord,
  type TuningRunRecord,
  type TuningObservationInput,
  type TuningObservationRecord,
  type TuningResultFields,
  type TuningRunStatusName,
  type TuningSearchName,
  type TuningSourceName,
} from './tuning';
export { BreakerEventsRepo, type BreakerEventInput, type BreakerEventRecord, type BreakerEventKind } from './breaker-events';
export {
  AuditRepo,
  appendAudit,
  verifyAuditChain,
  listAudit,
  canonicalJson,
  auditHash,
  GENESIS_HASH,
  type AuditInput,
  type AuditRecord,
} from './audit';
export {
  approvalAnchors,
  auditHashAt,
  auditCheckpointLines,
  auditHashesAfter,
  auditHead,
  checkAnchors,
  type AnchorCheck,
  type AnchorFinding,
  type AnchorFindingKind,
  type AnchorObservation,
  type AuditHead,
} from './anchors';
