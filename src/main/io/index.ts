/**
 * io: parsers and writers on bytes and strings. Pure functions — the app layer reads and writes files,
 * owns transactions, and turns issues into IMPORT_REJECTED with `assertNoErrors`.
 */
export { parseDecimal, readDecimal, decimalSign, US_NUMBER_CONVENTION } from './decimal';
export type { NumberConvention, DecimalReading } from './decimal';
export { readIsoDate, isIsoDate } from './dates';
export {
  isValidIsin,
  isValidCusip,
  isValidSedol,
  isinCheckDigit,
  cusipCheckDigit,
  sedolCheckDigit,
  cusipFromIsin,
} from './identifiers';
export { parsePricesCsv, PRICE_COLUMN_ALIASES } from './prices-csv';
export type { PricesCsv, PricesCsvFormat, PriceRow } from './prices-csv';
export { parseIndicatorsCsv, normaliseIndicatorName } from './indicators-csv';
export type { IndicatorsCsv, IndicatorsCsvFormat, IndicatorsCsvOptions, IndicatorObservation, IndicatorSeriesInFile } from './indicators-csv';
export { parsePositionsCsv, POSITION_COLUMN_ALIASES } from './positions-csv';
export type { PositionsCsv, PositionRow, PositionsCsvOptions } from './positions-csv';
export { writeTradeListCsv, parseTradeListCsv, clientOrderId, TRADE_LIST_COLUMNS } from './trade-list-csv';
export type { TradeListInput, TradeListTrade, TradeListRow, TradeSide } from './trade-list-csv';
export { assertNoErrors, formatIssue, hasErrors, errorsIn, warningsIn, IssueCollector, MAX_LISTED_ERRORS } from './report';
export { parseDemoManifest, parseDemoSecurities, DemoManifest, DemoSecurity, DemoIndicator } from './demo-manifest';
export type { PositionFileFormat, SecurityIdentifiersInFile, HoldingLine, CashLine, HoldingsStatement, HoldingsFile } from './holdings';
