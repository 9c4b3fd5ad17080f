import Big from 'big.js';
import type { CanonicalField, CustodianProfile, DecimalString } from '../../shared/domain';
import { CallerFailure, callBack } from './caller-failure';
import { type CsvDelimiter, type CsvRecord, createCsvByteStream, delimiterName, isValidTicker, MAX_CELL_CHARS, trimmedWidth } from './csv-table';
import { chooseDateFormat, type DateFormat, type DateFormatChoice, findDateInText, readDateAs } from './date-formats';
import { decimalSign, productWithinTolerance } from './decimal';
import { detectCustodianLayout } from './custodian-layouts';
import { ownCopy, type CashLine, type CustodianCode, type HoldingLine, type HoldingsFile, type HoldingsStatement, type InstrumentDetails, type SecurityIdentifiersInFile } from './holdings';
import { instrumentFor, optionTicker, parseOptionSymbol } from './instruments';
import { cusipCheckDigit, isinCheckDigit, isValidCusip, isValidIsin, isValidSedol, sedolCheckDigit } from './identifiers';
import {
  type AmountReading,
  type ConventionChoice,
  ConventionVotes,
  conventionNamed,
  describeConvention,
  isEmptyMarker,
  isKnownCurrencyCode,
  type NumberConventionName,
  NumberReader,
  readAmount,
  unwrapSpreadsheetText,
} from './number-formats';
import { IssueCollector } from './report';

/**
 * Custodian and broker position exports ("Positions for account … as of …", a header, one line per
 * holding, cash and total lines, disclaimers) read into the HoldingsFile shape every position parser
 * returns. Pure: bytes in, data and issues out; never throws on bad data.
 *
 * The reader streams: it holds the first 64 KiB (encoding, delimiter, header, number and date
 * conventions are decided on it — see encoding.ts, csv-table.ts, number-formats.ts, date-formats.ts),
 * then passes holdings on in batches, so a 200 000-row file is never held as rows. What it remembers per
 * holding is a key per identifier (to find duplicate lines).
 *
 * Reading rules:
 *  - Header: among the first 100 records, the one with the most known column names (at least two), or
 *    the first record holding every name a profile maps. Records above it are the preamble: the first token
 *    with two or more digits after "account"/"depot" is the account, a date on a line labelled "as of",
 *    "statement date", "Stichtag"… (else any date; never "downloaded"/"generated") is the as-of date.
 *  - Not holdings: a repeated header (next section; a warning if no account line preceded it); a
 *    one-cell text line (may name the next section's account and date); total lines (Total, Grand
 *    Total, Subtotal, Account Total, Summe) — by the symbol cell, or any cell when the line has no
 *    identifier; a line with neither identifier nor quantity (a summary); pending activity (warning);
 *    cash lines (CashLine): "Cash", "Cash & Cash Investments", "Kontokorrent"… in the symbol (or the
 *    description when the symbol is empty), or a currency code as symbol with no price, amount = market
 *    value else quantity, currency = the line's, the amount's (€, £) or baseCurrency (USD).
 *  - Each holding line is checked, and left out with an error when any check fails: identifiers (ISIN
 *    Luhn, CUSIP mod 10, SEDOL weights; an 8-digit CUSIP or 6-character SEDOL that a spreadsheet
 *    stripped of its leading zero is restored with a warning; an ISIN or CUSIP in the symbol column is
 *    recognised by its check digit); quantity present, numeric, above zero (short positions and zero
 *    lines are refused); price not negative; market value against quantity × price (checkMarketValue);
 *    one as-of date per account; each identifier once per account.
 *  - Statements: one per account (the Account column, else the section or preamble account, else
 *    opts.accountId), dated by the date column, else the section or preamble date, else opts.asOf; none
 *    of these is an error.
 */

export interface CustodianCsvOptions {
  /** A saved column mapping; its names win over the built-in aliases, its conventions over detection. */
  profile?: CustodianProfile;
  /** Used for statements when the file does not name its account. */
  accountId?: string;
  /** Currency of cash lines that do not say theirs. USD when absent. */
  baseCurrency?: string;
  /** Used when the file carries no date (no date line, no date column). */
  asOf?: string;
}

export interface CustodianCsvResult extends HoldingsFile {
  /** The header row as written (null when the file has none). */
  headers: string[] | null;
  /** Normalised header row, to find the profile for the next file of this shape (headerSignatureOf). */
  headerSignature: string | null;
  /** True when no quantity or no identifier column could be found: the PM must map the columns. */
  needsMapping: boolean;
  /** With `duplicates`: lines that repeat an earlier holding (reported as errors) — emitted, to be left out. */
  repeatedLines?: ReadonlySet<number>;
  /** The columns used, canonical field → header as written. */
  mapping: Partial<Record<CanonicalField, string>>;
}

/** A holding as the streaming reader hands it on: with the account its statement belongs to. */
export interface CustodianHoldingLine extends HoldingLine {
  accountId: string | null;
}

export interface CustodianCsvReaderOptions extends CustodianCsvOptions {
  fileName: string;
  /**
   * Receives holdings in file order, in batches of `batchSize`. When given, end() returns statements
   * without their holdings (holdings: []) — the caller has them; when absent, end() returns them all.
   */
  onHoldings?: (batch: CustodianHoldingLine[]) => void;
  batchSize?: number;
  /**
   * Where a streamed file's repeated holdings are found: each emitted holding's identifier keys go to `add`
   * (in file order, with `onHoldings`' batches), and at the end `repeats()` returns every key whose value
   * occurs more than once in its statement (any order). Without it a map per holding does the job, which
   * grows with the file (issue 10). With it the repeated lines are emitted too, and end() names them in
   * `repeatedLines` — the caller leaves them out — unless `check` finds them as they are read.
   */
  duplicates?: {
    /** The keys of the lines emitted, in batches (with `check`, of the lines it let through); may be left out. */
    add?(keys: readonly IdentifierKey[]): void;
    repeats(): Iterable<IdentifierKey>;
    /**
     * Optional: a line's keys as it is read (ISIN, CUSIP, SEDOL, symbol, in that order). Returns the first of them
     * already on an earlier line that was not itself a repeat, with that line: the line is then a repeat, reported
     * at once and not emitted, and its keys never reach `add`. Or null, when the keys are new (and remembered); a
     * caller that cannot tell any more returns null too, and `repeats()` finds the rest at the end.
     */
    check?(keys: readonly IdentifierKey[]): { key: IdentifierKey; earlier: number } | null;
  };
}

/** One identifier of one holding line, as the duplicate check sees it. */
export interface IdentifierKey {
  /** The statement: its account as the file gives it ('' when none). */
  group: string;
  kind: 'ISIN' | 'CUSIP' | 'SEDOL' | 'symbol';
  value: string;
  line: number;
  /** The column a repeat is reported at. */
  field: string;
}

export interface CustodianCsvReader {
  /** Any chunk size; nothing is emitted until about 64 KiB were pushed (see the module comment). */
  push(chunk: Uint8Array): void;
  end(): CustodianCsvResult;
  readonly bytesRead: number;
  /** Data rows (holding, cash, total and text lines after the header) read so far, for progress. */
  readonly rowsRead: number;
  /** The built-in layout's custodian, once the header is read (null: none recognised, or a profile maps the file). */
  readonly custodian: string | null;
  /**
   * What is known so far of the statement of `accountId` (as the holdings give it): the date end() will give
   * it when nothing later changes it, and its first cash line. null before any line of that account.
   */
  statementSoFar(accountId: string | null): { asOf: string | null; firstCash: CashLine | null } | null;
}

// ——— Column names ——————————————————————————————————————————————————————————————————————————————————

/**
 * Header aliases, compared after headerKey (accents folded, lower case, letters and digits only), in
 * order of preference: when a file has both "Market Value" and "Value", the first alias wins. A
 * header's parenthesised part is also tried on its own ("Qty (Quantity)", "Mkt Val (Market Value)").
 */
export const CUSTODIAN_COLUMN_ALIASES: Readonly<Record<CanonicalField, readonly string[]>> = {
  account: [
    'accountnumber', 'account', 'accountno', 'accountid', 'acctno', 'acctnumber', 'acct', 'accountnum', 'depotnummer', 'depot', 'konto', 'kontonummer',
    'compte', 'numerodecompte', 'rekening', 'rekeningnummer', 'cuenta', 'numerodecuenta', 'conto', 'numeroconto', 'portefeuille', 'portafoglio',
  ],
  asOf: [
    'asof', 'asofdate', 'positiondate', 'valuationdate', 'statementdate', 'reportdate', 'date', 'stichtag', 'datum', 'bewertungsdatum',
    'dateevaluation', 'datedevalorisation', 'waarderingsdatum', 'fechavaloracion', 'fecha', 'datavalutazione', 'data',
  ],
  symbol: [
    'symbol', 'ticker', 'tickersymbol', 'securitysymbol', 'sym', 'symbolisin', 'symboleisin', 'symboolisin', 'simboloisin', 'symbole', 'symbool',
    'simbolo', 'kurzel', 'tickerisin',
  ],
  isin: ['isin', 'isincode', 'isinnumber', 'codeisin', 'isinnummer', 'codigoisin', 'codiceisin'],
  cusip: ['cusip', 'cusipnumber', 'cusipno'],
  sedol: ['sedol', 'sedolcode'],
  description: [
    'description', 'securitydescription', 'securityname', 'name', 'instrumentname', 'instrument', 'issuename', 'assetdescription', 'security',
    'investmentname', 'product', 'fundname', 'bezeichnung', 'wertpapier', 'wertpapiername', 'produkt', 'libelle', 'produit', 'designation',
    'titre', 'omschrijving', 'naam', 'fonds', 'producto', 'descripcion', 'nombre', 'valor', 'prodotto', 'descrizione', 'titolo', 'strumento',
  ],
  securityType: [
    'securitytype', 'assettype', 'type', 'assetclass', 'producttype', 'instrumenttype', 'sectype', 'assetcategory', 'wertpapierart', 'gattung',
    'anlageklasse', 'typedeproduit', 'typedactif', 'categorie', 'producttype', 'soortproduct', 'tipo', 'tipodeactivo', 'tipologia', 'classe',
  ],
  quantity: [
    'quantity', 'shares', 'units', 'qty', 'quantityheld', 'sharesheld', 'position', 'nominal', 'nominalvalue', 'nominalamount', 'par',
    'parvalue', 'paramount', 'faceamount', 'facevalue', 'face', 'originalface', 'stuck', 'stueck', 'stucknominale', 'anzahl', 'bestand',
    'nominale', 'quantite', 'nombredetitres', 'aantal', 'hoeveelheid', 'cantidad', 'titulos', 'quantita',
  ],
  price: [
    'price', 'lastprice', 'closingprice', 'closeprice', 'marketprice', 'currentprice', 'unitprice', 'shareprice', 'last', 'mark', 'closing',
    'kurs', 'schlusskurs', 'aktuellerkurs', 'cours', 'cloture', 'coursdecloture', 'prix', 'koers', 'slotkoers', 'precio', 'preciodecierre',
    'cotizacion', 'prezzo', 'chiusura', 'prezzodichiusura', 'quotazione',
  ],
  marketValue: [
    'marketvalue', 'mktval', 'mktvalue', 'currentvalue', 'positionvalue', 'totalvalue', 'value', 'kurswert', 'marktwert', 'wert', 'valorisation',
    'valeurdemarche', 'montant', 'marktwaarde', 'waarde', 'valordemercado', 'importe', 'valoredimercato', 'controvalore', 'valore',
  ],
  costBasis: [
    'costbasis', 'totalcost', 'costbasistotal', 'bookvalue', 'bookcost', 'cost', 'einstandswert', 'einstandskurswert', 'prixderevient',
    'aankoopwaarde', 'costetotal', 'valoredicarico',
  ],
  currency: ['currency', 'ccy', 'currencycode', 'curr', 'cur', 'waehrung', 'wahrung', 'devise', 'valuta', 'munt', 'divisa', 'moneda'],
  multiplier: ['multiplier', 'mult', 'contractsize', 'contractmultiplier', 'sharespercontract', 'multiplikator', 'kontraktgrosse', 'quotite', 'multiplicateur', 'multiplicador', 'moltiplicatore'],
};

/** A header that holds the currency, with the amount in the unnamed column after it (DEGIRO's "Valeur locale"). */
const LOCAL_VALUE_KEYS = new Set(['localvalue', 'valeurlocale', 'lokalewaarde', 'lokalerwert', 'valorlocal', 'valorelocale']);

/** Quantity headers that mean face (nominal) amount rather than a number of units. */
const FACE_AMOUNT_KEYS = new Set(['nominal', 'nominalvalue', 'nominalamount', 'par', 'parvalue', 'paramount', 'faceamount', 'facevalue', 'face', 'originalface', 'nominale']);
const IDENTIFIER_FIELDS = ['symbol', 'isin', 'cusip', 'sedol'] as const;
/** The text cells of a holding that must be valid text in the file's encoding. */
const TEXT_FIELDS = ['symbol', 'isin', 'cusip', 'sedol', 'description', 'quantity', 'price', 'marketValue', 'currency', 'account'] as const;
/** A fund Schwab and Fidelity print with a value and no quantity (a $1.00 NAV). */
const MONEY_MARKET = /money\s*market|\bmmf\b|\bsweep\b|\bcore\b|geldmarkt|mon[eé]taire|geldmarkt|monetari/i;
/**
 * Whether the text has a digit. A regex literal written inside a function is a new RegExp object each time it is
 * evaluated: on the path of every line, one object per cell.
 */
const DIGIT = /\d/;
function hasDigit(text: string): boolean {
  return DIGIT.test(text);
}

/** An identifier cell as the identifier: upper case, no spaces ("us0378 331005" → "US0378331005"). */
function compactIdentifier(text: string): string {
  // Most files have no ISIN, CUSIP or SEDOL column: three empty cells a line.
  if (text === '') return '';
  return text.toUpperCase().replace(/\s+/g, '');
}
/** An amount cell as read: its value (null when empty or invalid), whether it was a percentage, its currency. */
type Money = Readonly<{ value: DecimalString | null; percent: boolean; currency: string | null }>;
const NO_MONEY: Money = Object.freeze({ value: null, percent: false, currency: null });
/** The identifiers a repeat is looked for by, in the order the first repeat is reported. */
const REPEAT_KINDS = ['ISIN', 'CUSIP', 'SEDOL', 'symbol'] as const;
type RepeatKind = (typeof REPEAT_KINDS)[number];

/** A line's value for one kind of REPEAT_KINDS (no arrays built per line). */
function repeatValueOf(kind: RepeatKind, identifiers: SecurityIdentifiersInFile): string | undefined {
  const value = kind === 'ISIN' ? identifiers.isin : kind === 'CUSIP' ? identifiers.cusip : kind === 'SEDOL' ? identifiers.sedol : identifiers.ticker;
  return value ?? undefined;
}

/** The column a kind of REPEAT_KINDS is read from. */
function repeatColumnOf(kind: RepeatKind, columns: Columns): number | undefined {
  return kind === 'ISIN' ? (columns.isin ?? columns.symbol) : kind === 'CUSIP' ? (columns.cusip ?? columns.symbol) : kind === 'SEDOL' ? columns.sedol : columns.symbol;
}
/** Resolution order: identifiers and the specific names first, the generic ones ("name", "type", "value") last. */
const FIELD_ORDER: readonly CanonicalField[] = [
  'isin',
  'cusip',
  'sedol',
  'symbol',
  'account',
  'asOf',
  'quantity',
  'price',
  'marketValue',
  'costBasis',
  'currency',
  'multiplier',
  'securityType',
  'description',
];
const FIELD_WORDS: Record<CanonicalField, string> = {
  account: 'account',
  asOf: 'as-of date',
  symbol: 'symbol',
  isin: 'ISIN',
  cusip: 'CUSIP',
  sedol: 'SEDOL',
  description: 'description',
  securityType: 'security type',
  quantity: 'quantity',
  price: 'price',
  marketValue: 'market value',
  costBasis: 'cost basis',
  currency: 'currency',
  multiplier: 'contract size',
};

/** Accents folded, lower case, letters and digits only: "Währung" → "wahrung", "Mkt Val" → "mktval". */
export function headerKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

function headerKeys(name: string): string[] {
  // "Kurswert in EUR", "Valeur en EUR", "Value (USD)": the currency is said apart (currencyNamedIn).
  const withoutCurrency = name.replace(/\s+(?:in|en|em|di)\s+[A-Z]{3}\s*$/i, '').replace(/\s*\$\s*$/, '');
  const keys = [headerKey(name), headerKey(name.replace(/\([^)]*\)/g, ' ')), headerKey(withoutCurrency)];
  for (const match of name.matchAll(/\(([^)]*)\)/g)) keys.push(headerKey(match[1] ?? ''));
  return [...new Set(keys.filter((key) => key !== ''))];
}

/** The normalised header row that identifies a file layout (trailing empty columns ignored). */
export function headerSignatureOf(headers: readonly string[]): string {
  return headers.slice(0, trimmedWidth(headers)).map(headerKey).join('|');
}

type Columns = Partial<Record<CanonicalField, number>>;

function aliasColumns(cells: readonly string[], taken: Set<number>): Columns {
  const columns: Columns = {};
  const keys = cells.map((cell) => headerKeys(unwrapSpreadsheetText(cell)));
  for (const field of FIELD_ORDER) {
    for (const alias of CUSTODIAN_COLUMN_ALIASES[field]) {
      const index = keys.findIndex((cellKeys, i) => !taken.has(i) && cellKeys.includes(alias));
      if (index >= 0) {
        columns[field] = index;
        taken.add(index);
        break;
      }
    }
  }
  return columns;
}

function profileColumns(cells: readonly string[], profile: CustodianProfile | undefined): { columns: Columns; missing: [CanonicalField, string][] } {
  const columns: Columns = {};
  const missing: [CanonicalField, string][] = [];
  if (!profile) return { columns, missing };
  const keys = cells.map((cell) => headerKey(unwrapSpreadsheetText(cell)));
  const taken = new Set<number>();
  for (const [field, name] of Object.entries(profile.mapping) as [CanonicalField, string | undefined][]) {
    if (name === undefined) continue;
    const wanted = headerKey(name);
    const index = cells.findIndex((cell, i) => !taken.has(i) && (cell.trim() === name.trim() || (wanted !== '' && keys[i] === wanted)));
    if (index >= 0) {
      columns[field] = index;
      taken.add(index);
    } else {
      missing.push([field, name]);
    }
  }
  return { columns, missing };
}

function headerScore(cells: readonly string[], profile: CustodianProfile | undefined): number {
  if (cells.some((cell) => cell.length > 200)) return 0;
  const mapped = profileColumns(cells, profile);
  const fromProfile = Object.keys(mapped.columns).length;
  const fromAliases = Object.keys(aliasColumns(cells, new Set(Object.values(mapped.columns)))).length;
  // A record holding every name the profile maps is that profile's header, whatever aliases say.
  const complete = profile && Object.keys(profile.mapping).length > 0 && mapped.missing.length === 0 ? 100 : 0;
  return complete + fromProfile * 2 + fromAliases;
}

// ——— Lines that are not holdings ————————————————————————————————————————————————————————————————

const TOTAL_TEXT = /^(?:grand\s+|sub-?\s*|account\s+|portfolio\s+|positions?\s+|overall\s+)?totals?\b|^summe\b|^gesamt|^total\s/i;
const CASH_TEXT =
  /^(?:cash\b|cash\s*(?:&|and)\s*(?:cash\s*)?(?:investments|equivalents|sweep)|money\s*market\s*sweep|sweep\s*(?:account|cash)|core\s*cash|free\s*credit\s*balance|settled\s*cash|kontokorrent|liquidit|esp[eè]ces)/i;
const PENDING_TEXT = /^pending\s+activity/i;
const CURRENCY_CODE = /^[A-Z]{3}$/;
const ACCOUNT_IN_TEXT =
  /\b(?:account|acct|depot(?:nummer)?|konto(?:nummer)?|portfolio|portefeuille|compte|rekening(?:nummer)?|cuenta|conto)\b\.?(?:\s*(?:number|no\.?|nr\.?|#|id|nummer|n[°º]|num[eé]ro|numero))?\s*[:#]?\s*(.*)$/i;
const DATE_LABEL = /\b(?:as\s+of|as\s+at|statement\s+date|positions?\s+date|valuation\s+date|report\s+date|stichtag|per|date)\b/i;
const NOT_AS_OF_LABEL = /\b(?:download|generated|printed|created|exported|run\s+on)/i;

/**
 * The account a preamble or section line names: the first token with two or more digits after
 * "account …" ("Account: Individual XXXX-1234", "Positions for account 12345678 as of …"). A total line
 * ("Account Total 123,456.78") names an amount, not an account.
 */
function accountInText(text: string): string | null {
  if (/\btotals?\b|\bsumme\b/i.test(text)) return null;
  const match = ACCOUNT_IN_TEXT.exec(text);
  if (!match) return null;
  const rest = (match[1] ?? '').split(/\bas\s+(?:of|at)\b|,|;/i)[0] ?? '';
  const tokens = rest.split(/\s+/).filter((token) => token !== '');
  for (const token of tokens) {
    const cleaned = token.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
    const digits = cleaned.replace(/\D/g, '').length;
    if (digits >= 2 && /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(cleaned) && !/^\d{1,2}[./-]\d{1,2}/.test(token)) return cleaned;
  }
  // "Positions for account DEMO as of …": one code-like word (capitals, digits, . _ / -) and nothing else.
  if (tokens.length === 1) {
    const cleaned = (tokens[0] ?? '').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
    if (/^[A-Z0-9][A-Z0-9._/-]{1,63}$/.test(cleaned) && !/^(?:SUMMARY|NUMBER|NAME|TOTAL|VALUE|TYPE|ALL)$/.test(cleaned)) return cleaned;
  }
  return null;
}

// ——— The reader ————————————————————————————————————————————————————————————————————————————————

/**
 * One per account the file names. A file over 100,000 accounts holds 100,000 of these until its end, so what most
 * statements never use is not made for them (issue 10: an empty Map and three empty arrays each were a third of the
 * reader's memory at the end of such a file).
 */
interface StatementState {
  accountId: string | null;
  /** The statement's first date, and its line (flat: one object fewer per account). */
  asOf: string | null;
  asOfLine: number;
  /** Kept only with `keepHoldings` (null until the first one). */
  holdings: HoldingLine[] | null;
  /** null until the statement's first cash line. */
  cash: CashLine[] | null;
  holdingCount: number;
  /**
   * "ISIN:US0378331005" → line: one entry per identifier of each holding, to report duplicate lines; only without
   * the `duplicates` hook (which finds them by SQL at the end), and null until the first holding.
   */
  seen: Map<string, number> | null;
}

interface Layout {
  header: CsvRecord;
  headers: string[];
  signature: string;
  width: number;
  columns: Columns;
  /** Object.entries(columns), once per file. */
  fieldColumns: readonly (readonly [CanonicalField, number])[];
  numbers: NumberReader;
  dateFormat: DateFormatChoice | null;
  faceAmount: boolean;
  pricePercentHeader: boolean;
  marketValueCurrency: string | null;
}

/** What a holding line's identifier cells hold: standard identifiers, or the custodian's own code. */
interface LineIdentifiers {
  identifiers: SecurityIdentifiersInFile;
  custodianCode: CustodianCode | null;
  option: ReturnType<typeof parseOptionSymbol>;
}

const MAX_NOTES = 20;
/** The holdings or cash of a statement that has none, in the result: one frozen empty list for all (a file may name 100,000 accounts). */
const NONE = Object.freeze([]) as unknown as never[];
const MAX_WARNINGS = 500;
const PREAMBLE_SEARCH_RECORDS = 100;

export function createCustodianCsvReader(options: CustodianCsvReaderOptions): CustodianCsvReader {
  return new CustodianReader(options);
}

/** Whole-file convenience over createCustodianCsvReader; never throws. */
export function parseCustodianCsv(bytes: Uint8Array, fileName: string, opts: CustodianCsvOptions = {}): CustodianCsvResult {
  const reader = createCustodianCsvReader({ ...opts, fileName });
  reader.push(bytes);
  return reader.end();
}

class CustodianReader implements CustodianCsvReader {
  private readonly issues = new IssueCollector();
  private warnings = 0;
  private readonly profile: CustodianProfile | undefined;
  private readonly stream;
  private readonly window: CsvRecord[] = [];
  private state: 'window' | 'rows' | 'unmapped' | 'done' = 'window';
  private layout: Layout | null = null;
  private headers: string[] | null = null;
  private needsMapping = false;
  private mapping: Partial<Record<CanonicalField, string>> = {};
  private readonly detected: Record<string, string> = {};
  private readonly statements = new Map<string, StatementState>();
  private preambleAccount: string | null = null;
  private preambleDate: { value: string; line: number } | null = null;
  private preambleNotes: string[] = [];
  private sectionAccount: string | null = null;
  private sectionDate: { value: string; line: number } | null = null;
  /** A line naming an account was seen since the last header (multi-account files in sections). */
  private accountAnnounced = false;
  private batch: CustodianHoldingLine[] = [];
  private rows = 0;
  private finished: CustodianCsvResult | null = null;
  private readonly keepHoldings: boolean;
  private readonly batchSize: number;
  private delimiter: CsvDelimiter = ',';
  /** Line where a table with other columns (a transactions section …) starts; everything from there is skipped. */
  private otherTable: { line: number; rows: number } | null = null;

  constructor(private readonly options: CustodianCsvReaderOptions) {
    this.profile = options.profile;
    this.keepHoldings = options.onHoldings === undefined;
    this.batchSize = Math.max(1, options.batchSize ?? 1000);
    this.stream = createCsvByteStream({
      issues: this.issues,
      preferredEncoding: this.profile?.encoding ?? null,
      preferredDelimiter: this.profile?.delimiter ?? null,
      headerScore: (cells) => headerScore(cells, this.profile),
      onDelimiter: (choice) => {
        this.delimiter = choice.delimiter;
        this.detected.delimiter = `${delimiterName(choice.delimiter)}${choice.basis === 'profile' ? ' (from the profile)' : ''}`;
      },
      onRecord: (record) => this.onRecord(record),
      onWindowEnd: () => this.onWindowEnd(),
    });
  }

  get bytesRead(): number {
    return this.stream.bytesRead;
  }

  get rowsRead(): number {
    return this.rows;
  }

  get custodian(): string | null {
    return this.detected.custodian ?? null;
  }

  statementSoFar(accountId: string | null): { asOf: string | null; firstCash: CashLine | null } | null {
    const statement = this.statements.get(accountId ?? '');
    if (statement === undefined) return null;
    // As result() dates it: the statement's first date, else the date the caller gave.
    return { asOf: statement.asOf ?? this.options.asOf ?? null, firstCash: statement.cash?.[0] ?? null };
  }

  push(chunk: Uint8Array): void {
    if (this.finished) return;
    this.measureFirstLine(chunk);
    try {
      this.stream.push(chunk);
    } catch (error) {
      this.internalError(error);
    }
  }

  end(): CustodianCsvResult {
    if (this.finished) return this.finished;
    try {
      this.stream.end();
      if (this.state === 'window') this.onWindowEnd();
      this.flush();
      this.findRepeats();
    } catch (error) {
      this.internalError(error);
    }
    this.finished = this.result();
    if (this.repeatedLines !== null) this.finished.repeatedLines = this.repeatedLines;
    return this.finished;
  }

  /** Bytes of the first line, and whether the file has anything but white space: for "empty" vs "one huge line". */
  private firstLine = { bytes: 0, ended: false, text: false };

  private measureFirstLine(chunk: Uint8Array): void {
    const first = this.firstLine;
    if (!first.text) first.text = chunk.some((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf && b !== 0xff && b !== 0xfe && b !== 0x00);
    if (first.ended) return;
    const end = chunk.indexOf(0x0a);
    if (end < 0) first.bytes += chunk.length;
    else {
      first.bytes += end;
      first.ended = true;
    }
  }

  /** A bug must not take an import down: it becomes an issue that rejects the file. The caller's own failure is thrown on. */
  private internalError(error: unknown): void {
    if (error instanceof CallerFailure) throw error.cause;
    this.state = 'done';
    this.issues.error(0, '', `the file could not be read (internal error: ${error instanceof Error ? error.message : String(error)})`);
  }

  private warn(line: number, field: string, reason: string, value?: string): void {
    this.warnings += 1;
    if (this.warnings <= MAX_WARNINGS) this.issues.warning(line, field, reason, value);
  }

  private onRecord(record: CsvRecord): void {
    if (this.state === 'window') {
      this.window.push(record);
    } else if (this.state === 'rows') {
      this.readRow(record);
    }
  }

  // ——— Deciding the layout on the first window —————————————————————————————————————————————————

  private onWindowEnd(): void {
    if (this.state !== 'window') return;
    const records = this.window.splice(0);
    if (this.profile) this.detected.profile = this.profile.name;
    if (records.length === 0) {
      const { bytes, text } = this.firstLine;
      this.issues.error(
        1,
        '',
        text
          ? `line 1 is ${bytes.toLocaleString('en-US')} bytes long${this.firstLine.ended ? '' : ' without a line end'} and could not be read as a line of a holdings file (a line of one is far shorter); is this the right file?`
          : 'the file is empty',
      );
      this.state = 'done';
      return;
    }

    const headerIndex = this.findHeader(records);
    if (headerIndex === null) {
      const guess = guessHeader(records);
      this.headers = guess.cells.slice(0, trimmedWidth(guess.cells)).map((cell) => cell.trim());
      this.needsMapping = true;
      this.issues.error(
        guess.line,
        '',
        `no column header Ballast knows (such as Symbol, ISIN, Quantity, Price, Market Value) was found; map the columns in a custodian profile`,
      );
      this.state = 'unmapped';
      return;
    }
    const header = records[headerIndex] as CsvRecord;
    const headers = header.cells.slice(0, Math.max(1, trimmedWidth(header.cells))).map((cell) => unwrapSpreadsheetText(cell).trim());
    this.headers = headers;
    this.detected.headerLine = String(header.line);

    const fromProfile = profileColumns(headers, this.profile);
    const columns: Columns = { ...aliasColumns(headers, new Set(Object.values(fromProfile.columns))), ...fromProfile.columns };
    for (const [field, name] of fromProfile.missing) {
      this.issues.error(header.line, name, `the profile "${this.profile?.name ?? ''}" maps the ${FIELD_WORDS[field]} to a column "${name}" that this file does not have`);
    }
    if (this.profile?.headerSignature && this.profile.headerSignature !== headerSignatureOf(headers)) {
      this.warn(header.line, '', `the columns differ from those the profile "${this.profile.name}" was made for; check the mapping`);
    }
    this.mapping = Object.fromEntries(Object.entries(columns).map(([field, index]) => [field, headers[index] ?? ''])) as Partial<Record<CanonicalField, string>>;

    const hasIdentifier = IDENTIFIER_FIELDS.some((field) => columns[field] !== undefined);
    if (columns.quantity === undefined || !hasIdentifier || fromProfile.missing.length > 0) {
      this.needsMapping = true;
      if (columns.quantity === undefined) {
        this.issues.error(
          header.line,
          'quantity',
          'no quantity column: none of the headers is Quantity, Shares, Units, Qty, Nominal or Par; map the columns in a custodian profile',
        );
      }
      if (!hasIdentifier) {
        this.issues.error(header.line, 'symbol', 'no security column: none of the headers is Symbol, Ticker, ISIN, CUSIP or SEDOL; map the columns in a custodian profile');
      }
      this.state = 'unmapped';
      return;
    }
    // DEGIRO writes "Valeur locale" over the currency and an unnamed column with the amount beside it.
    const localValue = headers.findIndex((name, i) => headerKeys(name).some((key) => LOCAL_VALUE_KEYS.has(key)) && (headers[i + 1] ?? '') === '');
    if (localValue >= 0 && !this.profile) {
      // The pair is in the line's own currency, as the price is; a "Value in EUR" column beside it is not.
      columns.currency = localValue;
      columns.marketValue = localValue + 1;
      this.mapping.currency = headers[localValue] ?? '';
      this.mapping.marketValue = `${headers[localValue] ?? ''} (amount)`;
    }
    const builtIn = detectCustodianLayout(
      headers,
      records.slice(0, headerIndex).map((record) => record.cells.join(' ')),
      this.delimiter,
    );
    if (builtIn !== null && !this.profile) {
      this.detected.layout = `${builtIn.description} (built-in, recognised from ${builtIn.basis})`;
      this.detected.custodian = builtIn.custodian;
    }
    // Fidelity's "Type" column says Cash or Margin — the account type the lot is held in, not the security's.
    if (columns.securityType !== undefined) {
      const column = columns.securityType;
      const values = records.slice(headerIndex + 1, headerIndex + 201).map((record) => (record.cells[column] ?? '').trim().toLowerCase()).filter((v) => v !== '');
      if (values.length > 0 && values.every((v) => /^(cash|margin|short|type\s*\d|ira|roth|individual)$/.test(v))) {
        delete columns.securityType;
        delete this.mapping.securityType;
      }
    }
    const used = new Set(Object.values(columns));
    const unused = headers.filter((name, index) => !used.has(index) && name !== '');
    if (unused.length > 0) this.detected.unusedColumns = unused.join(', ');

    const preamble = records.slice(0, headerIndex);
    const body = records.slice(headerIndex + 1);
    const dateFormat = this.chooseDates(columns, body);
    this.readPreamble(preamble, dateFormat?.format ?? this.profile?.dateFormat ?? null);
    const numbers = this.chooseNumbers(columns, body);

    const quantityHeader = headers[columns.quantity] ?? '';
    const priceHeader = columns.price === undefined ? '' : (headers[columns.price] ?? '');
    const marketValueHeader = columns.marketValue === undefined ? '' : (headers[columns.marketValue] ?? '');
    this.layout = {
      header,
      headers,
      signature: headerSignatureOf(headers),
      width: headers.length,
      columns,
      fieldColumns: Object.entries(columns) as [CanonicalField, number][],
      numbers,
      dateFormat,
      faceAmount: headerKeys(quantityHeader).some((key) => FACE_AMOUNT_KEYS.has(key)),
      pricePercentHeader: /%|\bpct\b|percent|of\s+par/i.test(priceHeader),
      marketValueCurrency: currencyNamedIn(marketValueHeader),
    };
    this.state = 'rows';
    for (const record of body) this.readRow(record);
  }

  private findHeader(records: readonly CsvRecord[]): number | null {
    let best: { index: number; score: number } | null = null;
    const limit = Math.min(records.length, PREAMBLE_SEARCH_RECORDS);
    for (let i = 0; i < limit; i++) {
      const score = headerScore((records[i] as CsvRecord).cells, this.profile);
      if (score >= 2 && (best === null || score > best.score)) best = { index: i, score };
    }
    return best?.index ?? null;
  }

  private chooseDates(columns: Columns, body: readonly CsvRecord[]): DateFormatChoice | null {
    if (columns.asOf === undefined) return null;
    const column = columns.asOf;
    const samples = body.map((record) => unwrapSpreadsheetText(record.cells[column] ?? ''));
    const choice = chooseDateFormat(samples, this.profile?.dateFormat ?? null);
    this.detected.dateFormat = `${choice.format}${basisWords(choice.basis)}`;
    if (choice.ambiguity) {
      const line = body.find((record) => unwrapSpreadsheetText(record.cells[column] ?? '') === choice.ambiguity?.example)?.line ?? 1;
      this.warn(line, this.headers?.[column] ?? 'date', choice.ambiguity.message, choice.ambiguity.example);
    }
    return choice;
  }

  private chooseNumbers(columns: Columns, body: readonly CsvRecord[]): NumberReader {
    const votes = new ConventionVotes();
    const numeric = (['quantity', 'price', 'marketValue', 'costBasis'] as const).map((field) => columns[field]).filter((i): i is number => i !== undefined);
    for (const record of body) for (const column of numeric) votes.add(record.cells[column] ?? '');
    let choice: ConventionChoice = votes.decide({
      delimiter: this.delimiter,
      preferred: this.profile?.numberConvention ?? null,
      tieBreaker: () => consistentReading(columns, body),
    });
    // In a comma-delimited file a decimal comma can only sit in a quoted cell (DEGIRO's "222,13"): when
    // nothing else settles the style, such cells do.
    if (choice.basis === 'assumed' && this.delimiter === ',') {
      const quoted = votes.decide({ delimiter: ';', tieBreaker: () => consistentReading(columns, body) });
      if (quoted.basis !== 'assumed') choice = quoted;
    }
    this.detected.numberConvention = `${describeConvention(choice.name)}${basisWords(choice.basis)}`;
    return new NumberReader(choice);
  }

  private readPreamble(preamble: readonly CsvRecord[], preferredDate: DateFormat | null): void {
    let labelled: { value: string; line: number } | null = null;
    let unlabelled: { value: string; line: number } | null = null;
    for (const record of preamble) {
      const text = record.cells
        .map((cell) => unwrapSpreadsheetText(cell).trim())
        .filter((cell) => cell !== '')
        .join(' ');
      if (text === '') continue;
      if (this.preambleNotes.length < MAX_NOTES) this.preambleNotes.push(text.slice(0, 200));
      this.preambleAccount ??= accountInText(text);
      // A summary table above the holdings ("Account,Net Account Value,…" then "Brokerage -6789,…", E*TRADE):
      // the cell under "Account" names it.
      const index = preamble.indexOf(record);
      const below = preamble.slice(index + 1).find((r) => r.cells.some((cell) => cell.trim() !== ''));
      if (this.preambleAccount === null && headerKey(record.cells[0] ?? '') === 'account' && record.cells.filter((c) => c.trim() !== '').length >= 2 && below) {
        const named = unwrapSpreadsheetText(below.cells[0] ?? '').trim();
        if (/^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$/.test(named) && /\d/.test(named)) this.preambleAccount = named.replace(/\s+/g, ' ');
      }
      if (NOT_AS_OF_LABEL.test(text)) continue;
      const isLabelled = DATE_LABEL.test(text);
      const found = findDateInText(text, preferredDate, isLabelled);
      if (found === null) continue;
      if (found.ambiguous && preferredDate === null) {
        this.warn(
          record.line,
          '',
          `the date ${found.written} reads both month-first and day-first; it was read as ${found.format} (${found.date}). If that is wrong, set the date format in the custodian profile`,
          found.written,
        );
      }
      if (isLabelled) labelled ??= { value: found.date, line: record.line };
      else unlabelled ??= { value: found.date, line: record.line };
    }
    this.preambleDate = labelled ?? unlabelled;
    if (this.preambleDate) this.detected.statementDate = `${this.preambleDate.value} (line ${this.preambleDate.line})`;
    if (this.preambleAccount) this.detected.statementAccount = this.preambleAccount;
  }

  // ——— Rows ———————————————————————————————————————————————————————————————————————————————————

  private readRow(record: CsvRecord): void {
    const layout = this.layout;
    if (layout === null) return;
    this.rows += 1;
    const cells = record.cells.map((cell) => unwrapSpreadsheetText(cell));
    let nonEmptyCount = 0;
    let first = '';
    for (const cell of cells) {
      if (cell.trim() === '') continue;
      if (nonEmptyCount++ === 0) first = cell.trim();
    }

    // A repeated header starts the next section of a multi-account file (or a new page of a report).
    if ((cells[0] ?? '').trim() === layout.headers[0] && headerSignatureOf(cells) === layout.signature) {
      if (!this.accountAnnounced) {
        const account = this.sectionAccount ?? this.preambleAccount ?? this.options.accountId ?? null;
        this.warn(
          record.line,
          '',
          `the header repeats here without a line above it naming another account; the lines below are read as ${account === null ? 'the same statement' : `account ${account}`}`,
        );
      }
      this.accountAnnounced = false;
      return;
    }
    if (this.otherTable !== null) {
      this.otherTable.rows += 1;
      return;
    }
    // A header of another table (Vanguard puts its transactions below the holdings): not holdings.
    if (nonEmptyCount >= 3 && !cells.some(hasDigit) && headerScore(cells, undefined) >= 3 && headerSignatureOf(cells) !== layout.signature) {
      this.otherTable = { line: record.line, rows: 0 };
      return;
    }
    if (
      nonEmptyCount === 1 &&
      layout.width >= 3 &&
      (cells[0] ?? '').trim() !== '' &&
      // "Stocks", "Mutual Funds" (statement sections) — not a ticker, which is written in capitals.
      (isTextLine(first) || (/[a-z]/.test(first) && !/\d/.test(first)))
    ) {
      this.readSectionLine(record.line, first);
      return;
    }

    const width = trimmedWidth(cells);
    if (width > layout.width || (cells.length < layout.width && width === cells.length && width > 1)) {
      this.issues.error(record.line, '', `the row has ${width} cells but the header has ${layout.width}`, cells.join(this.delimiter));
      return;
    }
    const long = cells.findIndex((cell) => cell.length > MAX_CELL_CHARS);
    if (long >= 0) {
      this.issues.error(
        record.line,
        this.field(long),
        `the cell is ${(cells[long] ?? '').length.toLocaleString('en-US')} characters long; no cell of a holdings file is longer than ${MAX_CELL_CHARS.toLocaleString('en-US')}`,
      );
      return;
    }
    this.readHoldingOrCash(record.line, cells, first);
  }

  private field(column: number | undefined): string {
    if (column === undefined) return '';
    return this.layout?.headers[column] || `column ${column + 1}`;
  }

  private readSectionLine(line: number, text: string): void {
    const account = accountInText(text);
    if (account !== null) {
      this.sectionAccount = account;
      this.sectionDate = null;
      this.accountAnnounced = true;
    }
    if (!NOT_AS_OF_LABEL.test(text) && (account !== null || DATE_LABEL.test(text))) {
      const found = findDateInText(text, this.layout?.dateFormat?.format ?? this.profile?.dateFormat ?? null, DATE_LABEL.test(text));
      if (found) this.sectionDate = { value: found.date, line };
    }
    if (account === null && PENDING_TEXT.test(text)) {
      this.warn(line, '', 'pending activity is not a holding; it was left out', text);
    }
  }

  /** `first`: the line's first non-empty cell, trimmed (readRow has it). */
  private readHoldingOrCash(line: number, cells: readonly string[], first: string): void {
    const layout = this.layout as Layout;
    const { columns } = layout;
    // Filled in the same key order on every line, read by name below. One object per layout, reused line after
    // line (nothing keeps it): a fresh one per line grew its property store field by field.
    if (this.rowValues.layout !== layout) this.rowValues = { layout, values: {} };
    const values = this.rowValues.values;
    for (const [field, column] of layout.fieldColumns) {
      const text = (cells[column] ?? '').trim();
      values[field] = isEmptyMarker(text) ? '' : text;
    }
    const cell = (field: CanonicalField) => values[field] ?? '';
    const symbolText = values.symbol ?? '';
    const isinText = values.isin ?? '';
    const cusipText = values.cusip ?? '';
    const sedolText = values.sedol ?? '';
    const descriptionText = values.description ?? '';
    // Each cell read once by name (several are read three or four times below).
    const quantityText = values.quantity ?? '';
    const priceText = values.price ?? '';
    const marketValueText = values.marketValue ?? '';
    const currencyCell = values.currency ?? '';
    const securityTypeText = values.securityType ?? '';
    const multiplierText = values.multiplier ?? '';
    const hasIdentifier = symbolText !== '' || isinText !== '' || cusipText !== '' || sedolText !== '';

    // "Total Return Bond Fund" is a holding: a total line has no identifier, or the word in the symbol column.
    if (PENDING_TEXT.test(symbolText) || (!hasIdentifier && (PENDING_TEXT.test(descriptionText) || PENDING_TEXT.test(first)))) {
      this.warn(line, this.field(columns.symbol), 'pending activity is not a holding; it was left out', symbolText || descriptionText || first);
      return;
    }
    if (
      TOTAL_TEXT.test(symbolText) ||
      TOTAL_TEXT.test(isinText) ||
      TOTAL_TEXT.test(cusipText) ||
      TOTAL_TEXT.test(sedolText) ||
      (!hasIdentifier && (TOTAL_TEXT.test(descriptionText) || TOTAL_TEXT.test(first)))
    ) {
      return;
    }
    const isCash =
      isinText === '' &&
      cusipText === '' &&
      sedolText === '' &&
      (CASH_TEXT.test(symbolText) ||
        symbolText.toUpperCase() === 'CASH' ||
        (symbolText === '' && CASH_TEXT.test(descriptionText)) ||
        // A currency code as the symbol is a cash balance when nothing else on the line says security.
        (isKnownCurrencyCode(symbolText.toUpperCase()) && priceText === '' && (descriptionText === '' || CASH_TEXT.test(descriptionText) || /cash|currency/i.test(securityTypeText))));
    if (isCash) {
      this.readCash(line, cells);
      return;
    }
    if (!hasIdentifier && quantityText === '') {
      if (marketValueText !== '' || priceText !== '') this.warn(line, '', 'not a holding: a summary line with amounts and no security; skipped', first);
      return;
    }

    let rowOk = true;
    const fail = (column: number | undefined, reason: string, value?: string) => {
      this.issues.error(line, this.field(column), reason, value);
      rowOk = false;
    };

    if (this.stream.replacementSeen) {
      for (const field of TEXT_FIELDS) {
        const text = values[field];
        if (text !== undefined && text.includes('\uFFFD')) fail(columns[field], 'the cell has bytes that are not valid text in the file’s encoding (shown as �)', text);
      }
    }

    const { identifiers, custodianCode, option } = this.readIdentifiers(line, cell, fail);
    if (!hasIdentifier) fail(columns.symbol, 'no symbol, ISIN, CUSIP or SEDOL on this line');

    const price = this.readMoney('price', priceText, fail);
    if (price.value !== null && decimalSign(price.value) < 0) fail(columns.price, `price ${price.value} is negative`, priceText);
    const marketValue = this.readMoney('marketValue', marketValueText, fail);
    const costBasis = this.readMoney('costBasis', values.costBasis ?? '', fail);

    const securityType = securityTypeText || null;
    const quantityReading = layout.numbers.read(quantityText);
    let quantity: DecimalString | null = null;
    let unitPrice: DecimalString | null = price.value;
    if (quantityReading.kind === 'empty') {
      // Schwab and Fidelity print a money-market fund with its value only: a $1.00 NAV, so units = value.
      if (marketValue.value !== null && price.value === null && (MONEY_MARKET.test(securityType ?? '') || MONEY_MARKET.test(descriptionText))) {
        quantity = marketValue.value;
        unitPrice = '1';
        this.warn(line, this.field(columns.quantity), `a money-market fund with a value and no quantity: read as ${quantity} units at 1.00`, marketValueText);
      } else fail(columns.quantity, 'quantity is empty');
    } else if (quantityReading.kind === 'invalid') fail(columns.quantity, quantityReading.reason, quantityText);
    else if (decimalSign(quantityReading.value) === 0) {
      this.warn(line, this.field(columns.quantity), 'not a holding: zero units; the line was skipped', quantityText);
      return;
    } else quantity = quantityReading.value;
    if (quantity !== null && unitPrice !== null && decimalSign(unitPrice) === 0) this.warn(line, this.field(columns.price), 'price is zero; the holding is recorded with no value', priceText);

    let currency: string | null = null;
    const currencyText = currencyCell.toUpperCase();
    if (currencyText !== '') {
      if (CURRENCY_CODE.test(currencyText)) currency = currencyText;
      else fail(columns.currency, `"${currencyCell}" is not a currency code (three letters such as USD)`, currencyCell);
    }
    const impliedCurrency = price.currency ?? marketValue.currency;
    if (currency === null && rowOk) currency = impliedCurrency;
    else if (currency !== null && impliedCurrency !== null && impliedCurrency !== currency && impliedCurrency !== 'GBX') {
      this.warn(line, this.field(columns.currency), `the amounts are in ${impliedCurrency} but the currency column says ${currency}`, currency);
    }

    let multiplier: DecimalString | null = null;
    if (multiplierText !== '') {
      const reading = layout.numbers.read(multiplierText);
      if (reading.kind === 'ok' && decimalSign(reading.value) > 0) multiplier = reading.value;
      else fail(columns.multiplier, 'the contract size is not a positive number', multiplierText);
    }
    const derived = instrumentFor({ securityType, symbol: symbolText, description: descriptionText, quantityType: layout.faceAmount ? 'FAMT' : 'UNIT', multiplier });
    const instrument: InstrumentDetails = option !== null && derived.underlying === null ? { ...derived, type: 'option', underlying: option.underlying, expiry: option.expiry, strike: option.strike, putCall: option.putCall, multiplier: derived.multiplier ?? '100' } : derived;

    const account = this.accountFor(values.account ?? '');
    const asOf = this.asOfFor(line, values.asOf ?? '', fail);

    const explicitPercent = layout.pricePercentHeader || price.percent;
    let priceType: HoldingLine['priceType'] = unitPrice === null ? null : explicitPercent || layout.faceAmount ? 'percent' : 'amount';
    // A derivative's quoted price is per unit of the underlying; the holding's price is per contract.
    let contractPrice = unitPrice;
    const contractSize = instrument.multiplier !== null && instrument.multiplier !== '1' ? instrument.multiplier : null;
    if (contractSize !== null && unitPrice !== null) contractPrice = canonicalBig(new Big(unitPrice).times(contractSize));
    if (quantity !== null && contractPrice !== null && unitPrice !== null && marketValue.value !== null && rowOk) {
      let checkedPrice = contractPrice;
      // Some files print an option's price per contract already: quantity × price = value without the multiplier.
      if (contractSize !== null && !valueFits(quantity, contractPrice, marketValue.value) && valueFits(quantity, unitPrice, marketValue.value)) {
        checkedPrice = unitPrice;
        contractPrice = unitPrice;
      }
      priceType = this.checkMarketValue(line, { quantity, price: checkedPrice, marketValue: marketValue.value, priceType, securityType, currency });
      if (priceType === null) rowOk = false;
    }

    if (!rowOk || quantity === null) return;
    const statement = this.statementFor(account);
    if (!this.recordAsOf(statement, asOf, line)) return;
    if (this.isDuplicate(statement, identifiers, line)) return;

    // The optional parts are set after the object is made (no temporary object spread per line), in the key order
    // they always had; the account comes last, and only on lines handed to onHoldings.
    const holding: HoldingLine = {
      line,
      identifiers,
      description: descriptionText || null,
      securityType,
      quantity,
      quantityType: layout.faceAmount || priceType === 'percent' ? 'FAMT' : 'UNIT',
      price: contractPrice,
      priceType,
      currency,
      marketValue: marketValue.value,
      costBasis: costBasis.value,
    };
    if (instrument.type === 'option' || instrument.type === 'future' || instrument.multiplier !== null) holding.instrument = instrument;
    if (contractPrice !== unitPrice) holding.quotedPrice = unitPrice;
    if (custodianCode !== null) holding.custodianCode = custodianCode;
    statement.holdingCount += 1;
    if (this.keepHoldings) {
      (statement.holdings ??= []).push(holding);
    } else {
      const withAccount = holding as CustodianHoldingLine;
      withAccount.accountId = statement.accountId;
      this.batch.push(withAccount);
      if (this.batch.length >= this.batchSize) this.flush();
    }
  }

  /**
   * Identifier cells. A value that fails its format or check digit — a custodian's own code in a CUSIP
   * column (Vanguard's VGI…), an anonymised id, a typo — is not an ISIN/CUSIP/SEDOL: it becomes the
   * line's custodian code (a warning), and the line is matched by its other identifiers, ticker or name.
   * An option symbol ("AAPL 01/19/2024 150.00 C", " -AAPL240119C150") becomes its OCC-style ticker.
   */
  private readIdentifiers(line: number, cell: (field: CanonicalField) => string, fail: (column: number | undefined, reason: string, value?: string) => void): LineIdentifiers {
    const { columns } = this.layout as Layout;
    let custodianCode: CustodianCode | null = null;
    // Fidelity marks its core money-market position "SPAXX**"; the stars are not part of the ticker.
    const symbolUpper = cell('symbol').toUpperCase();
    let ticker: string | null = (symbolUpper.endsWith('*') ? symbolUpper.replace(/\*+$/, '').trim() : symbolUpper.trim()) || null;
    let isin: string | null = compactIdentifier(cell('isin')) || null;
    let cusip: string | null = compactIdentifier(cell('cusip')) || null;
    const sedol: string | null = compactIdentifier(cell('sedol')) || null;

    // Some custodians put a bond's CUSIP or ISIN in the symbol column; a valid check digit says so.
    if (ticker !== null && isin === null && isValidIsin(ticker)) [isin, ticker] = [ticker, null];
    else if (ticker !== null && cusip === null && hasDigit(ticker) && isValidCusip(ticker)) [cusip, ticker] = [ticker, null];

    const option = ticker === null ? null : parseOptionSymbol(cell('symbol'));
    if (option !== null) ticker = optionTicker(option);
    if (ticker !== null && !isValidTicker(ticker)) {
      if (/^[A-Z0-9][A-Z0-9 ./:_-]{0,31}$/.test(ticker)) custodianCode = this.asCustodianCode(custodianCode, line, columns.symbol, ticker, `"${cell('symbol')}" is not a ticker`);
      else fail(columns.symbol, `"${cell('symbol')}" is not a ticker`, cell('symbol'));
      ticker = null;
    }
    if (isin !== null && !isValidIsin(isin)) {
      const expected = isinCheckDigit(isin.slice(0, 11));
      custodianCode = this.asCustodianCode(
        custodianCode,
        line,
        columns.isin ?? columns.symbol,
        isin,
        isin.length === 12 && expected !== null ? `ISIN ${isin} has a bad check digit (a valid one ends in ${expected})` : `"${isin}" is not an ISIN (two letters, nine letters or digits, a check digit)`,
      );
      isin = null;
    }
    if (cusip !== null && !isValidCusip(cusip)) {
      const restored = `0${cusip}`;
      if (cusip.length === 8 && isValidCusip(restored)) {
        this.warn(line, this.field(columns.cusip), `CUSIP ${cusip} lost its leading zero (a spreadsheet?); read as ${restored}`, cusip);
        cusip = restored;
      } else {
        const expected = cusipCheckDigit(cusip.slice(0, 8));
        custodianCode = this.asCustodianCode(
          custodianCode,
          line,
          columns.cusip ?? columns.symbol,
          cusip,
          cusip.length === 9 && expected !== null ? `CUSIP ${cusip} has a bad check digit (a valid one ends in ${expected})` : `"${cusip}" is not a CUSIP (nine letters or digits)`,
        );
        cusip = null;
      }
    }
    let sedolValue = sedol;
    if (sedolValue !== null && !isValidSedol(sedolValue)) {
      const restored = `0${sedolValue}`;
      if (sedolValue.length === 6 && isValidSedol(restored)) {
        this.warn(line, this.field(columns.sedol), `SEDOL ${sedolValue} lost its leading zero (a spreadsheet?); read as ${restored}`, sedolValue);
        sedolValue = restored;
      } else {
        const expected = sedolCheckDigit(sedolValue.slice(0, 6));
        custodianCode = this.asCustodianCode(
          custodianCode,
          line,
          columns.sedol,
          sedolValue,
          sedolValue.length === 7 && expected !== null ? `SEDOL ${sedolValue} has a bad check digit (a valid one ends in ${expected})` : `"${sedolValue}" is not a SEDOL (seven letters or digits)`,
        );
        sedolValue = null;
      }
    }
    const identifiers: SecurityIdentifiersInFile = {};
    if (ticker !== null) identifiers.ticker = ticker;
    if (isin !== null) identifiers.isin = isin;
    if (cusip !== null) identifiers.cusip = cusip;
    if (sedolValue !== null) identifiers.sedol = sedolValue;
    return { identifiers, custodianCode, option };
  }

  /**
   * An identifier cell that is not a valid identifier, kept as the custodian's own code (a warning): the line's
   * code is the first such cell.
   */
  private asCustodianCode(current: CustodianCode | null, line: number, column: number | undefined, value: string, reason: string): CustodianCode {
    this.warn(line, this.field(column), `${reason}; kept as the custodian's own code for this security, not as a standard identifier`, value);
    return current ?? { code: value, field: this.field(column) };
  }

  private readMoney(
    field: 'price' | 'marketValue' | 'costBasis',
    text: string,
    fail: (column: number | undefined, reason: string, value?: string) => void,
  ): Money {
    const layout = this.layout as Layout;
    const reading: AmountReading = layout.numbers.read(text);
    if (reading.kind === 'empty') return NO_MONEY;
    if (reading.kind === 'invalid') {
      fail(layout.columns[field], reading.reason, text);
      return NO_MONEY;
    }
    // The reading itself (three cells a line: no copy of each).
    return reading;
  }

  /**
   * quantity × price against the file's market value. Within 0.5 % or one currency unit (whichever is
   * larger) it agrees; up to 2 % it is a warning (rounding, a stale price); beyond 2 % an error (a
   * shifted column, a wrong number convention). Percent prices are per 100 of face; option lines may
   * carry the contract multiplier of 100; a bond line whose price fits only as a percentage is read as
   * one. Returns the price type, or null when the row is rejected. A market value in another currency
   * than the row (a "Market Value (USD)" column beside EUR prices) is not compared.
   */
  private checkMarketValue(
    line: number,
    row: { quantity: DecimalString; price: DecimalString; marketValue: DecimalString; priceType: HoldingLine['priceType']; securityType: string | null; currency: string | null },
  ): HoldingLine['priceType'] {
    const layout = this.layout as Layout;
    const mvCurrency = layout.marketValueCurrency;
    if (mvCurrency !== null && (row.currency === null || mvCurrency !== row.currency)) return row.priceType;
    // Nearly every line agrees at its own price type: decided exactly without big.js (see productWithinTolerance).
    if (productWithinTolerance(row.quantity, row.price, row.priceType === 'percent' ? 2 : 0, row.marketValue) === true) return row.priceType;
    const quantity = new Big(row.quantity);
    const price = new Big(row.price);
    const marketValue = new Big(row.marketValue);
    const type = row.securityType ?? '';
    const bondLike = /bond|note|bill|debt|fixed|treasur|muni|corporate|anleihe|obligation|rente|gilt|bund/i.test(type);
    const tolerance = marketValue.abs().times('0.005').gt(1) ? marketValue.abs().times('0.005') : new Big(1);
    const gap = (scale: Big) => quantity.times(price).times(scale).minus(marketValue).abs();
    const fits = (scale: Big) => gap(scale).lte(tolerance);

    let priceType = row.priceType;
    let scale = new Big(priceType === 'percent' ? '0.01' : 1);
    if (!fits(scale)) {
      if (priceType === 'amount' && bondLike && fits(new Big('0.01'))) {
        priceType = 'percent';
        scale = new Big('0.01');
      }
    }
    const difference = gap(scale);
    if (difference.lte(tolerance)) return priceType;
    const computed = quantity.times(price).times(scale);
    const relative = marketValue.eq(0) ? Number.POSITIVE_INFINITY : difference.div(marketValue.abs()).toNumber();
    const percentText = Number.isFinite(relative) ? `${(relative * 100).toFixed(2)} %` : 'the market value is zero';
    const what = `quantity × price${scale.eq('0.01') ? ' / 100' : scale.eq(100) ? ' × 100' : ''} = ${computed.round(2).toFixed()} but the market value is ${marketValue.toFixed()}`;
    const field = this.field(layout.columns.marketValue);
    if (relative <= 0.02) {
      this.warn(line, field, `${what} (${percentText} apart; more than 0.5 % or one currency unit)`, row.marketValue);
      return priceType;
    }
    this.issues.error(line, field, `${what} (${percentText} apart, more than 2 %): a shifted column or a wrong number?`, row.marketValue);
    return null;
  }

  private readCash(line: number, cells: readonly string[]): void {
    const layout = this.layout as Layout;
    const { columns } = layout;
    const cell = (field: CanonicalField) => {
      const column = columns[field];
      return column === undefined ? '' : (cells[column] ?? '').trim();
    };
    const fromValue = cell('marketValue') !== '' && layout.numbers.read(cell('marketValue')).kind !== 'empty';
    const column = fromValue ? columns.marketValue : columns.quantity;
    const text = fromValue ? cell('marketValue') : cell('quantity');
    const reading = layout.numbers.read(text);
    if (reading.kind === 'empty') return;
    if (reading.kind === 'invalid') {
      this.issues.error(line, this.field(column), reading.reason, text);
      return;
    }
    const currencyText = cell('currency').toUpperCase();
    const symbol = cell('symbol').toUpperCase();
    const currency = CURRENCY_CODE.test(currencyText)
      ? currencyText
      : (reading.currency ?? (CURRENCY_CODE.test(symbol) && symbol !== 'CASH' ? symbol : (this.options.baseCurrency ?? 'USD').toUpperCase()));
    if (decimalSign(reading.value) < 0) this.warn(line, this.field(column), `the cash balance ${reading.value} is negative (a margin debit); recorded as such`, text);
    const statement = this.statementFor(this.accountFor(cell('account')));
    // A cash line without a date belongs to whatever date its account's holdings have.
    const asOf =
      cell('asOf') === '' && this.sectionDate === null && this.preambleDate === null
        ? null
        : this.asOfFor(line, cell('asOf'), (c, reason, value) => this.issues.error(line, this.field(c), reason, value));
    if (!this.recordAsOf(statement, asOf, line)) return;
    (statement.cash ??= []).push({ line, currency, amount: reading.value });
  }

  private accountFor(cellText: string): string | null {
    if (cellText !== '') return cellText;
    return this.sectionAccount ?? this.preambleAccount ?? this.options.accountId ?? null;
  }

  private asOfFor(line: number, cellText: string, fail: (column: number | undefined, reason: string, value?: string) => void): { value: string; line: number } | null | 'bad' {
    const layout = this.layout as Layout;
    if (layout.columns.asOf !== undefined && cellText !== '') {
      // Every line of a statement repeats its date: the last date read is read again for free.
      if (cellText === this.lastDate.cell) return { value: this.lastDate.value, line };
      const reading = readDateAs(cellText, layout.dateFormat?.format ?? 'YYYY-MM-DD');
      if (reading.ok) this.lastDate = { cell: cellText, value: reading.value };
      if (!reading.ok) {
        fail(layout.columns.asOf, reading.reason, cellText);
        return 'bad';
      }
      return { value: reading.value, line };
    }
    const fallback = this.sectionDate ?? this.preambleDate;
    if (fallback) return fallback;
    if (this.options.asOf) return { value: this.options.asOf, line: 0 };
    if (layout.columns.asOf !== undefined) {
      fail(layout.columns.asOf, 'date is empty, and the file has no date line above the header');
      return 'bad';
    }
    return null;
  }

  private recordAsOf(statement: StatementState, asOf: { value: string; line: number } | null | 'bad', line: number): boolean {
    if (asOf === 'bad') return false;
    if (asOf === null) return true;
    if (statement.asOf === null) {
      statement.asOf = asOf.value;
      statement.asOfLine = asOf.line;
      return true;
    }
    if (statement.asOf === asOf.value) return true;
    const field = this.field(this.layout?.columns.asOf);
    const account = statement.accountId === null ? '' : ` for account ${statement.accountId}`;
    this.issues.error(
      line,
      field,
      `as-of date ${asOf.value} differs from ${statement.asOf}${statement.asOfLine > 0 ? ` on line ${statement.asOfLine}` : ''}${account}; one account's holdings file is one snapshot`,
      asOf.value,
    );
    return false;
  }

  private isDuplicate(statement: StatementState, identifiers: SecurityIdentifiersInFile, line: number): boolean {
    const columns = (this.layout as Layout).columns;
    const hook = this.options.duplicates;
    if (hook !== undefined) {
      // Found by the caller: nothing per holding stays in memory here.
      const group = statement.accountId ?? '';
      const keys: IdentifierKey[] = [];
      for (const kind of REPEAT_KINDS) {
        const value = repeatValueOf(kind, identifiers);
        if (value !== undefined) keys.push({ group, kind, value, line, field: this.field(repeatColumnOf(kind, columns)) });
      }
      // As the line is read, when the caller can tell (the direct path, by fingerprints it confirms later)…
      // callBack's catch written in place: this runs once per line, without a closure.
      let repeat: { key: IdentifierKey; earlier: number } | null;
      try {
        repeat = hook.check?.(keys) ?? null;
      } catch (error) {
        throw new CallerFailure(error);
      }
      if (repeat !== null) {
        this.reportRepeat(line, repeat.key, repeat.earlier);
        return true;
      }
      // … else at the end (SQL over staged keys, or fingerprints), in findRepeats.
      if (hook.add !== undefined) for (const key of keys) this.keys.push(key);
      return false;
    }
    for (const kind of REPEAT_KINDS) {
      const value = repeatValueOf(kind, identifiers);
      if (value === undefined) continue;
      const earlier = statement.seen?.get(`${kind}:${value}`);
      if (earlier !== undefined) {
        this.reportRepeat(line, { group: statement.accountId ?? '', kind, value, line, field: this.field(repeatColumnOf(kind, columns)) }, earlier);
        return true;
      }
    }
    for (const kind of REPEAT_KINDS) {
      const value = repeatValueOf(kind, identifiers);
      if (value !== undefined) (statement.seen ??= new Map()).set(`${kind}:${value}`, line);
    }
    return false;
  }

  private statementFor(accountId: string | null): StatementState {
    const key = accountId ?? '';
    let statement = this.statements.get(key);
    if (!statement) {
      // The account as read is a piece of the file's text, and V8 keeps a piece of 13 characters or more as a slice of
      // its 32 KB chunk: kept to the end by a statement, it would keep that chunk. One copy per account, made here,
      // which everything after (the holdings' account, the import's statements) shares: a file over 100,000 accounts
      // with 20-character account numbers otherwise kept all of its text (19 MB for 14 MB of file; issue 10).
      const own = accountId === null ? null : ownCopy(accountId);
      statement = { accountId: own, asOf: null, asOfLine: 0, holdings: null, cash: null, holdingCount: 0, seen: null };
      this.statements.set(own ?? '', statement);
    }
    return statement;
  }

  private keys: IdentifierKey[] = [];
  /** The cells of the line being read, by field (readHoldingOrCash), for the layout they were read with. */
  private rowValues: { layout: Layout | null; values: Partial<Record<CanonicalField, string>> } = { layout: null, values: {} };
  /** The last date cell read successfully (the layout's date format is fixed once rows are read). */
  private lastDate: { cell: string | null; value: string } = { cell: null, value: '' };
  private repeatedLines: Set<number> | null = null;

  /**
   * With `duplicates`: the map-per-holding rule of isDuplicate, run over only the keys that occur more than
   * once (a key seen once can never make a line a repeat), in line order: a line is a repeat when one of its
   * identifiers — ISIN, CUSIP, SEDOL, symbol, in that order — was on an earlier line that was not itself a repeat.
   */
  private findRepeats(): void {
    const hook = this.options.duplicates;
    if (hook === undefined) return;
    this.repeatedLines = new Set();
    const byLine = new Map<number, IdentifierKey[]>();
    for (const key of callBack(() => hook.repeats())) {
      const list = byLine.get(key.line);
      if (list) list.push(key);
      else byLine.set(key.line, [key]);
    }
    if (byLine.size === 0) return;
    const order: readonly string[] = REPEAT_KINDS;
    const seen = new Map<string, number>();
    for (const line of [...byLine.keys()].sort((a, b) => a - b)) {
      const keys = byLine.get(line)!.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
      const repeat = keys.find((k) => seen.has(`${k.group}\u0000${k.kind}:${k.value}`));
      if (repeat === undefined) {
        for (const k of keys) seen.set(`${k.group}\u0000${k.kind}:${k.value}`, line);
        continue;
      }
      this.reportRepeat(line, repeat, seen.get(`${repeat.group}\u0000${repeat.kind}:${repeat.value}`)!);
      this.repeatedLines.add(line);
      const statement = this.statements.get(repeat.group);
      if (statement) statement.holdingCount -= 1;
    }
  }

  /** Line `line` repeats `key`, first on line `earlier` (the same words whichever way it was found). */
  private reportRepeat(line: number, key: IdentifierKey, earlier: number): void {
    const account = key.group === '' ? '' : ` for account ${key.group}`;
    this.issues.error(line, key.field, `${key.kind} ${key.value} already appears on line ${earlier}${account}; a holdings file lists each holding once`, key.value);
  }

  private flush(): void {
    if (this.keys.length > 0) {
      const keys = this.keys;
      this.keys = [];
      callBack(() => this.options.duplicates?.add?.(keys));
    }
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    callBack(() => this.options.onHoldings?.(batch));
  }

  private result(): CustodianCsvResult {
    const statements: HoldingsStatement[] = [];
    // The file's notes, one frozen list for all its statements (like NONE for a statement without holdings or cash).
    const notes = Object.freeze([...this.preambleNotes]) as string[];
    if (this.state === 'rows' || this.state === 'done') {
      const headerLine = this.layout?.header.line ?? 1;
      if (this.layout !== null && this.statements.size === 0) {
        this.issues.error(headerLine + 1, '', 'the file has a header but no holdings or cash lines');
      }
      if (this.otherTable !== null) {
        this.warn(
          this.otherTable.line,
          '',
          `a table with other columns starts here (such as a transactions section); it is not holdings — this line and the ${this.otherTable.rows} after it were skipped`,
        );
      }
      const fileAccount = [...this.statements.values()].find((s) => s.accountId !== null)?.accountId ?? null;
      if (this.options.accountId && fileAccount !== null && fileAccount !== this.options.accountId) {
        this.warn(0, 'account', `the file names account ${fileAccount}; the account given (${this.options.accountId}) was used only for lines without one`);
      }
      for (const statement of this.statements.values()) {
        let asOf = statement.asOf;
        if (asOf === null) asOf = this.options.asOf ?? null;
        if (asOf === null && (statement.holdingCount > 0 || statement.cash !== null)) {
          this.issues.error(
            headerLine,
            'asOf',
            `no as-of date${statement.accountId === null ? '' : ` for account ${statement.accountId}`}: the file has no date line above the header and no date column; give the date of the holdings`,
          );
        }
        if (asOf !== null && this.options.asOf && asOf !== this.options.asOf) {
          this.warn(statement.asOf === null ? 0 : statement.asOfLine, 'asOf', `the file says its holdings are as of ${asOf}, not ${this.options.asOf} as given`);
        }
        statements.push({
          accountId: statement.accountId,
          asOf,
          holdings: statement.holdings ?? NONE,
          cash: statement.cash ?? NONE,
          notes,
        });
      }
      this.detected.accounts = String(statements.length);
      this.detected.holdings = String([...this.statements.values()].reduce((sum, s) => sum + s.holdingCount, 0));
    }
    // Read at the end: an all-ASCII start leaves the choice open until the first non-ASCII byte.
    this.detected.encoding = this.stream.encoding ?? 'utf-8';
    if (this.warnings > MAX_WARNINGS) {
      this.issues.warning(0, '', `${this.warnings - MAX_WARNINGS} more warnings not listed`);
    }
    const headers = this.headers;
    return {
      format: 'csv',
      detected: { ...this.detected },
      statements,
      issues: this.issues.toArray(),
      headers,
      headerSignature: headers === null ? null : headerSignatureOf(headers),
      needsMapping: this.needsMapping,
      mapping: this.mapping,
    };
  }
}

function basisWords(basis: 'profile' | 'file' | 'consistency' | 'assumed' | 'default'): string {
  switch (basis) {
    case 'profile':
      return ', from the profile';
    case 'file':
      return ', from the file';
    case 'consistency':
      return ', the reading in which quantity × price = market value';
    default:
      return ', assumed (nothing in the file settled it)';
  }
}

/** A line of free text (a section title, a disclaimer) rather than a holding with one cell filled. */
function isTextLine(text: string): boolean {
  return /\s|:/.test(text) || text.length > 24;
}

function guessHeader(records: readonly CsvRecord[]): CsvRecord {
  const sample = records.slice(0, PREAMBLE_SEARCH_RECORDS);
  const widths = new Map<number, number>();
  for (const record of sample) {
    const width = trimmedWidth(record.cells);
    if (width >= 2) widths.set(width, (widths.get(width) ?? 0) + 1);
  }
  let modal = 0;
  let count = 0;
  for (const [width, n] of widths) {
    if (n > count) {
      modal = width;
      count = n;
    }
  }
  return sample.find((record) => trimmedWidth(record.cells) === modal) ?? (records[0] as CsvRecord);
}

function currencyNamedIn(header: string): string | null {
  if (/\bbase\b/i.test(header)) return 'BASE';
  const match = /\b([A-Z]{3})\b/.exec(header.replace(/[()[\]]/g, ' '));
  const code = match?.[1];
  return code !== undefined && CURRENCY_CODE.test(code) && !['MKT', 'VAL', 'QTY'].includes(code) ? code : null;
}

/**
 * The tie-breaker for files whose numbers all read both ways (1,234 · 5.000): the reading in which more
 * rows have quantity × price = market value (or / 100 for percent prices).
 */
function consistentReading(columns: Columns, body: readonly CsvRecord[]): NumberConventionName | null {
  if (columns.quantity === undefined || columns.price === undefined || columns.marketValue === undefined) return null;
  const agreeing = { us: 0, eu: 0 };
  for (const record of body) {
    for (const name of ['us', 'eu'] as const) {
      const convention = conventionNamed(name);
      const q = readAmount(record.cells[columns.quantity] ?? '', convention);
      const p = readAmount(record.cells[columns.price] ?? '', convention);
      const v = readAmount(record.cells[columns.marketValue] ?? '', convention);
      if (q.kind !== 'ok' || p.kind !== 'ok' || v.kind !== 'ok') continue;
      const value = new Big(v.value).abs();
      const tolerance = value.times('0.005').gt(1) ? value.times('0.005') : new Big(1);
      const product = new Big(q.value).times(p.value);
      if (product.minus(v.value).abs().lte(tolerance) || product.div(100).minus(v.value).abs().lte(tolerance)) agreeing[name] += 1;
    }
  }
  if (agreeing.us > agreeing.eu) return 'us';
  if (agreeing.eu > agreeing.us) return 'eu';
  return null;
}

/** quantity × price within 0.5 % (or one currency unit) of the market value. */
function valueFits(quantity: DecimalString, price: DecimalString, marketValue: DecimalString): boolean {
  const value = new Big(marketValue).abs();
  const tolerance = value.times('0.005').gt(1) ? value.times('0.005') : new Big(1);
  return new Big(quantity).times(price).minus(marketValue).abs().lte(tolerance);
}

function canonicalBig(value: Big): DecimalString {
  const fixed = value.toFixed();
  if (!fixed.includes('.')) return fixed === '-0' ? '0' : fixed;
  const trimmed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}
