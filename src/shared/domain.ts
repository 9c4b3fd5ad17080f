import { z } from 'zod';

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

export const AccountId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash or underscore');
export const ProposalId = z.number().int().positive();

export const AssetClass = z.enum(['equity', 'fixed_income', 'commodity', 'real_estate', 'cash', 'other']);
export type AssetClass = z.infer<typeof AssetClass>;

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
  name: z.string(),
  assetClass: AssetClass,
  quantity: DecimalString,
  price: z.number().nullable(),
  priceDate: IsoDate.nullable(),
  marketValue: DecimalString.nullable(),
  weight: z.number().nullable(),
});
export type PositionView = z.infer<typeof PositionView>;

export const Portfolio = z.object({
  account: Account,
  asOf: IsoDate.nullable(),
  importId: z.number().int().nullable(),
  positions: z.array(PositionView),
  cash: DecimalString,
  totalValue: DecimalString,
});
export type Portfolio = z.infer<typeof Portfolio>;

export const ImportKind = z.enum(['prices', 'positions']);
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
});
export type ImportResult = z.infer<typeof ImportResult>;

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

export const EngineName = z.enum(['risk-parity-baseline']);
export type EngineName = z.infer<typeof EngineName>;

export const ProposalParameters = z.object({
  /** Trading days of history used for the covariance estimate. */
  lookbackDays: z.number().int().min(60).max(5000),
  /** Minimum cash kept after trades, as a fraction of total value. */
  cashFloor: z.number().min(0).max(0.5),
  /** Risk budgets per ticker (fractions summing to 1); equal risk contribution when omitted. */
  riskBudgets: z.record(z.string(), z.number().positive()).optional(),
});
export type ProposalParameters = z.infer<typeof ProposalParameters>;

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
});
export type Decision = z.infer<typeof Decision>;

export const ExportFormat = z.enum(['csv']);
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

export const AuditVerification = z.object({
  ok: z.boolean(),
  rows: z.number().int().nonnegative(),
  firstBadId: z.number().int().nullable(),
  reason: z.string().nullable(),
});
export type AuditVerification = z.infer<typeof AuditVerification>;
