import { z } from 'zod';
import {
  Account,
  AccountId,
  AuditEntry,
  AuditVerification,
  CustodianProfile,
  EmsProfile,
  FixSettings,
  ImportMode,
  ImportPreview,
  PositionFormat,
  ExportFormat,
  ExportRecord,
  ImportRecord,
  ImportResult,
  Portfolio,
  Proposal,
  ProposalId,
  ProposalSummary,
  Security,
  BreakerStateName,
} from './domain';
import { ForecastConfig, StrategyParameters } from './strategy';
import { Indicator, IndicatorImportResult, IndicatorName, IndicatorRole, IndicatorUnit } from './indicators';
import { BacktestInput, BacktestReport } from './backtest';
import { TuningRunInput, TuningRunReport, TuningRunSummary, TuningSurrogateSlice } from './tuning';
import type { Result } from './errors';

/**
 * The contract. Every feature is one method here, one handler in src/main/app and a view in the
 * renderer; Electron IPC, the HTTP host and the CLI all dispatch through the same handler table and
 * parse input with these schemas. `long: true` marks methods that run on the worker pool and push
 * progress events tagged with the caller's callId.
 */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly long?: boolean;
  readonly summary: string;
}

const method = <I extends z.ZodType, O extends z.ZodType>(spec: MethodSpec<I, O>) => spec;

/** Joins per-area method maps; a name registered twice is a programming error caught at start-up. */
export function defineMethods<const M extends Record<string, MethodSpec>[]>(...maps: M): UnionToIntersection<M[number]> {
  const all: Record<string, MethodSpec> = {};
  for (const map of maps) {
    for (const [name, spec] of Object.entries(map)) {
      if (name in all) throw new Error(`contract: method "${name}" is defined twice`);
      all[name] = spec;
    }
  }
  return all as UnionToIntersection<M[number]>;
}
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

const Empty = z.object({}).strict();
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const AppInfo = z.object({
  name: z.literal('Ballast'),
  version: z.string(),
  dbPath: z.string(),
  schemaVersion: z.number().int(),
  computeBackend: z.string(),
  hasData: z.boolean(),
  demoAccountId: AccountId,
  exportsDir: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

const appMethods = {
  'app.info': method({ input: Empty, output: AppInfo, summary: 'Version, database path, compute backend, whether data is loaded' }),
  'demo.load': method({
    input: Empty,
    output: z.object({
      accountId: AccountId,
      securities: z.number().int(),
      prices: z.number().int(),
      positions: z.number().int(),
      /** Indicator series in the store (the demo's T-bill cash rate among them). */
      indicators: z.number().int().optional(),
      alreadyLoaded: z.boolean(),
    }),
    long: true,
    summary: 'Seed the database with the bundled demo market history and demo account',
  }),
  'jobs.cancel': method({ input: z.object({ callId: z.string().min(1) }).strict(), output: z.object({ cancelled: z.boolean() }), summary: 'Cancel a running long call' }),
};

const portfolioMethods = {
  'accounts.list': method({ input: Empty, output: z.array(Account), summary: 'Accounts in the store' }),
  'securities.list': method({ input: Empty, output: z.array(Security), summary: 'Securities master' }),
  'portfolio.get': method({
    input: z.object({ accountId: AccountId, asOf: z.string().optional() }).strict(),
    output: Portfolio,
    summary: 'Latest (or as-of) position snapshot of an account, valued at the latest prices',
  }),
};

/**
 * A file travels as its bytes (renderer uploads) or as a local path (CLI, desktop file dialog; large
 * files stream from disk). Exactly one of the two.
 */
const fileSource = {
  fileName: z.string().min(1),
  contentBase64: Base64.optional(),
  path: z.string().min(1).optional(),
};
const oneSource = (v: { contentBase64?: string | undefined; path?: string | undefined }) => (v.contentBase64 === undefined) !== (v.path === undefined);
const oneSourceMessage = { message: 'give the file either as contentBase64 or as path', path: ['contentBase64'] };

const positionOptions = {
  /** Required when the file does not name its account. */
  accountId: AccountId.optional(),
  format: PositionFormat.optional(),
  profile: z.string().min(1).optional(),
  asOf: z.string().optional(),
};

const importMethods = {
  'imports.preview': method({
    input: z
      .object({
        kind: z.enum(['prices', 'positions']),
        ...fileSource,
        ...positionOptions,
        /** Preview as the import would run with createSecurities: unknown securities show as "new", not rejected. */
        createSecurities: z.boolean().optional(),
        /** Preview as the import would run with createAccount (an account typed by hand that does not exist yet). */
        createAccount: z.boolean().optional(),
        mode: ImportMode.optional(),
      })
      .strict()
      .refine(oneSource, oneSourceMessage),
    output: ImportPreview,
    long: true,
    summary: 'Parse and validate a file without writing anything: detected format, rows, the validation report',
  }),
  'imports.prices': method({
    input: z.object(fileSource).strict().refine(oneSource, oneSourceMessage),
    output: ImportResult,
    long: true,
    summary: 'Import price history (wide or long CSV), all rows or nothing',
  }),
  'imports.positions': method({
    input: z
      .object({
        ...fileSource,
        ...positionOptions,
        /** The PM accepts that the listed rejected rows are left out (audited). */
        allowPartial: z.boolean().optional(),
        /** When the file lacks holdings or cash the account has now: replace the whole account, or update only the file's lines. */
        mode: ImportMode.optional(),
        /** Create the account named by hand (accountId) when there is none by that name. */
        createAccount: z.boolean().optional(),
        /** Create securities the master does not know from the file's description. */
        createSecurities: z.boolean().optional(),
      })
      .strict()
      .refine(oneSource, oneSourceMessage),
    output: ImportResult,
    long: true,
    summary: 'Import a holdings file (custodian CSV, OFX/QFX, IBKR Flex, MT535, semt.002), all rows or nothing',
  }),
  'imports.list': method({ input: Empty, output: z.array(ImportRecord), summary: 'Files imported so far' }),
  'profiles.list': method({ input: Empty, output: z.array(CustodianProfile), summary: 'Saved custodian CSV column mappings' }),
  'profiles.save': method({ input: z.object({ profile: CustodianProfile }).strict(), output: CustodianProfile, summary: 'Create or replace a custodian profile' }),
  'profiles.delete': method({ input: z.object({ name: z.string().min(1) }).strict(), output: z.object({ deleted: z.boolean() }), summary: 'Delete a custodian profile' }),
};

const indicatorMethods = {
  'indicators.import': method({
    input: z
      .object({
        ...fileSource,
        /** Name of the series in a one-series file (default: its header, else the file name). */
        name: IndicatorName.optional(),
        /** 'input' (default): a model input. 'cash-rate': the rate cash earns (one series at most). */
        role: IndicatorRole.optional(),
        /** Default: percent for a cash rate or a file written with % signs, else level. */
        unit: IndicatorUnit.optional(),
        description: z.string().trim().min(1).max(200).optional(),
      })
      .strict()
      .refine(oneSource, oneSourceMessage),
    output: IndicatorImportResult,
    long: true,
    summary: 'Import indicator series (CSV date,value or date + one column per series), all rows or nothing',
  }),
  'indicators.list': method({ input: Empty, output: z.array(Indicator), summary: 'Indicator series: name, unit, role, date range' }),
};

const proposalMethods = {
  'proposals.create': method({
    input: z
      .object({
        accountId: AccountId,
        lookbackDays: z.number().int().min(60).max(5000).optional(),
        cashFloor: z.number().min(0).max(0.5).optional(),
        /** 'bayesian' (default): BNN forecasts → uncertainty-aware allocation → circuit breaker. 'baseline': risk parity. */
        engine: z.enum(['bayesian', 'baseline']).optional(),
        /** Strategy parameters θ (defaults, or the account's accepted tuning run, when omitted). */
        theta: StrategyParameters.optional(),
        /** The PM overrides the circuit breaker's state for this proposal only; audited with the reason. */
        breakerOverride: z.object({ state: BreakerStateName, reason: z.string().trim().min(3), by: z.string().trim().min(1) }).strict().optional(),
      })
      .strict(),
    output: Proposal,
    long: true,
    summary: 'Compute a rebalance proposal for an account',
  }),
  'proposals.list': method({
    input: z.object({ accountId: AccountId.optional() }).strict(),
    output: z.array(ProposalSummary),
    summary: 'Proposals, newest first',
  }),
  'proposals.get': method({ input: z.object({ proposalId: ProposalId }).strict(), output: Proposal, summary: 'One proposal in full' }),
  'proposals.approve': method({
    input: z.object({ proposalId: ProposalId, by: z.string().trim().min(1, 'name who approves'), comment: z.string().optional() }).strict(),
    output: Proposal,
    summary: 'Approve a pending proposal',
  }),
  'proposals.reject': method({
    input: z
      .object({ proposalId: ProposalId, by: z.string().trim().min(1, 'name who rejects'), comment: z.string().trim().min(1, 'a rejection needs a comment') })
      .strict(),
    output: Proposal,
    summary: 'Reject a pending proposal with a comment',
  }),
};

const exportMethods = {
  'exports.create': method({
    input: z
      .object({
        proposalId: ProposalId,
        format: ExportFormat,
        /** EMS profile for CSV baskets (column names and order); the standard layout when absent. */
        profile: z.string().min(1).optional(),
        path: z.string().min(1).optional(),
        /** Required to export a proposal that was exported before (same client order ids): audited. */
        confirmReexport: z.boolean().optional(),
      })
      .strict(),
    output: ExportRecord,
    summary: 'Write the trade list of an approved proposal (atomic write, SHA-256 recorded)',
  }),
  'exports.download': method({
    input: z.object({ exportId: z.number().int().positive() }).strict(),
    output: z.object({
      exportId: z.number().int().positive(),
      fileName: z.string().min(1),
      mediaType: z.string().min(1),
      contentBase64: Base64,
      sha256: z.string(),
      bytes: z.number().int().nonnegative(),
    }),
    summary: 'The bytes of a trade list written to the exports folder (browser mode downloads it); refused if the file changed since',
  }),
  'emsProfiles.list': method({ input: Empty, output: z.array(EmsProfile), summary: 'EMS CSV basket layouts' }),
  'emsProfiles.save': method({ input: z.object({ profile: EmsProfile }).strict(), output: EmsProfile, summary: 'Create or replace an EMS profile' }),
  'settings.fix.get': method({ input: Empty, output: FixSettings, summary: 'FIX session identity and order defaults' }),
  'settings.fix.set': method({ input: z.object({ settings: FixSettings }).strict(), output: FixSettings, summary: 'Save FIX settings' }),
};

const auditMethods = {
  'audit.list': method({
    input: z.object({ limit: z.number().int().min(1).max(10_000).optional() }).strict(),
    output: z.array(AuditEntry),
    summary: 'Audit log, newest first',
  }),
  'audit.verify': method({ input: Empty, output: AuditVerification, summary: 'Recompute the audit hash chain' }),
};

const engineMethods = {
  'strategy.settings': method({
    input: Empty,
    output: z.object({ parameters: StrategyParameters, forecast: ForecastConfig, maxPriceAgeBusinessDays: z.number().int() }),
    summary: 'The default strategy parameters θ, the forecast model settings and the stale-price limit',
  }),
  'strategy.saveSettings': method({
    input: z
      .object({
        parameters: StrategyParameters.optional(),
        forecast: ForecastConfig.optional(),
        maxPriceAgeBusinessDays: z.number().int().min(0).max(260).optional(),
      })
      .strict(),
    output: z.object({ parameters: StrategyParameters, forecast: ForecastConfig, maxPriceAgeBusinessDays: z.number().int() }),
    summary: 'Save the default strategy parameters θ, the forecast model settings or the stale-price limit',
  }),
  'backtest.run': method({
    input: BacktestInput,
    output: BacktestReport,
    long: true,
    summary: 'Walk-forward backtest of the Bayesian strategy (or a baseline) beside every baseline and ablation, over stored forecasts',
  }),
  'tuning.run': method({
    input: z.union([TuningRunInput, z.object({ resume: z.number().int().positive() }).strict()]),
    output: TuningRunReport,
    long: true,
    summary: 'Tune θ by Bayesian optimisation on nested walk-forward backtests (validation folds, then one test window); or resume a stopped run',
  }),
  'tuning.list': method({
    input: z.object({ accountId: AccountId.optional() }).strict(),
    output: z.array(TuningRunSummary),
    summary: 'Tuning runs, newest first, with the one each account uses',
  }),
  'tuning.get': method({ input: z.object({ runId: z.number().int().positive() }).strict(), output: TuningRunReport, summary: 'One tuning run with every evaluation' }),
  'tuning.accept': method({
    input: z.object({ runId: z.number().int().positive(), by: z.string().min(1).max(200).optional(), reason: z.string().max(2000).optional() }).strict(),
    output: TuningRunSummary,
    summary: "Use a finished tuning run's θ for the account's proposals from now on (audited)",
  }),
  'tuning.surrogate': method({
    input: z.object({ runId: z.number().int().positive(), parameter: z.string().min(1), points: z.number().int().min(5).max(400).optional() }).strict(),
    output: TuningSurrogateSlice,
    summary: "The tuning GP's mean and band along one parameter, the others at the best point",
  }),
  'engine.solve': method({
    input: z.object({ kind: z.enum(['gp', 'bo', 'bnn']), spec: z.unknown() }).strict(),
    output: z.record(z.string(), z.unknown()),
    long: true,
    summary: 'Engine self-check: fit/predict a GP, run BO on a test function, or train/predict a BNN from a JSON spec',
  }),
};

export const methods = defineMethods(engineMethods, appMethods, portfolioMethods, importMethods, indicatorMethods, proposalMethods, exportMethods, auditMethods);
export type Methods = typeof methods;
export type MethodName = keyof Methods & string;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export const methodNames = Object.keys(methods) as MethodName[];
export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

/** Push events. Progress is throttled at the source (≤ ~20/s per call), never one per item. */
export const ProgressEvent = z.object({
  type: z.literal('progress'),
  callId: z.string(),
  method: z.string(),
  step: z.string(),
  current: z.number(),
  total: z.number(),
});
export const StateChangedEvent = z.object({
  type: z.literal('state-changed'),
  entity: z.enum(['proposals', 'portfolio', 'imports', 'audit', 'tuning']),
});
export const PushEvent = z.discriminatedUnion('type', [ProgressEvent, StateChangedEvent]);
export type ProgressEvent = z.infer<typeof ProgressEvent>;
export type PushEvent = z.infer<typeof PushEvent>;

/** What a renderer or CLI client sees: named, typed methods. */
export type ApiClient = {
  call<M extends MethodName>(name: M, input: MethodInput<M>, opts?: { callId?: string }): Promise<MethodOutput<M>>;
  onEvent(listener: (event: PushEvent) => void): () => void;
};

/**
 * What the Electron preload exposes as `window.ballast`: one named function per contract method (all
 * over the single validated `ballast:call` channel) and a typed event subscription. Nothing else.
 */
export interface BallastBridge {
  transport: 'ipc';
  methods: { [M in MethodName]: (input: unknown, callId?: string) => Promise<Result<MethodOutput<M>>> };
  onEvent(listener: (event: PushEvent) => void): () => void;
}

/** IPC channel names (main and preload only). */
export const IPC_CALL_CHANNEL = 'ballast:call';
export const IPC_EVENT_CHANNEL = 'ballast:event';
