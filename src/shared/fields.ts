/*
 * Field lists the renderer needs as values (editor rows, column pickers) and the contract needs as enums. They live
 * here, free of zod, so the renderer imports the list without pulling the schemas into its bundle; domain.ts builds
 * its enums from these same arrays.
 */

/** Fields a custodian CSV column can be mapped to. */
export const CANONICAL_FIELDS = [
  'account',
  'asOf',
  'symbol',
  'isin',
  'cusip',
  'sedol',
  'description',
  'securityType',
  'quantity',
  'price',
  'marketValue',
  'costBasis',
  'currency',
  /** Contract size of derivatives (Mult, Multiplier, Contract Size). */
  'multiplier',
] as const;

/** Fields of a CSV basket an EMS profile can name and order. */
export const TRADE_LIST_FIELDS = [
  'account',
  'side',
  'symbol',
  'isin',
  'cusip',
  'sedol',
  'quantity',
  'orderType',
  'limitPrice',
  'timeInForce',
  'currency',
  'clientOrderId',
  'proposalId',
] as const;
