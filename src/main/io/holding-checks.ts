import Big from 'big.js';
import type { DecimalString } from '../../shared/domain';
import { decimalSign, type DecimalReading, readDecimal } from './decimal';
import type { CashLine, CustodianCode, HoldingLine, HoldingsStatement, InstrumentDetails, SecurityIdentifiersInFile } from './holdings';
import { instrumentFor } from './instruments';
import { isValidCusip, isValidIsin, isValidSedol } from './identifiers';
import type { IssueCollector } from './report';

/**
 * The checks every structured position format (OFX, IBKR Flex, MT535, semt.002) applies to a holding,
 * so a PM gets the same report whatever the custodian sends. Each format reads its own syntax into a
 * `RawHolding` — the file's text for each value plus the line and field it came from — and this module
 * turns it into a `HoldingLine` or into issues at that line and field.
 */

/** A value as the file wrote it, with where it was written. */
export interface FieldValue {
  text: string;
  line: number;
  /** The file's own name for the field (tag, attribute or SWIFT qualifier) so the PM can find it. */
  field: string;
}

export type IdentifierKind = keyof SecurityIdentifiersInFile;

export interface RawHolding {
  line: number;
  identifiers: Partial<Record<IdentifierKind, FieldValue>>;
  description: string | null;
  securityType: string | null;
  quantity: FieldValue | null;
  quantityType: 'UNIT' | 'FAMT';
  /** Set when the file itself says the position is short (OFX POSTYPE, IBKR side, semt.002 ShrtLngInd). */
  short?: FieldValue;
  price: FieldValue | null;
  priceType: 'amount' | 'percent';
  /**
   * Contract size for derivatives whose file price is per underlying share (OFX SHPERCTRCT, IBKR
   * multiplier). The stored price is per contract so that quantity × price is the value, as for every
   * other holding.
   */
  priceMultiplier?: FieldValue;
  currency: FieldValue | null;
  marketValue: FieldValue | null;
  /**
   * True when the market value is in another currency than the price (MT535 and semt.002 may state the
   * holding value in the account's base currency): quantity × price cannot then be compared with it, and
   * the value is left out of the HoldingLine, whose one `currency` must hold for price and value alike.
   */
  marketValueInOtherCurrency?: boolean;
  costBasis: FieldValue | null;
  /** What the file says about the instrument beyond the type words (option terms, contract size …). */
  instrument?: Partial<Omit<InstrumentDetails, 'multiplier'>>;
}

export type NumberReader = (text: string) => DecimalReading;

/** Relative gap between quantity × price and the stated market value that is reported as a warning … */
export const MARKET_VALUE_WARNING_TOLERANCE = 0.005;
/** … and as an error (the holding is rejected). */
export const MARKET_VALUE_ERROR_TOLERANCE = 0.02;
/** Absolute gap always accepted: a one-cent rounding on a tiny holding is not a disagreement. */
const MARKET_VALUE_ABSOLUTE_SLACK = new Big('0.01');

const CURRENCY_CODE = /^[A-Z]{3}$/;

/** Validates one holding; returns null (after reporting why) when any of its values is unusable. */
export function validateHolding(raw: RawHolding, issues: IssueCollector, readNumber: NumberReader = readDecimal): HoldingLine | null {
  let ok = true;
  const identifiers: SecurityIdentifiersInFile = {};
  let custodianCode: CustodianCode | null = null;
  for (const kind of ['isin', 'cusip', 'sedol', 'figi', 'ticker'] as const) {
    const value = raw.identifiers[kind];
    if (value === undefined) continue;
    const checked = checkIdentifier(kind, value, issues);
    if (typeof checked === 'object' && checked !== null) custodianCode ??= checked;
    else if (checked !== null) identifiers[kind] = checked;
  }
  const description = cleanText(raw.description);
  if (!hasAnyIdentifier(identifiers) && custodianCode === null && description === null && ok) {
    issues.error(raw.line, raw.quantity?.field ?? '', 'the holding names no security: no ISIN, CUSIP, SEDOL, FIGI, ticker or description');
    ok = false;
  }

  let quantity: DecimalString | null = null;
  /** The file flagged the position short and wrote its quantity (and maybe value) unsigned. */
  let shortFlipped = false;
  if (raw.quantity === null) {
    issues.error(raw.line, '', 'the holding has no quantity');
    ok = false;
  } else {
    quantity = readNumberAt(raw.quantity, issues, readNumber, 'quantity');
    if (quantity !== null) {
      const sign = decimalSign(quantity);
      if (sign === 0) {
        // A fund the account no longer holds (401(k) line-ups list every fund): not a holding, not an error.
        issues.warning(raw.quantity.line, raw.quantity.field, 'not a holding: zero units; the line was skipped', raw.quantity.text);
        return null;
      }
      // The file says short (OFX POSTYPE, IBKR side, semt.002 ShrtLngInd) with an unsigned quantity.
      if (raw.short !== undefined && sign > 0) {
        quantity = canonical(new Big(quantity).neg());
        shortFlipped = true;
      }
    }
    if (quantity === null) ok = false;
  }

  let filePrice: DecimalString | null = null;
  if (raw.price !== null) {
    filePrice = readNumberAt(raw.price, issues, readNumber, 'price');
    if (filePrice !== null && decimalSign(filePrice) < 0) {
      issues.error(raw.price.line, raw.price.field, `price ${filePrice} is negative`, raw.price.text);
      filePrice = null;
    } else if (filePrice !== null && decimalSign(filePrice) === 0) {
      issues.warning(raw.price.line, raw.price.field, 'price is zero; the holding is recorded with no value', raw.price.text);
    }
    if (filePrice === null) ok = false;
  }

  let multiplier: DecimalString = '1';
  if (raw.priceMultiplier !== undefined) {
    const read = readNumberAt(raw.priceMultiplier, issues, readNumber, 'contract size');
    if (read === null || decimalSign(read) <= 0) {
      if (read !== null) issues.error(raw.priceMultiplier.line, raw.priceMultiplier.field, `contract size ${read} is not positive`, raw.priceMultiplier.text);
      ok = false;
    } else {
      multiplier = read;
    }
  }

  let currency: string | null = null;
  if (raw.currency !== null) {
    const code = raw.currency.text.trim().toUpperCase();
    if (!CURRENCY_CODE.test(code)) {
      issues.error(raw.currency.line, raw.currency.field, `"${raw.currency.text}" is not a three-letter currency code`, raw.currency.text);
      ok = false;
    } else {
      currency = code;
    }
  }

  let marketValue: DecimalString | null = null;
  if (raw.marketValue !== null) {
    marketValue = readNumberAt(raw.marketValue, issues, readNumber, 'market value');
    if (marketValue === null) ok = false;
    // A short position is worth minus its market value: sign an unsigned one like the quantity.
    else if (shortFlipped && decimalSign(marketValue) > 0) marketValue = canonical(new Big(marketValue).neg());
  }
  let costBasis: DecimalString | null = null;
  if (raw.costBasis !== null) {
    costBasis = readNumberAt(raw.costBasis, issues, readNumber, 'cost basis');
    if (costBasis === null) ok = false;
  }

  const price = filePrice === null ? null : multiplier === '1' ? filePrice : canonical(new Big(filePrice).times(multiplier));
  if (ok && quantity !== null && price !== null && marketValue !== null && raw.marketValue !== null && raw.marketValueInOtherCurrency !== true) {
    const agreement = compareMarketValue(quantity, price, raw.priceType, marketValue);
    if (agreement.severity !== null) {
      const percent = (agreement.relativeGap * 100).toFixed(2);
      const reason =
        `quantity × price${raw.priceType === 'percent' ? ' / 100' : ''} = ${agreement.expected} but the market value is ${marketValue} ` +
        `(${percent} % apart; more than ${agreement.severity === 'error' ? MARKET_VALUE_ERROR_TOLERANCE * 100 : MARKET_VALUE_WARNING_TOLERANCE * 100} %)`;
      if (agreement.severity === 'error') {
        issues.error(raw.marketValue.line, raw.marketValue.field, reason, raw.marketValue.text);
        ok = false;
      } else {
        issues.warning(raw.marketValue.line, raw.marketValue.field, reason, raw.marketValue.text);
      }
    }
  }

  if (!ok || quantity === null) return null;
  const securityType = cleanText(raw.securityType);
  const derived = instrumentFor({
    securityType,
    symbol: identifiers.ticker ?? null,
    description,
    quantityType: raw.quantityType,
    multiplier: raw.priceMultiplier !== undefined ? multiplier : null,
  });
  const given = raw.instrument ?? {};
  const instrument: InstrumentDetails = {
    type: given.type ?? derived.type,
    multiplier: derived.multiplier,
    underlying: given.underlying ?? derived.underlying,
    expiry: given.expiry ?? derived.expiry,
    strike: given.strike ?? derived.strike,
    putCall: given.putCall ?? derived.putCall,
  };
  return {
    line: raw.line,
    identifiers,
    description,
    securityType,
    quantity,
    quantityType: raw.quantityType,
    price,
    priceType: price === null ? null : raw.priceType,
    currency,
    marketValue: raw.marketValueInOtherCurrency === true ? null : marketValue,
    costBasis,
    // Only when the file says more than its type words (which the app reads itself): derivative terms,
    // a contract size, or an explicit instrument category.
    ...(raw.instrument !== undefined || instrument.type === 'option' || instrument.type === 'future' || instrument.multiplier !== null ? { instrument } : {}),
    ...(multiplier !== '1' ? { quotedPrice: filePrice } : {}),
    ...(custodianCode !== null ? { custodianCode } : {}),
  };
}

export interface MarketValueAgreement {
  expected: DecimalString;
  relativeGap: number;
  severity: 'error' | 'warning' | null;
}

/** quantity × price (÷ 100 for a percentage of face) against the stated market value. */
export function compareMarketValue(
  quantity: DecimalString,
  price: DecimalString,
  priceType: 'amount' | 'percent',
  marketValue: DecimalString,
): MarketValueAgreement {
  let expected = new Big(quantity).times(price);
  if (priceType === 'percent') expected = expected.div(100);
  const stated = new Big(marketValue);
  const gap = expected.minus(stated).abs();
  const expectedText = canonical(expected.round(6));
  if (gap.lte(MARKET_VALUE_ABSOLUTE_SLACK)) return { expected: expectedText, relativeGap: 0, severity: null };
  const relativeGap = stated.eq(0) ? Number.POSITIVE_INFINITY : gap.div(stated.abs()).toNumber();
  const severity = relativeGap > MARKET_VALUE_ERROR_TOLERANCE ? 'error' : relativeGap > MARKET_VALUE_WARNING_TOLERANCE ? 'warning' : null;
  return { expected: expectedText, relativeGap, severity };
}

/** A cash balance line; a negative balance (margin debit, overdraft) is kept as such, with a note. */
export function validateCash(amount: FieldValue, currency: FieldValue | string, issues: IssueCollector, readNumber: NumberReader = readDecimal): CashLine | null {
  const value = readNumberAt(amount, issues, readNumber, 'cash balance');
  if (value === null) return null;
  const code = (typeof currency === 'string' ? currency : currency.text).trim().toUpperCase();
  if (!CURRENCY_CODE.test(code)) {
    const where = typeof currency === 'string' ? amount : currency;
    issues.error(where.line, where.field, `"${code}" is not a three-letter currency code`, code);
    return null;
  }
  if (decimalSign(value) < 0) {
    issues.warning(amount.line, amount.field, `cash balance ${value} ${code} is negative (a margin debit or overdraft); recorded as such`, amount.text);
  }
  return { line: amount.line, currency: code, amount: value };
}

/**
 * Removes second and later lines for the same instrument (reporting each), keyed by the strongest
 * identifier the line has. Two lines for one security in one statement would double-count it or
 * leave the PM guessing which is right.
 */
export function dropDuplicateHoldings(holdings: HoldingLine[], issues: IssueCollector, fieldFor: (kind: string) => string = () => ''): HoldingLine[] {
  const firstLine = new Map<string, number>();
  const kept: HoldingLine[] = [];
  for (const holding of holdings) {
    const key = instrumentKey(holding);
    if (key === null) {
      kept.push(holding);
      continue;
    }
    const earlier = firstLine.get(key.key);
    if (earlier !== undefined) {
      issues.error(holding.line, fieldFor(key.kind), `${key.label} already appears on line ${earlier}; a statement lists each holding once`, key.value);
      continue;
    }
    firstLine.set(key.key, holding.line);
    kept.push(holding);
  }
  return kept;
}

export function instrumentKey(holding: HoldingLine): { key: string; kind: string; label: string; value: string } | null {
  const labels: Record<IdentifierKind, string> = { isin: 'ISIN', cusip: 'CUSIP', sedol: 'SEDOL', figi: 'FIGI', ticker: 'ticker' };
  for (const kind of ['isin', 'cusip', 'sedol', 'figi', 'ticker'] as const) {
    const value = holding.identifiers[kind];
    if (value) return { key: `${kind}:${value}`, kind, label: `${labels[kind]} ${value}`, value };
  }
  const code = holding.custodianCode?.code;
  if (code) return { key: `custodian:${code}`, kind: holding.custodianCode!.field, label: `code ${code}`, value: code };
  if (holding.description) return { key: `description:${holding.description}`, kind: 'description', label: `"${holding.description}"`, value: holding.description };
  return null;
}

/** Reports a statement without a date; returns whether it has one. */
export function requireStatementDate(statement: HoldingsStatement, line: number, field: string, issues: IssueCollector): boolean {
  if (statement.asOf !== null) return true;
  issues.error(line, field, 'the statement has no date; Ballast needs the as-of date of the holdings');
  return false;
}

/**
 * The identifier as a standard one, or — when it fails its format or check digit — a custodian code
 * (a warning: the line still imports, matched by its other identifiers, ticker or description).
 */
function checkIdentifier(kind: IdentifierKind, value: FieldValue, issues: IssueCollector): string | null | CustodianCode {
  const text = value.text.trim();
  if (text === '') return null;
  if (kind === 'ticker') return text.replace(/\s+/g, ' ').toUpperCase();
  const code = text.toUpperCase();
  if (kind === 'isin') {
    if (!/^[A-Z]{2}[A-Z0-9]{9}\d$/.test(code)) return identifierError(value, `"${text}" is not an ISIN (two letters, nine letters or digits, one check digit)`, issues);
    if (!isValidIsin(code)) return identifierError(value, `ISIN ${code} has a wrong check digit (mistyped?)`, issues);
  } else if (kind === 'cusip') {
    if (!/^[A-Z0-9*@#]{8}\d$/.test(code)) return identifierError(value, `"${text}" is not a CUSIP (nine characters, the last a check digit)`, issues);
    if (!isValidCusip(code)) return identifierError(value, `CUSIP ${code} has a wrong check digit (mistyped?)`, issues);
  } else if (kind === 'sedol') {
    if (!/^[0-9BCDFGHJKLMNPQRSTVWXYZ]{6}\d$/.test(code)) return identifierError(value, `"${text}" is not a SEDOL (seven characters, the last a check digit)`, issues);
    if (!isValidSedol(code)) return identifierError(value, `SEDOL ${code} has a wrong check digit (mistyped?)`, issues);
  } else if (kind === 'figi') {
    if (!/^[B-DF-HJ-NP-TV-Z0-9]{2}G[B-DF-HJ-NP-TV-Z0-9]{8}\d$/.test(code)) return identifierError(value, `"${text}" is not a FIGI`, issues);
  }
  return code;
}

function identifierError(value: FieldValue, reason: string, issues: IssueCollector): CustodianCode {
  const code = value.text.trim().toUpperCase();
  issues.warning(value.line, value.field, `${reason}; kept as the custodian's own code for this security (not used as a standard identifier)`, value.text);
  return { code, field: value.field };
}

/**
 * More digits than any real quantity, price or amount (SWIFT allows 15). Also keeps big.js arithmetic
 * cheap: multiplying two megabyte-long numbers from a hostile file would take hours.
 */
const MAX_NUMBER_CHARS = 40;

function readNumberAt(value: FieldValue, issues: IssueCollector, readNumber: NumberReader, what: string): DecimalString | null {
  if (value.text.trim().length > MAX_NUMBER_CHARS) {
    issues.error(value.line, value.field, `${what} has more than ${MAX_NUMBER_CHARS} characters; that is not a real number`, value.text);
    return null;
  }
  const reading = readNumber(value.text);
  if (reading.ok) return reading.value;
  issues.error(value.line, value.field, reading.reason === 'is empty' ? `${what} is empty` : `${what}: ${reading.reason}`, value.text);
  return null;
}

function hasAnyIdentifier(identifiers: SecurityIdentifiersInFile): boolean {
  return Object.values(identifiers).some((value) => typeof value === 'string' && value !== '');
}

function cleanText(text: string | null): string | null {
  if (text === null) return null;
  const cleaned = text.replace(/\s+/g, ' ').trim();
  return cleaned === '' ? null : cleaned;
}

/** Canonical decimal text of a Big (no exponent, no trailing zeros), as DecimalString requires. */
export function canonical(value: Big): DecimalString {
  const fixed = value.toFixed();
  if (!fixed.includes('.')) return fixed === '-0' ? '0' : fixed;
  const trimmed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}
