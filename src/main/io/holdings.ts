import type { DecimalString, InstrumentType } from '../../shared/domain';
import type { FileIssue } from '../../shared/errors';

/**
 * The one shape every position-file parser produces (custodian CSV, OFX/QFX, IBKR Flex, MT535,
 * semt.002), so the app layer validates, matches securities and writes snapshots the same way for all.
 * Parsers never throw on bad data: each problem is a FileIssue with line (1-based; for XML the line of
 * the element, for MT535 the line of the field), field and reason.
 */
export type PositionFileFormat = 'csv' | 'ofx' | 'ibkr-flex' | 'ibkr-csv' | 'mt535' | 'semt002';

/**
 * A copy of a value read from a file that owns its strings. V8 keeps a piece of text of 13 characters or more as a
 * slice of the larger text it was cut from (a 32 KB chunk of the file): one such piece kept until the end of an
 * import keeps the whole chunk alive. What a reader or an import keeps to the end — an account, a planned security, a
 * preview row, the keys of its maps — is copied once (a preview of 2 million lines peaked at 457 MB, not 160 MB;
 * 100,000 20-character account numbers kept a file's entire text; issue 10).
 */
export function ownCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** What kind of instrument a holding is (the file's own type words are kept in `securityType`). */
export type { InstrumentType };

/**
 * What a file says about a derivative (or any instrument) beyond its identifiers. `multiplier` is the
 * contract size: the holding's value is quantity × quoted price × multiplier.
 */
export interface InstrumentDetails {
  type: InstrumentType;
  multiplier: DecimalString | null;
  underlying: string | null;
  /** YYYY-MM-DD. */
  expiry: string | null;
  strike: DecimalString | null;
  putCall: 'put' | 'call' | null;
}

/**
 * An identifier the file gives that is not a valid ISIN/CUSIP/SEDOL — a custodian's own code in an
 * identifier column (Vanguard's VGI…), an anonymised id, a mistyped value. Kept with the custodian's
 * name so the same line matches the same security next time; never indexed as an ISIN/CUSIP.
 */
export interface CustodianCode {
  code: string;
  /** The column or tag it came from ("CUSIP", "Symbol/ISIN", UNIQUEID …). */
  field: string;
}

export interface SecurityIdentifiersInFile {
  ticker?: string | null;
  isin?: string | null;
  cusip?: string | null;
  sedol?: string | null;
  figi?: string | null;
}

export interface HoldingLine {
  /** Line of the record in the file (first line of the block for multi-line formats). */
  line: number;
  identifiers: SecurityIdentifiersInFile;
  /** The file's own name for the security (used to create one that is not yet known). */
  description: string | null;
  /** As the file says it (e.g. "STOCK", "MF", "DEBT", "ETF", "Equity"); free text. */
  securityType: string | null;
  /** Exact decimal, signed: a short position is negative. For FAMT the face amount. */
  quantity: DecimalString;
  /** UNIT: number of shares/units; FAMT: face (nominal) amount, as MT535/semt.002 distinguish. */
  quantityType: 'UNIT' | 'FAMT';
  /**
   * Per unit of `quantity`: for a derivative the quoted price × multiplier (per contract), so that
   * quantity × price is the value for every holding; `quotedPrice` keeps the price as quoted.
   */
  price: DecimalString | null;
  /** 'percent' for bond prices quoted as % of face (MT535 :90A::MRKT//PRCT/, semt.002 Yld/Pctg). */
  priceType: 'amount' | 'percent' | null;
  currency: string | null;
  marketValue: DecimalString | null;
  costBasis: DecimalString | null;
  /** Instrument type and derivative terms, when the file gives or implies them. */
  instrument?: InstrumentDetails;
  /** The price as the file quoted it (per share of the underlying for an option), when it differs from `price`. */
  quotedPrice?: DecimalString | null;
  /** Codes that are not standard identifiers (see CustodianCode). */
  custodianCode?: CustodianCode | null;
}

export interface CashLine {
  line: number;
  currency: string;
  /** Signed: a margin debit is negative. */
  amount: DecimalString;
}

/** One account's holdings on one date (a file may carry several). */
export interface HoldingsStatement {
  /** As the file names it (safekeeping account, ACCTID, Account Number …); null when the file has none. */
  accountId: string | null;
  asOf: string | null;
  holdings: HoldingLine[];
  cash: CashLine[];
  /** e.g. semt.002 statement frequency/update type, MT535 page numbers: shown to the PM, not interpreted. */
  notes: string[];
}

export interface HoldingsFile {
  format: PositionFileFormat;
  /** Human-readable detail of what was detected (delimiter, encoding, OFX version, custodian profile …). */
  detected: Record<string, string>;
  statements: HoldingsStatement[];
  issues: FileIssue[];
}
