import { z } from 'zod';
import { ForecastConfig, StrategyParameters } from './strategy';
import { FileIssue } from './errors';
import { CANONICAL_FIELDS, TRADE_LIST_FIELDS } from './fields';

/**
 * Domain schemas shared by every layer. Units that are easy to mix up are named in the field:
 * weights are fractions of the account's total value (0.25 = 25 %), prices are per share in the
 * security's currency, and exact quantities and money travel as decimal strings (see `DecimalString`).
 */

/** Exact decimal as a string: optional minus, digits, optional fraction. No exponent, no grouping. */
export const DecimalString = z
  .string()
  .regex(/^-?(0|[1-9]\d*)(\.\d+)?$/, 'must be a plain decimal number such as 1234.56');
export type DecimalString = z.infer<typeof DecimalString>;

export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
export const IsoTimestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'must be a UTC timestamp');

/**
 * An account id as the custodian writes it: letters and digits, with dots, dashes, underscores, slashes
 * and single spaces between them ("12345/678-9", "DE 1234 5678"). `accountMatchKey` is the one form used
 * to recognise the same account written differently.
 */
export const AccountId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._/-]| (?! ))*$/, 'letters, digits, and . - _ / or a space between them')
  .refine((id) => !id.endsWith(' '), 'must not end with a space');

/** The normalised form of an account id used for matching: capitals and digits only. */
export function accountMatchKey(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, '');
}
export const ProposalId = z.number().int().positive();

export const AssetClass = z.enum(['equity', 'fixed_income', 'commodity', 'real_estate', 'cash', 'other']);
export type AssetClass = z.infer<typeof AssetClass>;

/** What kind of instrument a security is, as the custodian's file described it. */
export const InstrumentType = z.enum(['equity', 'fund', 'bond', 'option', 'future', 'cash', 'other']);
export type InstrumentType = z.infer<typeof InstrumentType>;

/** Derivative terms and instrument type (all null when no file stated them). */
export const InstrumentTerms = z.object({
  instrumentType: InstrumentType.nullable(),
  /** Contract size: market value = quantity × quoted price × multiplier. */
  multiplier: DecimalString.nullable(),
  underlying: z.string().nullable(),
  expiry: IsoDate.nullable(),
  strike: DecimalString.nullable(),
  putCall: z.enum(['put', 'call']).nullable(),
});
export type InstrumentTerms = z.infer<typeof InstrumentTerms>;

export const Security = z.object({
  id: z.number().int().positive(),
  ticker: z.string(),
  isin: z.string().nullable(),
  cusip: z.string().nullable(),
  sedol: z.string().nullable(),
  name: z.string(),
  assetClass: AssetClass,
  currency: z.string().length(3),
});
export type Security = z.infer<typeof Security>;

export const Account = z.object({
  id: AccountId,
  name: z.string(),
  baseCurrency: z.string().length(3),
  createdAt: IsoTimestamp,
});
export type Account = z.infer<typeof Account>;

export const PositionView = z.object({
  securityId: z.number().int().positive(),
  ticker: z.string(),
  isin: z.string().nullable(),
  cusip: z.string().nullable(),
  sedol: z.string().nullable(),
  currency: z.string().length(3),
  name: z.string(),
  assetClass: AssetClass,
  quantity: DecimalString,
  price: z.number().nullable(),
  priceDate: IsoDate.nullable(),
  marketValue: DecimalString.nullable(),
  weight: z.number().nullable(),
  /** Instrument type and derivative terms (value = quantity × price × multiplier). */
  instrument: InstrumentTerms.optional(),
});
export type PositionView = z.infer<typeof PositionView>;

export const Portfolio = z.object({
  account: Account,
  asOf: IsoDate.nullable(),
  importId: z.number().int().nullable(),
  positions: z.array(PositionView),
  /** Cash in the account's base currency (negative: a margin debit). */
  cash: DecimalString,
  totalValue: DecimalString,
  /** Cash per currency as the custodian reported it; `counted` false when the total leaves it out (another currency). */
  cashBalances: z.array(z.object({ currency: z.string(), amount: DecimalString, counted: z.boolean() })).optional(),
  /** What the total leaves out, in words (cash in other currencies, holdings without a value). */
  totalExcludes: z.array(z.string()).optional(),
});
export type Portfolio = z.infer<typeof Portfolio>;

export const ImportKind = z.enum(['prices', 'positions']);

/** Position-file formats; 'auto' detects from the content. */
export const PositionFormat = z.enum(['auto', 'csv', 'ofx', 'ibkr-flex', 'ibkr-csv', 'mt535', 'semt002']);
export type PositionFormat = z.infer<typeof PositionFormat>;

/**
 * How a holdings file that lacks lines the account's current snapshot has is written: `replace` — the
 * file is the whole account (what it leaves out is gone); `update` — the file updates only the lines it
 * lists (a partial statement) and everything else is carried over.
 */
export const ImportMode = z.enum(['replace', 'update']);
export type ImportMode = z.infer<typeof ImportMode>;

/** Holdings and cash a new snapshot would no longer have. */
export const SnapshotShrinkage = z.object({
  holdings: z.array(
    z.object({ securityId: z.number().int().positive(), ticker: z.string(), name: z.string(), quantity: DecimalString, marketValue: DecimalString.nullable() }),
  ),
  cash: z.array(z.object({ currency: z.string(), amount: DecimalString })),
});
export type SnapshotShrinkage = z.infer<typeof SnapshotShrinkage>;

/** One account/date snapshot written (or to be written) by a position import. */
export const ImportedSnapshot = z.object({
  accountId: AccountId,
  asOf: IsoDate,
  positions: z.number().int().nonnegative(),
  cash: z.array(z.object({ currency: z.string(), amount: DecimalString })),
  snapshotId: z.number().int().positive().nullable(),
  /** Older snapshots for the same account and date that this one replaces (shown to the PM). */
  supersedes: z.array(z.number().int().positive()),
  /** True when the account does not exist yet and the import creates it (named by the file, or confirmed). */
  newAccount: z.boolean().optional(),
  /** The account's current snapshot the new one is compared with (null: the account has none). */
  previous: z.object({ snapshotId: z.number().int().positive(), asOf: IsoDate, positions: z.number().int().nonnegative() }).nullable().optional(),
  /** What the previous snapshot has and this file does not: replacing the account would drop it. */
  disappearing: SnapshotShrinkage.optional(),
  /** How the snapshot was (or would be) written when something would disappear: see ImportMode. */
  mode: z.enum(['replace', 'update']).nullable().optional(),
  /** Holdings and cash lines carried over from the previous snapshot (mode "update"). */
  carriedOver: z.number().int().nonnegative().optional(),
});
export type ImportedSnapshot = z.infer<typeof ImportedSnapshot>;

/**
 * The statements (account and date) of a file beyond the first MAX_LISTED_STATEMENTS, which a result or preview
 * does not list one by one — a file over 100,000 accounts would list megabytes (issue 10) — summed instead.
 */
export const StatementsNotListed = z.object({
  statements: z.number().int().positive(),
  positions: z.number().int().nonnegative(),
  /** Of them, those whose account has holdings or cash this file does not list (see `disappearing`). */
  disappearing: z.number().int().nonnegative(),
  newAccounts: z.number().int().nonnegative(),
});
export type StatementsNotListed = z.infer<typeof StatementsNotListed>;
export const MAX_LISTED_STATEMENTS = 1000;

export const ImportResult = z.object({
  importId: z.number().int().positive().nullable(),
  kind: ImportKind,
  fileName: z.string(),
  sha256: z.string(),
  format: z.string(),
  status: z.enum(['imported', 'already_imported']),
  rows: z.number().int().nonnegative(),
  securitiesCreated: z.number().int().nonnegative(),
  warnings: z.array(z.object({ line: z.number(), field: z.string(), reason: z.string() })),
  accountId: AccountId.nullable(),
  asOf: IsoDate.nullable(),
  /** Rows left out because the PM accepted the listed exclusions (allowPartial); 0 otherwise. */
  excluded: z.number().int().nonnegative().default(0),
  /** The first MAX_LISTED_STATEMENTS snapshots written, in file order; the rest are summed in `snapshotsNotListed`. */
  snapshots: z.array(ImportedSnapshot).default([]),
  snapshotsNotListed: StatementsNotListed.optional(),
});
export type ImportResult = z.infer<typeof ImportResult>;

/** How the app matched a file's line to the securities master. */
export const SecurityMatch = z.object({
  securityId: z.number().int().positive().nullable(),
  ticker: z.string().nullable(),
  by: z.enum(['isin', 'cusip', 'sedol', 'figi', 'ticker', 'custodian-code', 'description']).nullable(),
  /** True when the import will create the security from the file's description. */
  willCreate: z.boolean(),
});

export const PreviewRow = z.object({
  line: z.number().int(),
  accountId: z.string().nullable(),
  asOf: z.string().nullable(),
  ticker: z.string().nullable(),
  isin: z.string().nullable(),
  cusip: z.string().nullable(),
  sedol: z.string().nullable(),
  description: z.string().nullable(),
  quantity: DecimalString,
  quantityType: z.enum(['UNIT', 'FAMT']),
  price: DecimalString.nullable(),
  marketValue: DecimalString.nullable(),
  currency: z.string().nullable(),
  /** Equity, fund, bond, option, future, cash, other — as the file says or implies. */
  instrumentType: InstrumentType.nullable().optional(),
  /** Contract size of a derivative (price is then per contract). */
  multiplier: DecimalString.nullable().optional(),
  /** A code that is not a valid ISIN/CUSIP/SEDOL, kept as the custodian's own identifier. */
  custodianCode: z.string().nullable().optional(),
  match: SecurityMatch,
  status: z.enum(['ok', 'warning', 'rejected']),
});
export type PreviewRow = z.infer<typeof PreviewRow>;

/** What a file would do, before anything is written: the PM reviews this and then confirms. */
export const ImportPreview = z.object({
  kind: ImportKind,
  fileName: z.string(),
  sha256: z.string(),
  format: z.string(),
  /** What detection found (encoding, delimiter, number style, OFX version, profile …). */
  detected: z.record(z.string(), z.string()),
  alreadyImported: z.boolean(),
  /** The first MAX_LISTED_STATEMENTS statements, in file order; the rest are summed in `statementsNotListed`. */
  statements: z.array(ImportedSnapshot),
  statementsNotListed: StatementsNotListed.optional(),
  /** The first rows (at most 500) for display; totals below count all. */
  rows: z.array(PreviewRow),
  totalRows: z.number().int().nonnegative(),
  rejectedRows: z.number().int().nonnegative(),
  issues: z.array(FileIssue),
  /** Price files: what would be written. */
  prices: z.object({ tickers: z.array(z.string()), from: IsoDate, to: IsoDate, rows: z.number().int() }).nullable(),
  /** CSV whose columns could not all be recognised: the header, so the PM can map it to a profile. */
  needsMapping: z.boolean(),
  headers: z.array(z.string()).nullable(),
  profile: z.string().nullable(),
  /**
   * True when a snapshot would drop holdings or cash the account has now: the import then needs the
   * PM's choice (mode "replace" or "update"; see each statement's `disappearing`).
   */
  choiceNeeded: z.boolean().optional(),
  /** Set when the file cannot be read as holdings at all (not text, a spreadsheet workbook …), in words. */
  unreadable: z.string().nullable().optional(),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

/** Fields a custodian CSV column can be mapped to. */
export const CanonicalField = z.enum(CANONICAL_FIELDS);
export type CanonicalField = z.infer<typeof CanonicalField>;

/** A saved column mapping for one custodian's file layout, remembered for the next file of that shape. */
export const CustodianProfile = z.object({
  name: z.string().trim().min(1).max(80),
  /** Normalised header row this profile was made for; a file with the same header uses it automatically. */
  headerSignature: z.string().nullable(),
  mapping: z.partialRecord(CanonicalField, z.string().min(1)),
  delimiter: z.enum([',', ';', '\t']).nullable().default(null),
  encoding: z.enum(['utf-8', 'utf-16le', 'windows-1252']).nullable().default(null),
  numberConvention: z.enum(['us', 'eu']).nullable().default(null),
  dateFormat: z.enum(['YYYY-MM-DD', 'MM/DD/YYYY', 'DD/MM/YYYY', 'DD.MM.YYYY', 'YYYYMMDD']).nullable().default(null),
});
export type CustodianProfile = z.infer<typeof CustodianProfile>;

/** Fields of a CSV basket an EMS profile can name and order. */
export const TradeListField = z.enum(TRADE_LIST_FIELDS);
export type TradeListField = z.infer<typeof TradeListField>;

export const EmsProfile = z.object({
  name: z.string().trim().min(1).max(80),
  columns: z.array(z.object({ field: TradeListField, header: z.string().min(1) })).min(1),
  delimiter: z.enum([',', ';', '\t']).default(','),
  orderType: z.enum(['MKT', 'LMT']).default('MKT'),
  timeInForce: z.enum(['DAY', 'GTC', 'OPG', 'IOC', 'CLS']).default('DAY'),
});
export type EmsProfile = z.infer<typeof EmsProfile>;

/** FIX session identity and order defaults, from settings. */
export const FixSettings = z.object({
  senderCompId: z.string().trim().min(1).max(64),
  targetCompId: z.string().trim().min(1).max(64),
  /** HandlInst(21): sent only when the EMS wants it. */
  handlInst: z.enum(['1', '2', '3']).nullable(),
  timeInForce: z.enum(['DAY', 'GTC', 'OPG', 'IOC', 'CLS']),
  /** Also write one NewOrderList (35=E) carrying the basket. */
  newOrderList: z.boolean(),
});
export type FixSettings = z.infer<typeof FixSettings>;

export const ImportRecord = z.object({
  id: z.number().int().positive(),
  kind: ImportKind,
  fileName: z.string(),
  sha256: z.string(),
  format: z.string(),
  status: z.string(),
  rows: z.number().int(),
  accountId: AccountId.nullable(),
  createdAt: IsoTimestamp,
});
export type ImportRecord = z.infer<typeof ImportRecord>;

export const ProposalStatus = z.enum(['pending', 'approved', 'rejected', 'exported', 'superseded']);
export type ProposalStatus = z.infer<typeof ProposalStatus>;

export const EngineName = z.enum(['risk-parity-baseline', 'bayesian']);
export type EngineName = z.infer<typeof EngineName>;

export const ProposalParameters = z.object({
  /** Trading days of history used for the covariance estimate. */
  lookbackDays: z.number().int().min(60).max(5000),
  /** Minimum cash kept after trades, as a fraction of total value. */
  cashFloor: z.number().min(0).max(0.5),
  /** Risk budgets per ticker (fractions summing to 1); equal risk contribution when omitted. */
  riskBudgets: z.record(z.string(), z.number().positive()).optional(),
  /** Bayesian engine: the strategy parameters θ used, and where they came from ('default', a file, a tuning run). */
  theta: StrategyParameters.optional(),
  thetaSource: z.string().optional(),
  /** Bayesian engine: the accepted tuning run θ came from (thetaSource 'tuning'). */
  tuningRunId: z.number().int().positive().optional(),
  /** Bayesian engine: the forecast model's settings. */
  forecast: ForecastConfig.optional(),
});
export type ProposalParameters = z.infer<typeof ProposalParameters>;

/** One asset's forecast of its log return over the horizon (fractions): predictive mean, 90 % interval, and the two spreads. */
export const AssetForecast = z.object({
  mean: z.number(),
  lower90: z.number(),
  upper90: z.number(),
  epistemicSd: z.number().nonnegative(),
  aleatoricSd: z.number().nonnegative(),
});
export type AssetForecast = z.infer<typeof AssetForecast>;

/** The target portfolio's predictive return over the horizon, and how likely it beats keeping current weights. */
export const PortfolioConfidence = z.object({
  horizonDays: z.number().int().positive(),
  expectedReturn: z.number(),
  lower90: z.number(),
  upper90: z.number(),
  /** P(target's risk-adjusted outcome net of costs > current weights'), from the predictive samples. */
  probabilityBeatsCurrent: z.number().min(0).max(1),
});
export type PortfolioConfidence = z.infer<typeof PortfolioConfidence>;

export const BreakerStateName = z.enum(['NORMAL', 'CAUTION', 'DE_RISKED']);
export type BreakerStateName = z.infer<typeof BreakerStateName>;

export const BreakerTransition = z.object({
  date: IsoDate,
  from: BreakerStateName,
  to: BreakerStateName,
  certainty: z.number(),
  reason: z.string(),
});
export type BreakerTransition = z.infer<typeof BreakerTransition>;

export const BreakerInfo = z.object({
  state: BreakerStateName,
  /** The certainty score on the decision date (see engine/breaker); null while its history is too short to score. */
  certainty: z.number().nullable(),
  thresholds: z.object({ warn: z.number(), trip: z.number(), reset: z.number() }),
  /** The state in words: why it is what it is. */
  reason: z.string(),
  /** Date the current state began. */
  since: IsoDate,
  /** Fraction of the risky target kept (1 in NORMAL); the rest is moved to cash. */
  exposure: z.number().min(0).max(1),
  /** What the model said, when a PM overrode it for this proposal. */
  override: z.object({ modelState: BreakerStateName, reason: z.string(), by: z.string() }).nullable(),
  /** Transitions over the trailing history the state was computed from, newest last. */
  transitions: z.array(BreakerTransition),
});
export type BreakerInfo = z.infer<typeof BreakerInfo>;

/** Exact Shapley values of each asset's weight change (target − current) over grouped inputs; they sum to the change. */
export const Attribution = z.object({
  groups: z.array(z.object({ key: z.string(), label: z.string() })),
  assets: z.array(
    z.object({
      ticker: z.string(),
      change: z.number(),
      /** Keyed by group key. */
      contributions: z.record(z.string(), z.number()),
      riskContributionBefore: z.number(),
      riskContributionAfter: z.number(),
    }),
  ),
  cash: z.object({ change: z.number(), contributions: z.record(z.string(), z.number()) }),
});
export type Attribution = z.infer<typeof Attribution>;

export const ModelRunRef = z.object({
  id: z.number().int().positive(),
  /** Last date whose realised returns the model trained on. */
  trainedThrough: IsoDate,
  /** Date of the features the forecasts were made from. */
  forecastDate: IsoDate,
  horizonDays: z.number().int().positive(),
  seed: z.number().int(),
  backend: z.string(),
});
export type ModelRunRef = z.infer<typeof ModelRunRef>;

export const ProposalAsset = z.object({
  securityId: z.number().int().positive(),
  ticker: z.string(),
  name: z.string(),
  assetClass: AssetClass,
  price: z.number().positive(),
  currentQuantity: DecimalString,
  targetQuantity: DecimalString,
  currentWeight: z.number(),
  /** Model target: fraction of total value (assets + cash target sum to 1). */
  targetWeight: z.number(),
  /** Weight after whole-share rounding of the trades. */
  postTradeWeight: z.number(),
  riskBudget: z.number(),
  /** Share of portfolio variance contributed at the target weights (sums to 1 over assets). */
  riskContribution: z.number(),
  /** Annualised volatility from the shrunk covariance. */
  volatility: z.number(),
  /** Bayesian engine: the asset's forecast (absent for the baseline). */
  forecast: AssetForecast.nullable().optional(),
  /** Bayesian engine: the risk-budgeting anchor weight the forecasts tilt from. */
  anchorWeight: z.number().optional(),
});
export type ProposalAsset = z.infer<typeof ProposalAsset>;

export const TradeSide = z.enum(['BUY', 'SELL']);
export const ProposalTrade = z.object({
  securityId: z.number().int().positive(),
  ticker: z.string(),
  isin: z.string().nullable(),
  side: TradeSide,
  quantity: DecimalString,
  price: z.number().positive(),
  notional: DecimalString,
  currency: z.string().length(3),
});
export type ProposalTrade = z.infer<typeof ProposalTrade>;

export const Decision = z.object({
  decision: z.enum(['approved', 'rejected']),
  by: z.string(),
  at: IsoTimestamp,
  comment: z.string().nullable(),
  /**
   * The audit chain's head when the decision was recorded (entries, hash of the last one): an anchor that
   * lets a copy of this record expose a later rewrite of the log. Absent on decisions made before it existed.
   */
  auditAnchor: z.object({ rows: z.number().int().nonnegative(), hash: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
});
export type Decision = z.infer<typeof Decision>;

export const ExportFormat = z.enum(['csv', 'fix44']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportRecord = z.object({
  id: z.number().int().positive(),
  proposalId: ProposalId,
  format: ExportFormat,
  path: z.string(),
  sha256: z.string(),
  rows: z.number().int().nonnegative(),
  createdAt: IsoTimestamp,
});
export type ExportRecord = z.infer<typeof ExportRecord>;

export const ProposalDiagnostics = z.object({
  converged: z.boolean(),
  iterations: z.number().int(),
  tolerance: z.number(),
  /** max_i RC_i/b_i ÷ min_i RC_i/b_i − 1 at the target weights (0 = exact risk budgeting). */
  riskContributionSpread: z.number(),
  shrinkageIntensity: z.number(),
  portfolioVolatility: z.number(),
  observations: z.number().int(),
});

/** See Proposal.untouched. */
export const ProposalUntouched = z.object({
  holdings: z.array(
    z.object({
      securityId: z.number().int().positive(),
      ticker: z.string(),
      name: z.string(),
      quantity: DecimalString,
      marketValue: DecimalString.nullable(),
      reason: z.enum(['derivative', 'short', 'cash-like']),
      /** The reason in words, for the proposal screen and the CLI. */
      explanation: z.string(),
    }),
  ),
  /** Their value (those with one). */
  value: DecimalString,
  /** The tradable sleeve (totalValue) plus the untouched holdings' value. */
  accountTotal: DecimalString,
  /**
   * Holdings in the tradable sleeve (their value is in totalValue, not in `value`) that θ's restricted lists hold back:
   * no-buy (never added to), no-sell (never sold by the allocator; the breaker's exposure cut scales it like any risky weight),
   * no-trade (on both: held at its current weight), excluded (sold in full).
   */
  restricted: z
    .array(
      z.object({
        securityId: z.number().int().positive(),
        ticker: z.string(),
        name: z.string(),
        quantity: DecimalString,
        marketValue: DecimalString,
        reason: z.enum(['no-buy', 'no-sell', 'no-trade', 'excluded']),
        /** The reason in words, for the proposal screen and the CLI. */
        explanation: z.string(),
      }),
    )
    .optional(),
  /** Cash the snapshot holds in other currencies than the account's: kept, not converted, not in any total. */
  cashNotCounted: z.array(z.object({ currency: z.string(), amount: DecimalString })).optional(),
});
export type ProposalUntouched = z.infer<typeof ProposalUntouched>;

export const ProposalSummary = z.object({
  id: ProposalId,
  accountId: AccountId,
  status: ProposalStatus,
  engine: EngineName,
  engineLabel: z.string(),
  createdAt: IsoTimestamp,
  asOf: IsoDate,
  totalValue: DecimalString,
  tradeCount: z.number().int().nonnegative(),
  turnover: z.number(),
});
export type ProposalSummary = z.infer<typeof ProposalSummary>;

export const Proposal = ProposalSummary.extend({
  parameters: ProposalParameters,
  seed: z.number().int(),
  codeVersion: z.string(),
  dataRange: z.object({ from: IsoDate, to: IsoDate }),
  positionsAsOf: IsoDate.nullable(),
  cash: z.object({
    current: DecimalString,
    postTrade: DecimalString,
    currentWeight: z.number(),
    targetWeight: z.number(),
    postTradeWeight: z.number(),
  }),
  assets: z.array(ProposalAsset),
  trades: z.array(ProposalTrade),
  diagnostics: ProposalDiagnostics,
  decisions: z.array(Decision),
  exports: z.array(ExportRecord),
  /** Bayesian engine (null for the baseline). */
  modelRun: ModelRunRef.nullable().optional(),
  confidence: PortfolioConfidence.nullable().optional(),
  breaker: BreakerInfo.nullable().optional(),
  attribution: Attribution.nullable().optional(),
  /** Things the PM should know before approving, in words (e.g. prices older than the latest business day). */
  warnings: z.array(z.string()).optional(),
  /**
   * Holdings the allocator left as they are — derivatives, short positions, cash-like funds — with why.
   * The proposal's weights and trades are over the long-only sleeve it can trade (totalValue); these
   * count in the account total.
   */
  untouched: ProposalUntouched.optional(),
});
export type Proposal = z.infer<typeof Proposal>;

export const AuditEntry = z.object({
  id: z.number().int().positive(),
  at: IsoTimestamp,
  actor: z.string(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  details: z.unknown(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** What `audit.verify` compared the chain with besides itself (see src/main/app/anchors.ts). */
export const AuditAnchorSummary = z.object({
  /** Anchors compared: checkpoint-file entries, exported trade lists, approval records. */
  checked: z.number().int().nonnegative(),
  /** Where they were found, in words ("checkpoint file …/ballast.db.audit-anchors: 41 entries"). */
  sources: z.array(z.string()),
  /** The longest chain any anchor saw. */
  latestRows: z.number().int().nonnegative(),
  /** Anchors whose signature by this installation's key was checked and holds. */
  signed: z.number().int().nonnegative(),
  /** Signed anchors that could not be checked here: the key lives in the desktop app's OS keychain. */
  signaturesUnchecked: z.number().int().nonnegative(),
  /** Things worth knowing that do not break the chain (an anchor file that could not be read, unsigned anchors). */
  notes: z.array(z.string()),
});
export type AuditAnchorSummary = z.infer<typeof AuditAnchorSummary>;

export const AuditVerification = z.object({
  ok: z.boolean(),
  rows: z.number().int().nonnegative(),
  firstBadId: z.number().int().nullable(),
  reason: z.string().nullable(),
  /**
   * What is wrong, when something is: an entry edited in place, removed or inserted (the chain itself
   * shows it), entries cut from the end, the log recomputed after an edit, or an anchor whose signature
   * is not this installation's (both need the anchors).
   */
  finding: z.enum(['edited', 'broken-link', 'truncated', 'rechained', 'forged-anchor']).nullable().optional(),
  anchors: AuditAnchorSummary.optional(),
});
export type AuditVerification = z.infer<typeof AuditVerification>;
