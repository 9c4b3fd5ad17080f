import { type CanonicalField, type CustodianProfile } from '../../shared/domain';
import { CANONICAL_FIELDS } from '../../shared/fields';

/*
 * The column-mapping editor's logic, kept apart from React so it can be tested: which file column
 * feeds which canonical field, a first guess from the header names, and what must be fixed before a
 * profile can be saved. Only types and the zod-free field list come from src/shared, so the schemas stay
 * out of the bundle.
 */

export const FIELD_LABELS: Record<CanonicalField, string> = {
  account: 'Account',
  asOf: 'As of date',
  symbol: 'Symbol / ticker',
  isin: 'ISIN',
  cusip: 'CUSIP',
  sedol: 'SEDOL',
  description: 'Description',
  securityType: 'Security type',
  quantity: 'Quantity',
  price: 'Price',
  marketValue: 'Market value',
  costBasis: 'Cost basis',
  currency: 'Currency',
  multiplier: 'Contract size (derivatives)',
};

/** Header names custodians use for each field, compared after `normaliseHeader`. */
const ALIASES: Record<CanonicalField, readonly string[]> = {
  account: ['account', 'accountnumber', 'accountno', 'accountid', 'acct', 'acctno', 'portfolio', 'depot', 'depotnummer'],
  asOf: ['asof', 'asofdate', 'date', 'positiondate', 'valuationdate', 'statementdate', 'reportdate', 'stichtag'],
  symbol: ['symbol', 'ticker', 'tickersymbol', 'sym'],
  isin: ['isin', 'isincode'],
  cusip: ['cusip'],
  sedol: ['sedol'],
  description: ['description', 'securitydescription', 'name', 'securityname', 'security', 'instrument', 'bezeichnung', 'wertpapier', 'libelle'],
  securityType: ['securitytype', 'type', 'assettype', 'assetclass', 'instrumenttype', 'wertpapierart'],
  quantity: ['quantity', 'shares', 'units', 'qty', 'nominal', 'position', 'par', 'faceamount', 'stuck', 'stueck', 'anzahl', 'bestand', 'quantite', 'aantal', 'cantidad', 'quantita'],
  price: ['price', 'lastprice', 'closeprice', 'marketprice', 'kurs', 'cours', 'cloture', 'koers', 'slotkoers', 'precio', 'prezzo', 'chiusura'],
  marketValue: ['marketvalue', 'mktval', 'mktvalue', 'currentvalue', 'value', 'kurswert', 'marktwert'],
  costBasis: ['costbasis', 'cost', 'bookvalue', 'totalcost', 'einstandswert'],
  currency: ['currency', 'ccy', 'cur', 'curr', 'waehrung', 'wahrung', 'devise', 'valuta', 'divisa', 'moneda'],
  multiplier: ['multiplier', 'mult', 'contractsize', 'sharespercontract', 'multiplikator'],
};

export type FieldMapping = Partial<Record<CanonicalField, string>>;

export type Delimiter = CustodianProfile['delimiter'];
export type Encoding = CustodianProfile['encoding'];
export type NumberConvention = CustodianProfile['numberConvention'];
export type DateFormat = CustodianProfile['dateFormat'];

export const DELIMITERS: readonly { value: NonNullable<Delimiter>; label: string }[] = [
  { value: ',', label: 'comma (,)' },
  { value: ';', label: 'semicolon (;)' },
  { value: '\t', label: 'tab' },
];
export const ENCODINGS: readonly { value: NonNullable<Encoding>; label: string }[] = [
  { value: 'utf-8', label: 'UTF-8' },
  { value: 'utf-16le', label: 'UTF-16LE' },
  { value: 'windows-1252', label: 'Windows-1252' },
];
export const NUMBER_CONVENTIONS: readonly { value: NonNullable<NumberConvention>; label: string }[] = [
  { value: 'us', label: '1,234.56' },
  { value: 'eu', label: '1.234,56' },
];
export const DATE_FORMATS: readonly NonNullable<DateFormat>[] = ['YYYY-MM-DD', 'MM/DD/YYYY', 'DD/MM/YYYY', 'DD.MM.YYYY', 'YYYYMMDD'];

/** What the editor holds while the PM works; becomes a CustodianProfile on save. */
export interface MappingDraft {
  name: string;
  mapping: FieldMapping;
  delimiter: Delimiter;
  encoding: Encoding;
  numberConvention: NumberConvention;
  dateFormat: DateFormat;
}

/**
 * "Mkt. Val (USD)" → "mktvalusd", "Währung" → "wahrung": accents folded, lower case, letters and digits
 * only. The same rule as the server's `headerKey` (src/main/io/custodian-csv.ts), because the header
 * signature built from it must equal the one the server computes for the next file of this layout.
 */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * The normalised header row that identifies a file layout (trailing empty columns ignored): what a
 * profile is saved with so the next file with the same header picks it automatically. Mirrors the
 * server's `headerSignatureOf`; the unit test pins it to a fixture's known signature.
 */
export function headerSignatureOf(headers: readonly string[]): string {
  let width = headers.length;
  while (width > 0 && (headers[width - 1] ?? '').trim() === '') width -= 1;
  return headers.slice(0, width).map(normaliseHeader).join('|');
}

/**
 * A first guess at the mapping from the header names alone. Each column feeds at most one field; a
 * field takes the first column whose name (or its name without a trailing currency like "(USD)")
 * is one of its aliases.
 */
export function suggestMapping(headers: readonly string[]): FieldMapping {
  const mapping: FieldMapping = {};
  const used = new Set<number>();
  const variants = headers.map((h) => {
    const plain = normaliseHeader(h);
    const withoutCurrency = normaliseHeader(h.replace(/\(\s*[A-Za-z]{3}\s*\)\s*$/, ''));
    return new Set([plain, withoutCurrency]);
  });
  for (const field of CANONICAL_FIELDS) {
    const aliases = ALIASES[field];
    const index = variants.findIndex((names, i) => !used.has(i) && aliases.some((alias) => names.has(alias)));
    const header = headers[index];
    if (index >= 0 && header !== undefined) {
      mapping[field] = header;
      used.add(index);
    }
  }
  return mapping;
}

/** A new draft for a file whose columns were not recognised: the guess, auto-detection for the rest. */
export function draftForHeaders(headers: readonly string[], name = ''): MappingDraft {
  return { name, mapping: suggestMapping(headers), delimiter: null, encoding: null, numberConvention: null, dateFormat: null };
}

/** Editing a saved profile; columns it maps that this file does not have are kept (they show as missing). */
export function draftFromProfile(profile: CustodianProfile): MappingDraft {
  return {
    name: profile.name,
    mapping: { ...profile.mapping },
    delimiter: profile.delimiter ?? null,
    encoding: profile.encoding ?? null,
    numberConvention: profile.numberConvention ?? null,
    dateFormat: profile.dateFormat ?? null,
  };
}

/** Sets or clears (empty string) the column feeding `field`; a column moves rather than feeding two fields. */
export function assignColumn(mapping: FieldMapping, field: CanonicalField, header: string): FieldMapping {
  const next: FieldMapping = {};
  for (const f of CANONICAL_FIELDS) {
    const current = mapping[f];
    if (f === field || current === undefined) continue;
    if (header !== '' && current === header) continue;
    next[f] = current;
  }
  if (header !== '') next[field] = header;
  return next;
}

const IDENTIFIER_FIELDS: readonly CanonicalField[] = ['symbol', 'isin', 'cusip', 'sedol'];

/**
 * What stops the draft from being saved, in words the PM can act on. `headers` is the file's header
 * row when there is one; a mapped column it lacks is named so a stale profile is noticed.
 */
export function mappingProblems(draft: MappingDraft, headers: readonly string[] | null): string[] {
  const problems: string[] = [];
  if (draft.name.trim() === '') problems.push('Give the profile a name (for example the custodian’s).');
  if (draft.name.trim().length > 80) problems.push('The profile name is longer than 80 characters.');
  if (!draft.mapping.quantity) problems.push('Choose the column that holds the quantity.');
  if (!IDENTIFIER_FIELDS.some((f) => draft.mapping[f])) {
    problems.push('Choose at least one identifier column: symbol, ISIN, CUSIP or SEDOL.');
  }
  if (headers) {
    const present = new Set(headers);
    for (const field of CANONICAL_FIELDS) {
      const column = draft.mapping[field];
      if (column !== undefined && !present.has(column)) problems.push(`${FIELD_LABELS[field]}: this file has no column "${column}".`);
    }
  }
  return problems;
}

export function profileFromDraft(draft: MappingDraft, headerSignature: string | null): CustodianProfile {
  const mapping: FieldMapping = {};
  for (const field of CANONICAL_FIELDS) {
    const column = draft.mapping[field];
    if (column) mapping[field] = column;
  }
  return {
    name: draft.name.trim(),
    headerSignature,
    mapping,
    delimiter: draft.delimiter,
    encoding: draft.encoding,
    numberConvention: draft.numberConvention,
    dateFormat: draft.dateFormat,
  };
}

/** "symbol ← Ticker, quantity ← Units, …" for the profiles list. */
export function describeMapping(mapping: FieldMapping): string {
  return CANONICAL_FIELDS.flatMap((f) => (mapping[f] ? [`${FIELD_LABELS[f]} ← ${mapping[f]}`] : [])).join(', ');
}
