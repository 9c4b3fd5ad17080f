import { type ImportPreview, type PositionFormat, type PreviewRow } from '../../shared/domain';
import { type FileIssue } from '../../shared/errors';
import { plural } from './format';

/*
 * The Import screen's decisions, apart from React: what a preview row's security match means, how many
 * securities the file would add, and whether (and why not) the Import button may be pressed.
 */

export const POSITION_FORMATS: readonly { value: PositionFormat; label: string }[] = [
  { value: 'auto', label: 'Detect automatically' },
  { value: 'csv', label: 'Custodian CSV' },
  { value: 'ofx', label: 'OFX / QFX statement' },
  { value: 'ibkr-flex', label: 'Interactive Brokers Flex (XML)' },
  { value: 'ibkr-csv', label: 'Interactive Brokers activity statement (CSV)' },
  { value: 'mt535', label: 'SWIFT MT535' },
  { value: 'semt002', label: 'ISO 20022 semt.002' },
];

const FORMAT_NAMES: Record<string, string> = {
  csv: 'Custodian CSV',
  ofx: 'OFX / QFX',
  'ibkr-flex': 'Interactive Brokers Flex Query',
  'ibkr-csv': 'Interactive Brokers activity statement (CSV)',
  mt535: 'SWIFT MT535',
  semt002: 'ISO 20022 semt.002',
};

/** "mt535" → "SWIFT MT535 (mt535)"; formats the UI does not know (price layouts …) are shown as given. */
export function formatName(format: string): string {
  const name = FORMAT_NAMES[format];
  return name ? `${name} (${format})` : format;
}

export type MatchKind = 'matched' | 'new' | 'unknown';

/** How a line was matched, in words (not field names). */
const MATCH_WORDS: Record<NonNullable<PreviewRow['match']['by']>, string> = {
  isin: 'ISIN',
  cusip: 'CUSIP',
  sedol: 'SEDOL',
  figi: 'FIGI',
  ticker: 'ticker',
  'custodian-code': "the custodian's own code",
  description: 'name',
};

const INSTRUMENT_WORDS: Record<string, string> = {
  equity: 'stock',
  fund: 'fund',
  bond: 'bond',
  option: 'option',
  future: 'future',
  cash: 'cash fund',
  other: '',
};

/** "option ×100", "future ×50", "fund" — what a line is, for the preview and portfolio tables. */
export function instrumentLabel(type: string | null | undefined, multiplier: string | null | undefined): string {
  const word = INSTRUMENT_WORDS[type ?? ''] ?? '';
  return multiplier && multiplier !== '1' && (type === 'option' || type === 'future') ? `${word} ×${multiplier}` : word;
}

export function matchKind(row: Pick<PreviewRow, 'match'>): MatchKind {
  if (row.match.securityId !== null) return 'matched';
  return row.match.willCreate ? 'new' : 'unknown';
}

/** What the Match column says: the ticker found (and by which identifier), or why there is none. */
export function matchLabel(row: Pick<PreviewRow, 'match'>): string {
  switch (matchKind(row)) {
    case 'matched':
      return `${row.match.ticker ?? `#${row.match.securityId}`}${row.match.by ? ` (by ${MATCH_WORDS[row.match.by]})` : ''}`;
    case 'new':
      return 'new security';
    case 'unknown':
      return 'unknown';
  }
}

/** The identifiers a row carries, most specific first, for the preview table. */
export function rowIdentifiers(row: Pick<PreviewRow, 'ticker' | 'isin' | 'cusip' | 'sedol'>): string {
  const parts: string[] = [];
  if (row.isin) parts.push(`ISIN ${row.isin}`);
  if (row.cusip) parts.push(`CUSIP ${row.cusip}`);
  if (row.sedol) parts.push(`SEDOL ${row.sedol}`);
  if (row.ticker) parts.push(row.ticker);
  return parts.join(' · ');
}

/** One key per distinct instrument the file names, so a security listed in two accounts counts once. */
function instrumentKey(row: PreviewRow): string {
  return [row.isin, row.cusip, row.sedol, row.ticker, row.description].map((v) => v ?? '').join('|');
}

/**
 * Distinct securities the master does not know, among the rows shown: `creatable` the import would add
 * (previewed with createSecurities), `unknown` rejected for want of a match. Rows of a statement that
 * cannot be imported at all (no usable account) carry no account and are not counted: creating their
 * securities would not bring them in.
 */
export function unmatchedSecurities(rows: readonly PreviewRow[]): { creatable: number; unknown: number } {
  const creatable = new Set<string>();
  const unknown = new Set<string>();
  for (const row of rows) {
    const kind = matchKind(row);
    if (kind === 'new') creatable.add(instrumentKey(row));
    else if (kind === 'unknown' && row.status === 'rejected' && row.accountId !== null) unknown.add(instrumentKey(row));
  }
  return { creatable: creatable.size, unknown: unknown.size };
}

export function issueCounts(issues: readonly Pick<FileIssue, 'severity'>[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const issue of issues) if (issue.severity !== 'warning') errors++;
  return { errors, warnings: issues.length - errors };
}

export interface ImportChoices {
  /** The PM accepts that the rejected rows listed are left out. */
  allowPartial: boolean;
  /**
   * Create the securities the master does not know, from the file's descriptions. The preview is made
   * with the same choice, so its rejected rows are exactly the ones the import would leave out.
   */
  createSecurities: boolean;
  /** Create the account typed in the Account box, which does not exist yet (the preview is made the same way). */
  createAccount: boolean;
  /**
   * When the file lacks holdings or cash the account has now: the file is the whole account ('replace')
   * or updates only its lines ('update'). null until the PM chooses.
   */
  mode: 'replace' | 'update' | null;
}

/** The account named in the Account box that does not exist yet (from the preview's report), if any. */
export function missingTypedAccount(preview: Pick<ImportPreview, 'issues'>): string | null {
  for (const issue of preview.issues) {
    const match = /^there is no account "([^"]+)"/.exec(issue.reason);
    if (match) return match[1] ?? null;
  }
  return null;
}

export interface ImportReadiness {
  canImport: boolean;
  /** Why the Import button is disabled, in words the PM can act on; empty when it is enabled. */
  blockers: string[];
  /** Rows that would be left out (allowPartial), 0 when nothing is excluded. */
  excluded: number;
}


/**
 * Whether the previewed file may be imported with the PM's choices. A file with rejected rows is
 * rejected as a whole unless the PM ticks the exclusion box; a file-level error (no header, wrong
 * encoding …) rejects every row, so no exclusion can rescue it.
 */
export function importReadiness(preview: ImportPreview, choices: ImportChoices): ImportReadiness {
  const blockers: string[] = [];
  if (preview.alreadyImported) {
    return { canImport: false, blockers: ['This file was imported before: importing it again changes nothing.'], excluded: 0 };
  }
  if (preview.needsMapping) blockers.push('Ballast could not recognise every column: map the columns to a custodian profile first.');

  const { errors } = issueCounts(preview.issues);
  const rejected = preview.rejectedRows;
  const nothingToImport = preview.kind === 'positions' ? preview.statements.length === 0 : (preview.prices?.rows ?? 0) === 0;

  if (!preview.needsMapping) {
    if (rejected > 0 && preview.kind === 'prices') {
      // imports.prices has no exclusions: a price file is imported whole or not at all.
      blockers.push(`${plural(rejected, 'row')} ${rejected === 1 ? 'is' : 'are'} rejected: a price file is imported whole, so fix the file and choose it again.`);
    } else if (rejected > 0 && rejected >= preview.totalRows) {
      blockers.push(`Every row of the file is rejected (${plural(rejected, 'row')}): nothing would be imported.`);
    } else if (rejected > 0 && !choices.allowPartial) {
      blockers.push(
        `${plural(rejected, 'row')} ${rejected === 1 ? 'is' : 'are'} rejected: fix the file, or tick the box to import without ${rejected === 1 ? 'it' : 'them'}.`,
      );
    } else if (rejected === 0 && errors > 0) {
      blockers.push('The file has errors that reject it as a whole (see the validation report).');
    } else if (nothingToImport) {
      blockers.push('The file holds nothing to import.');
    }
    if (preview.choiceNeeded === true && choices.mode === null) {
      blockers.push('This file does not list everything the account holds now: choose whether it replaces the whole account or updates only the lines it lists.');
    }
  }
  return { canImport: blockers.length === 0, blockers, excluded: choices.allowPartial && blockers.length === 0 ? rejected : 0 };
}

/** A short fingerprint of what a preview was made with: a different key means the preview is stale. */
export function previewKey(options: { kind: string; accountId: string; asOf: string; format: string; profile: string; createSecurities: boolean; createAccount?: boolean }): string {
  return JSON.stringify([options.kind, options.accountId.trim(), options.asOf, options.format, options.profile, options.createSecurities, options.createAccount === true]);
}

const DETECTED_WORDS: Record<string, string> = {
  format: 'Recognised as',
  layout: 'Layout',
  custodian: 'Custodian',
  delimiter: 'Delimiter',
  encoding: 'Encoding',
  headerLine: 'Column header on line',
  numberConvention: 'Numbers',
  dateFormat: 'Dates',
  statementDate: 'Date from the file',
  statementAccount: 'Account from the file',
  unusedColumns: 'Columns not used',
  accounts: 'Accounts',
  holdings: 'Holdings',
  profile: 'Custodian profile',
  baseCurrency: 'Base currency',
  version: 'Version',
  dialect: 'Dialect',
  flavour: 'Flavour',
  statements: 'Statements',
};

/** What the preview's detected facts are called on screen: words, not the report's keys. */
export function detectedLabel(key: string): string {
  const known = DETECTED_WORDS[key];
  if (known) return known;
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
