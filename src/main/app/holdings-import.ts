import {
  AccountId,
  accountMatchKey,
  type AssetClass,
  type ImportedSnapshot,
  type ImportMode,
  type ImportPreview,
  type ImportResult,
  MAX_LISTED_STATEMENTS,
  type PreviewRow,
  type SnapshotShrinkage,
  type StatementsNotListed,
} from '../../shared/domain';
import { BallastError, type FileIssue } from '../../shared/errors';
import { ownCopy, type CashLine, type HoldingLine, type SecurityIdentifiersInFile } from '../io/holdings';
import type { PositionInput, ScratchMap, SecurityRecord, StagedPosition, Store } from '../store';
import { instrumentFor } from '../io/instruments';
import type { KeyFingerprints } from '../io/key-fingerprints';
import { fileFingerprints } from './files';
import { big, decimal, money } from './money';
import type Big from 'big.js';

/**
 * The part of a position import every format shares: each holding a parser produced is matched to the
 * securities master (ISIN, CUSIP, SEDOL, FIGI, ticker — in that order), checked against the account and
 * date it belongs to, and either written (inside the caller's transaction, in batches, so a streamed
 * file is never held whole) or described for the preview. Problems become FileIssues at the holding's
 * line; a file with any error is rejected as a whole unless the PM accepted the exclusions.
 *
 * Usage: `statementFor(account, date, line)` once per statement (cheap to repeat: same key → same
 * statement), then `holding`/`cash` per line, `addParserIssues` with the parser's report, and finally
 * `finish()` (write) or `preview()`.
 */

export interface HoldingsImportOptions {
  fileName: string;
  sha256: string;
  actor: string;
  /** Format name recorded with the import ('csv', 'ofx', …). */
  format: string;
  detected: Record<string, string>;
  /** The account the PM named; the file's own account otherwise. */
  accountId?: string | undefined;
  /** The date the PM named, for files that carry none. */
  asOf?: string | undefined;
  allowPartial: boolean;
  createSecurities: boolean;
  /** Custodian profile used to read the file, if any (recorded and shown). */
  profile: string | null;
  /** false: preview — nothing is written, not even inside a transaction. */
  write: boolean;
  /**
   * What to do when the file lacks holdings or cash the account's current snapshot has: undefined — stop
   * and ask (CONFIRMATION_REQUIRED); 'replace' — the file is the whole account; 'update' — only the
   * file's lines change, the rest is carried over.
   */
  mode?: ImportMode | undefined;
  /** An account typed by hand (accountId) that does not exist may be created. Accounts the file names always may. */
  createAccount?: boolean | undefined;
  /** Whose file this is (a built-in layout's custodian, the profile, the format), for custodian codes. */
  custodian?: string | null | undefined;
  /**
   * A preview only: no holding is staged. Fingerprints rule out a security listed twice, and a possible repeat
   * throws StagedPathNeeded (the caller previews the file the staged way, which names it); a statement with an
   * earlier snapshot keeps the ids of the securities it lists as a bitset, which is all the comparison with that
   * snapshot needs.
   */
  stageless?: boolean;
  /** With `stageless`: statements that keep the ids they list to the end (LISTED_TO_THE_END; tests make it small). */
  listedToTheEnd?: number;
}

/** Thrown when a file must be read again the staged way (see readCsvDirect); nothing the attempt did is kept. */
export class StagedPathNeeded extends Error {
  constructor(readonly why: string) {
    super(`the file needs the staged path: ${why}`);
  }
}

/**
 * The first MAX_LISTED_STATEMENTS of a file's statements, and the rest summed (see StatementsNotListed). `snapshotOf`
 * describes one statement; the unlisted ones are described one at a time and summed, never held all at once (a file
 * over 100,000 accounts).
 */
export function listStatements<T>(all: readonly T[], snapshotOf: (item: T) => ImportedSnapshot): { listed: ImportedSnapshot[]; notListed: StatementsNotListed | null } {
  const listed = all.slice(0, MAX_LISTED_STATEMENTS).map(snapshotOf);
  if (all.length <= MAX_LISTED_STATEMENTS) return { listed, notListed: null };
  const notListed: StatementsNotListed = { statements: all.length - MAX_LISTED_STATEMENTS, positions: 0, disappearing: 0, newAccounts: 0 };
  for (let i = MAX_LISTED_STATEMENTS; i < all.length; i++) {
    const s = snapshotOf(all[i]!);
    notListed.positions += s.positions;
    if (s.disappearing !== undefined) notListed.disappearing++;
    if (s.newAccount === true) notListed.newAccounts++;
  }
  return { listed, notListed };
}

/** A SecurityIdSet's ids before the first (one shared, frozen array: add copies it). */
const NO_IDS: number[] = Object.freeze([]) as unknown as number[];

/**
 * Statements of a stageless preview that keep the ids they list to the end (HoldingsImport.switchListing): a few MB at
 * most, and a file of a few accounts whose lines alternate (100 accounts, 2,000 holdings each) is never compared
 * early, then again whole.
 */
const LISTED_TO_THE_END = 1000;

/** A statement that lists every security of its earlier snapshot: none missing (one shared, frozen array). */
const NO_IDS_MISSING: readonly number[] = Object.freeze([]);

/** A statement's superseded snapshots before it has any (one shared, frozen array). */
const NO_SNAPSHOTS: readonly number[] = Object.freeze([]);

/** The shrinkage of a statement that drops nothing (one shared, frozen object). */
const NO_SHRINKAGE: SnapshotShrinkage = { holdings: [], cash: [] };
Object.freeze(NO_SHRINKAGE.holdings);
Object.freeze(NO_SHRINKAGE.cash);
Object.freeze(NO_SHRINKAGE);

/**
 * Statements the import's audit entry names; each further AUDIT_PART are named by an entry of their own
 * ('import.positions.snapshots', part 2, 3 … of the import's entries).
 */
export const AUDIT_PART = MAX_LISTED_STATEMENTS;

/** Writes (two per statement: its snapshot, then its cash) between two progress reports of HoldingsImport.finish. */
const WRITE_PROGRESS_EVERY = 1000;

/** Accounts a message names one by one. */
const MESSAGE_ACCOUNTS = 20;

/** Planned securities a preview keeps in memory; past this, in a scratch table (PlannedSecurities). */
export const PLANNED_IN_MEMORY = 20_000;

/**
 * The securities a preview would create, by kind and value: in memory up to PLANNED_IN_MEMORY entries, then in a
 * scratch table of the connection (keyed `kind:value`), so a file that creates hundreds of thousands of securities
 * does not grow the preview's memory with them (issue 10: about 0.4 KB each). What comes back from the table is a
 * copy. One map per kind: a line's lookup hashes its identifier as read, without first joining it to its kind.
 */
export class PlannedSecurities {
  private readonly memory = new Map<string, Map<string, MatchedSecurity>>();
  private held = 0;
  private scratch: ScratchMap | null = null;

  constructor(
    private readonly store: Store,
    private readonly inMemory = PLANNED_IN_MEMORY,
  ) {}

  get(kind: PlannedKind, value: string): MatchedSecurity | undefined {
    const held = this.memory.get(kind)?.get(value);
    if (held !== undefined || this.scratch === null) return held;
    const text = this.scratch.get(`${kind}:${value}`);
    return text === undefined ? undefined : (JSON.parse(text) as MatchedSecurity);
  }

  set(kind: PlannedKind, value: string, security: MatchedSecurity): void {
    let byValue = this.memory.get(kind);
    if (byValue?.has(value) || (this.scratch === null && this.held < this.inMemory)) {
      if (byValue === undefined) this.memory.set(kind, (byValue = new Map()));
      if (!byValue.has(value)) this.held++;
      byValue.set(ownCopy(value), security);
    } else (this.scratch ??= this.store.scratchMap('planned_securities')).set(`${kind}:${value}`, JSON.stringify(security));
  }

  /** Empties the scratch table, if one was needed. */
  dispose(): void {
    this.scratch?.clear();
    this.scratch = null;
    this.memory.clear();
    this.held = 0;
  }
}

/** Listed issues beyond this are summarised: a report of 200 000 lines helps nobody. */
export const MAX_LISTED_ISSUES = 1000;
export const MAX_PREVIEW_ROWS = 500;
/** Holdings parked in the scratch table per call. */
const STAGE_BATCH = 2000;
/** Security lookups cached at most (see remember). */
const LOOKUP_CACHE = 20_000;
const SECURITY_KINDS = ['isin', 'cusip', 'sedol', 'figi', 'ticker'] as const;
type SecurityKind = (typeof SECURITY_KINDS)[number];
/** What a planned security is found by: an identifier, or the custodian's own code. */
export type PlannedKind = SecurityKind | 'code';
const KIND_LABEL: Record<SecurityKind, string> = { isin: 'ISIN', cusip: 'CUSIP', sedol: 'SEDOL', figi: 'FIGI', ticker: 'ticker' };
/** The field name a PM finds in the report for each identifier. */
const KIND_FIELD: Record<SecurityKind, string> = { isin: 'isin', cusip: 'cusip', sedol: 'sedol', figi: 'figi', ticker: 'symbol' };

interface MatchedSecurity {
  /** null only in a preview, for a security the import would create. */
  id: number | null;
  name?: string;
  ticker: string;
  currency: string;
  isin: string | null;
  cusip: string | null;
  sedol: string | null;
  figi: string | null;
}

interface Statement {
  /** The number its holdings are staged under (see PositionsRepo.stage). */
  index: number;
  /** null when the statement cannot be imported (its problem is reported once, at `line`). */
  accountId: string | null;
  asOf: string | null;
  line: number;
  problem: string | null;
  baseCurrency: string;
  accountExists: boolean;
  /** The account does not exist and this import creates it. */
  newAccount: boolean;
  /** This statement's write created the account (see ensureSnapshot; the audit entry listing it names it). */
  createdAccount: boolean;
  /**
   * The account's snapshot on or before this date, which the new one is compared with (see shrinkage): its id and
   * date (shared with the other statements'), flat on the statement (issue 10: 100,000 statements).
   */
  previousId: number | null;
  previousAsOf: string | null;
  carriedOver: number;
  snapshotId: number | null;
  /** NO_SNAPSHOTS until a snapshot is superseded (shared, never changed: a file may hold 100,000 statements). */
  supersedes: readonly number[];
  positions: number;
  /** By currency; null until the statement's first cash line (most statements of a file over many accounts have none). */
  cash: Map<string, Big> | null;
  cashLines: number;
  /** A stageless preview of a statement with an earlier snapshot: the existing securities its lines list. */
  listed: SecurityIdSet | null;
  /**
   * A stageless preview of a statement with an earlier snapshot whose lines came in one run: the securities of that
   * snapshot it does not list, worked out when the next statement's lines began, and `listed` dropped (see
   * HoldingsImport.switchListing). Null until then, and again if its lines come back.
   */
  missing: readonly number[] | null;
  /** What the previous snapshot has that this statement does not, once worked out (see HoldingsImport.shrinkage). */
  shrinkage: SnapshotShrinkage | null;
}

/** The holdings a statement's snapshot has: the file's, and those carried over from the previous one. */
function positionsOf(s: Statement): number {
  return s.positions + s.carriedOver;
}

/** (statement, its snapshot) for each statement with holdings, once their snapshots are made: what PositionsRepo.insertStaged writes them to. */
function* statementSnapshots(statements: readonly Statement[]): Generator<readonly [number, number]> {
  for (const s of statements) if (s.positions > 0) yield [s.index, s.snapshotId!];
}

/** A statement's cash balances as the preview, the result, the audit and the snapshot's row list them. */
function cashOut(s: Statement): ImportedSnapshot['cash'] {
  return s.cash === null ? [] : [...s.cash.entries()].map(([currency, amount]) => ({ currency, amount: decimal(amount) }));
}

/**
 * The security ids (SQLite rowids) a statement lists, for the comparison with its earlier snapshot: added while the
 * file is read, asked after. Its size follows the number of ids, never their size:
 *  - a few ids, or ids spread far apart, are a plain array (8 bytes each), sorted on the first question and searched
 *    by halves — a statement of two holdings costs tens of bytes whether the database holds 500 securities or
 *    5,000,000 (the bitset this was before cost the largest id / 8 bytes for every statement: 100,000 two-holding
 *    statements over ids near 50,000 would have held 625 MB);
 *  - ids close together become a bitset once it is no larger than the array would be (checked as the array
 *    doubles, from DENSE_CHECK ids on): a statement of 20,000 holdings costs a few kilobytes.
 */
export class SecurityIdSet {
  private static readonly DENSE_CHECK = 64;
  /**
   * Up to this many ids, the array is copied to one of the exact size as it grows (a pushed-to array reserves 16
   * slots: a statement of two holdings took 190 bytes for its ids instead of 70; 100,000 of them, 12 MB).
   */
  private static readonly EXACT_UP_TO = 8;
  private ids: number[] | null = NO_IDS;
  private sorted = true;
  private bits: Uint32Array | null = null;
  /** Ids set in `bits`. */
  private count = 0;

  add(id: number): void {
    const bits = this.bits;
    if (bits !== null) {
      if (Number.isInteger(id) && id >= 0 && id < bits.length * 32) {
        this.setBit(bits, id);
        return;
      }
      const words = Number.isInteger(id) && id >= 0 ? Math.max((id >>> 5) + 1, 2 * bits.length) : Infinity;
      if (id < 2 ** 31 && words * 4 <= 8 * (this.count + 1)) {
        const grown = new Uint32Array(words);
        grown.set(bits);
        this.bits = grown;
        this.setBit(grown, id);
        return;
      }
      // Too far from the others for a bitset: back to an array.
      this.ids = this.bitIds();
      this.bits = null;
      this.count = 0;
      this.sorted = true;
    }
    let ids = this.ids!;
    if (ids.length > 0 && !(id > ids[ids.length - 1]!)) this.sorted = false;
    if (ids.length < SecurityIdSet.EXACT_UP_TO) this.ids = ids = ids.concat(id);
    else ids.push(id);
    if (ids.length >= SecurityIdSet.DENSE_CHECK && (ids.length & (ids.length - 1)) === 0) this.maybeDense(ids);
  }

  has(id: number): boolean {
    const bits = this.bits;
    if (bits !== null) {
      if (!(Number.isInteger(id) && id >= 0)) return false;
      const word = id >>> 5;
      return id < bits.length * 32 && (bits[word]! & (1 << (id & 31))) !== 0;
    }
    const ids = this.ids!;
    if (!this.sorted) {
      ids.sort((a, b) => a - b);
      this.sorted = true;
    }
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = ids[mid]!;
      if (at === id) return true;
      if (at < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** Bytes the ids take (the array's 8 per id, or the bitset's), for tests of its size. */
  get bytes(): number {
    return this.bits !== null ? this.bits.byteLength : 8 * this.ids!.length;
  }

  private setBit(bits: Uint32Array, id: number): void {
    const word = id >>> 5;
    const mask = 1 << (id & 31);
    if ((bits[word]! & mask) === 0) this.count++;
    bits[word] = bits[word]! | mask;
  }

  /** To a bitset when every id is a small whole number and the bitset is no larger than the array. */
  private maybeDense(ids: number[]): void {
    let max = -1;
    for (const id of ids) {
      if (!(Number.isInteger(id) && id >= 0 && id < 2 ** 31)) return;
      if (id > max) max = id;
    }
    const words = (max >>> 5) + 1;
    if (words * 4 > 8 * ids.length) return;
    const bits = new Uint32Array(words);
    this.count = 0;
    for (const id of ids) this.setBit(bits, id);
    this.bits = bits;
    this.ids = null;
  }

  private bitIds(): number[] {
    const ids: number[] = [];
    const bits = this.bits!;
    for (let word = 0; word < bits.length; word++) {
      let w = bits[word]!;
      while (w !== 0) {
        const low = w & -w;
        ids.push(word * 32 + 31 - Math.clz32(low));
        w ^= low;
      }
    }
    return ids;
  }
}

export interface IssueSink {
  error(line: number, field: string, reason: string, value?: string): void;
  warning(line: number, field: string, reason: string, value?: string): void;
}

/**
 * One string, of its own (ownCopy), per distinct text it is given — a currency, a date — where each line or row read
 * brings its own copy: what is kept per statement or per account (a file may name 100,000) shares them. null stays null.
 */
export function stringPool(): <T extends string | null>(text: T) => T {
  const kept = new Map<string, string>();
  return <T extends string | null>(text: T): T => {
    if (text === null) return text;
    let found = kept.get(text);
    if (found === undefined) {
      found = ownCopy(text);
      kept.set(found, found);
    }
    return found as T;
  };
}

/**
 * A ticker cell as the master writes tickers — printable ASCII without spaces (see 0001-init.sql): trimmed, upper
 * case, inner spaces as dots; null when that is not 1–32 such characters.
 */
export function tickerOf(raw: string): string | null {
  const upper = raw.trim().toUpperCase();
  // Nearly every ticker is 1–32 printable ASCII characters already (no space to replace): no regex for it.
  if (upper.length >= 1 && upper.length <= 32 && isPrintableAscii(upper)) return upper;
  const t = upper.replace(/\s+/g, '.');
  return t.length >= 1 && t.length <= 32 && /^[!-~]+$/.test(t) ? t : null;
}

/** Every character in ! … ~ (what /^[!-~]+$/ matches, for a non-empty text). */
function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

/** Asset class from the file's security type, when it says something recognisable; 'other' otherwise. */
export function assetClassFromType(securityType: string | null, quantityType: 'UNIT' | 'FAMT'): AssetClass {
  const t = (securityType ?? '').toLowerCase();
  if (/\breit\b|real estate/.test(t)) return 'real_estate';
  if (/money ?market|\bmmf\b|^cash/.test(t)) return 'cash';
  if (/bond|debt|fixed|\bnote|\bbill|treasur|gilt|\bbnd\b|\bgovt\b|\bcorp\b|\bmuni/.test(t)) return 'fixed_income';
  if (quantityType === 'FAMT') return 'fixed_income';
  if (/commodit|\bgold\b|\bcmdty\b|precious/.test(t)) return 'commodity';
  if (/equit|stock|common|\bshares?\b|\betf\b|\betp\b|\badr\b|\bgdr\b|\bstk\b|^cs$|ordinary/.test(t)) return 'equity';
  return 'other';
}

/** The holding's instrument: as the parser read it, else from its security-type words. */
function instrumentOf(h: HoldingLine) {
  return h.instrument ?? instrumentFor({ securityType: h.securityType, quantityType: h.quantityType });
}

/** Asset class of a security created from a holding, from its instrument type first. */
function assetClassOf(h: HoldingLine): AssetClass {
  switch (instrumentOf(h).type) {
    case 'option':
    case 'future':
      return 'other';
    case 'cash':
      return 'cash';
    case 'bond':
      return 'fixed_income';
    case 'equity':
      return assetClassFromType(h.securityType, h.quantityType) === 'real_estate' ? 'real_estate' : 'equity';
    default:
      return assetClassFromType(h.securityType, h.quantityType);
  }
}

export class HoldingsImport {
  private readonly store: Store;
  private opts: HoldingsImportOptions;
  /** Every statement, in the order they were opened (their `index`). */
  private readonly statements: Statement[] = [];
  /**
   * The statements that can be written, by date and then account: what their holdings will be recorded under. The
   * account's string is the statement's own `accountId` and the date is shared, so a file over 100,000 accounts
   * keeps one string per account here (issue 10).
   */
  private readonly recorded = new Map<string, Map<string, Statement>>();
  /** `account NUL date` as the file gives them → statement, where that is not how the statement is recorded (see statementFor). */
  private readonly byFileKey = new Map<string, Statement>();
  /** The master's answers by kind of key (an identifier's kind, `code`, `name`) and value; see remember. */
  private readonly lookups = new Map<string, Map<string, SecurityRecord | null>>();
  private lookupsHeld = 0;
  /** Securities a preview would create, by kind and value (a write creates them in the master instead). */
  private readonly planned: PlannedSecurities;
  private readonly appIssues: FileIssue[] = [];
  private parserIssues: FileIssue[] = [];
  private unlistedAppIssues = 0;
  private readonly rows: PreviewRow[] = [];
  private holdingsSeen = 0;
  private appRejected = 0;
  private readonly rejectedLines: number[] = [];
  private securitiesCreated = 0;
  private importId: number | null = null;

  constructor(store: Store, opts: HoldingsImportOptions) {
    this.store = store;
    this.opts = opts;
    this.unstaged = opts.stageless === true && !opts.write ? fileFingerprints() : null;
    this.listedToTheEnd = opts.listedToTheEnd ?? LISTED_TO_THE_END;
    this.planned = new PlannedSecurities(store);
    // Accepted holdings are parked in SQL, not in maps per holding: repeats and writes are found and done there.
    store.positions.clearStage();
    if (opts.write) {
      // Inserted first so snapshots can point at it; completed (rows, status, report) at the end.
      this.importId = store.imports.insert({ kind: 'positions', fileName: opts.fileName, sha256: opts.sha256, format: opts.format, rows: 0 }).id;
    }
  }

  /** The issue sink for problems the app finds itself (capped like the parsers' reports). */
  readonly issues: IssueSink = {
    error: (line, field, reason, value) => this.addIssue({ line, field, reason, severity: 'error', ...(value !== undefined ? { value } : {}) }),
    warning: (line, field, reason, value) => this.addIssue({ line, field, reason, severity: 'warning', ...(value !== undefined ? { value } : {}) }),
  };

  private addIssue(issue: FileIssue): void {
    if (this.appIssues.length >= MAX_LISTED_ISSUES) {
      this.unlistedAppIssues++;
      return;
    }
    this.appIssues.push(ownCopy(issue));
  }

  /** The reader's description of the file, for a reader that completes it only at its end (a CSV read straight into the import). */
  describeFile(detected: Record<string, string>): void {
    this.opts = { ...this.opts, detected };
  }

  /** More problems were found than are listed (MAX_LISTED_ISSUES): which ones are listed depends on the order they came in. */
  get issuesOverflowed(): boolean {
    return this.unlistedAppIssues > 0;
  }

  addParserIssues(issues: readonly FileIssue[]): void {
    this.parserIssues = this.parserIssues.concat(issues);
  }

  /**
   * The statement for this account and date (the same object for the same pair, so a multi-page or
   * multi-part file becomes one snapshot per account and date). Problems with the account or date are
   * reported once, at `line`; every holding of such a statement is then rejected.
   */
  statementFor(fileAccount: string | null, fileAsOf: string | null, line: number, currencyHint: string | null = null): Statement {
    // The usual case first: the file names the account as it is recorded, on the date it is recorded under.
    const date = fileAsOf ?? this.opts.asOf ?? null;
    if (fileAccount !== null && date !== null) {
      const same = this.recorded.get(date)?.get(fileAccount);
      if (same !== undefined) return same;
    }
    const fileKey = `${fileAccount ?? ''}\u0000${fileAsOf ?? ''}`;
    const known = this.byFileKey.get(fileKey);
    if (known) return known;
    let problem: string | null = null;
    let field = 'account';
    const given = this.opts.accountId;
    let accountId: string | null = null;
    let existing: { id: string; baseCurrency: string } | null = null;
    if (fileAccount !== null && given !== undefined && accountMatchKey(fileAccount) !== accountMatchKey(given)) {
      problem = `the file is for account ${fileAccount}, not ${given}; leave the account out to import it as ${fileAccount}`;
    } else if (fileAccount === null && given === undefined) {
      problem = 'the file names no account; choose the account to import it into';
    } else {
      const written = (given ?? fileAccount)!.trim().replace(/\s+/g, ' ');
      if (!AccountId.safeParse(written).success) {
        problem = `"${written}" cannot be used as an account id (letters and digits, with . - _ / or single spaces between them, up to 64)`;
      } else {
        try {
          existing = this.store.accounts.resolve(written);
        } catch (error) {
          problem = error instanceof Error ? error.message : String(error);
        }
        if (problem === null) {
          accountId = existing?.id ?? written;
          if (existing !== null && existing.id !== written) {
            this.issues.warning(line, 'account', `account "${written}" is read as account ${existing.id} (the same letters and digits, written differently)`, written);
          }
          // An account the file names is created on its first import; one typed by hand must be confirmed,
          // so a typo never becomes a new, empty-looking account.
          if (existing === null && fileAccount === null && this.opts.createAccount !== true) {
            const { ids, total } = this.store.accounts.someIds(10);
            problem = `there is no account "${written}"${total > 0 ? ` (accounts: ${ids.join(', ')}${total > ids.length ? ', …' : ''})` : ''}; check the spelling, or confirm creating it`;
            accountId = null;
          }
        }
      }
    }
    let asOf = fileAsOf;
    if (problem === null) {
      field = 'asOf';
      if (asOf !== null && this.opts.asOf !== undefined && asOf !== this.opts.asOf) {
        problem = `the file says its holdings are as of ${asOf}, but ${this.opts.asOf} was given`;
      } else if (asOf === null) {
        asOf = this.opts.asOf ?? null;
        if (asOf === null) problem = 'the file gives no as-of date for these holdings; give the date they are as of';
      }
    }
    // The parsers report a statement without a date themselves; say it once.
    const reported = field === 'asOf' && this.parserIssues.some((i) => i.severity === 'error' && i.field === 'asOf' && /no (as-of )?date|has no date/.test(i.reason));
    if (problem !== null && !reported) this.issues.error(line, field, problem);
    // Found by what the holdings will be recorded under, so two parts of a file that land on the same
    // account and date become one snapshot instead of the second silently superseding the first.
    let statement = problem === null ? this.recorded.get(asOf!)?.get(accountId!) : undefined;
    if (!statement) {
      const account = problem === null ? existing : null;
      statement = {
        index: this.statements.length,
        accountId: problem === null ? ownCopy(accountId) : null,
        asOf: problem === null ? this.shared(asOf!) : null,
        line,
        problem,
        baseCurrency: this.shared(account?.baseCurrency ?? currencyHint ?? 'USD'),
        accountExists: account !== null,
        newAccount: problem === null && account === null,
        createdAccount: false,
        previousId: null,
        previousAsOf: null,
        carriedOver: 0,
        snapshotId: null,
        supersedes: NO_SNAPSHOTS,
        positions: 0,
        cash: null,
        cashLines: 0,
        listed: null,
        missing: null,
        shrinkage: null,
      };
      if (statement.accountId !== null && statement.asOf !== null && statement.accountExists) {
        const live = this.store.positions.liveSnapshot(statement.accountId, statement.asOf);
        if (live) statement.supersedes = [live.id];
        const latest = this.store.positions.latestSnapshot(statement.accountId, statement.asOf);
        // What the comparison needs of it (a record is ≈ 0.25 KB).
        if (latest !== null) {
          statement.previousId = latest.id;
          statement.previousAsOf = this.shared(latest.asOf);
        }
      }
      this.statements.push(statement);
      if (statement.accountId !== null && statement.asOf !== null) {
        let accounts = this.recorded.get(statement.asOf);
        if (accounts === undefined) this.recorded.set(statement.asOf, (accounts = new Map()));
        accounts.set(statement.accountId, statement);
      }
    }
    // The file's account and date, when the first lookup above would not find the statement by them.
    if (statement.problem !== null || fileAccount !== statement.accountId || date !== statement.asOf) this.byFileKey.set(ownCopy(fileKey), statement);
    return statement;
  }

  /** One string for all statements that hold the same text: a currency, a date, a previous snapshot's date. */
  private readonly shared = stringPool();

  holding(statement: Statement, h: HoldingLine): void {
    this.holdingsSeen++;
    if (this.unstaged !== null && statement !== this.listing) this.switchListing(statement);
    // Matched even when the statement cannot be imported, so the report names every unknown security at
    // once; nothing is created for a statement that will not be written.
    const match = this.match(h, statement.baseCurrency, statement.problem === null);
    const rejected = statement.problem !== null || match.security === null;
    if (match.error) this.issues.error(h.line, match.error.field, match.error.reason, match.error.value);
    const security = match.security;
    if (security && !rejected && this.opts.write && security.id !== null) this.fileCustodianCode(security.id, h);
    if (security && !rejected) {
      if (h.currency !== null && h.currency !== security.currency) {
        this.issues.warning(h.line, 'currency', `the file gives ${h.currency} but ${security.ticker} is a ${security.currency} security in the master`, h.currency);
      }
    }
    if (rejected) {
      this.appRejected++;
      if (this.rejectedLines.length < MAX_LISTED_ISSUES) this.rejectedLines.push(h.line);
    } else {
      statement.positions++;
      // A second line for the same security is found at the end (duplicates()): by SQL over the staged lines, or
      // in a stageless preview by fingerprints.
      const field = match.by === 'description' ? 'description' : match.by === 'custodian-code' || match.by === null ? 'symbol' : KIND_FIELD[match.by];
      if (this.unstaged !== null) {
        // A stageless preview: the stage would serve the repeat check, and the comparison with an earlier
        // snapshot, which needs only the existing securities listed (a planned one cannot be in that snapshot). A
        // security is an id, or a planned one's ticker: fingerprinted as two parts, not joined into one text first.
        const id = security!.id;
        if (id === null) this.unstaged.add(String(statement.index), 'new', security!.ticker);
        else {
          this.unstaged.add(String(statement.index), 'id', String(id));
          if (statement.previousId !== null) (statement.listed ??= new SecurityIdSet()).add(id);
        }
      } else {
        const key = security!.id ?? `new:${security!.ticker}`;
        const staged: StagedPosition = { statement: statement.index, security: key, line: h.line, field };
        if (this.opts.write) {
          // Percent-of-face prices are stored per unit of face, so quantity × price is the value for every row.
          const price = h.price === null ? null : h.priceType === 'percent' ? decimal(big(h.price).div(100)) : h.price;
          staged.quantity = h.quantity;
          staged.price = price;
          staged.marketValue = h.marketValue ?? (price !== null ? money(big(h.quantity).times(big(price))) : null);
          staged.costBasis = h.costBasis;
          staged.quantityType = h.quantityType;
        }
        this.staged.push(staged);
        if (this.staged.length >= STAGE_BATCH) this.stageBatch();
      }
    }
    this.rememberRow(statement, h, match, rejected);
  }

  /** The holding as the preview lists it (the first MAX_PREVIEW_ROWS). */
  private rememberRow(statement: Statement, h: HoldingLine, match: ReturnType<HoldingsImport['match']>, rejected: boolean): void {
    const security = match.security;
    if (this.rows.length < MAX_PREVIEW_ROWS) {
      this.rows.push(ownCopy({
        line: h.line,
        accountId: statement.accountId,
        asOf: statement.asOf,
        ticker: h.identifiers.ticker ?? null,
        isin: h.identifiers.isin ?? null,
        cusip: h.identifiers.cusip ?? null,
        sedol: h.identifiers.sedol ?? null,
        description: h.description,
        quantity: h.quantity,
        quantityType: h.quantityType,
        price: h.price,
        marketValue: h.marketValue,
        currency: h.currency,
        instrumentType: instrumentOf(h).type,
        multiplier: instrumentOf(h).multiplier,
        custodianCode: h.custodianCode?.code ?? null,
        match: { securityId: security?.id ?? null, ticker: security?.ticker ?? null, by: match.by, willCreate: match.willCreate },
        status: rejected ? 'rejected' : 'ok',
      } satisfies PreviewRow));
    }
  }

  cash(statement: Statement, c: CashLine): void {
    if (statement.problem !== null) return;
    if (c.currency !== statement.baseCurrency) {
      // Kept with the snapshot as the file gave it, but not valued: there is no FX conversion yet, and
      // adding USD to EUR as if they were one currency would misstate every weight.
      this.issues.warning(
        c.line,
        'cash',
        `${c.amount} ${c.currency} cash is recorded per currency but not counted in account ${statement.accountId}'s ${statement.baseCurrency} total (Ballast does not convert currencies yet)`,
        c.amount,
      );
    }
    const cash = (statement.cash ??= new Map());
    cash.set(c.currency, (cash.get(c.currency) ?? big(0)).plus(big(c.amount)));
    statement.cashLines++;
  }

  // -------------------------------------------------------------------------------------------------
  // Security matching

  private lookup(kind: SecurityKind, value: string): MatchedSecurity | null {
    const plannedHit = this.planned.get(kind, value);
    if (plannedHit) return plannedHit;
    let record = this.lookups.get(kind)?.get(value);
    if (record === undefined) {
      const s = this.store.securities;
      record =
        kind === 'isin'
          ? s.findByIsin(value)
          : kind === 'cusip'
            ? s.findByCusip(value)
            : kind === 'sedol'
              ? s.findBySedol(value)
              : kind === 'figi'
                ? s.findByFigi(value)
                : s.findByTicker(value);
      this.remember(kind, value, record);
    }
    return record;
  }

  /**
   * Caches a lookup: the master's answer for a kind of key (an identifier, `code` — the import's custodian's codes —
   * or `name`, upper case) and its value. The cache only saves queries (the master is the truth), so it is emptied
   * when it reaches LOOKUP_CACHE entries: a file naming more securities than that does not grow memory with them.
   */
  private remember(kind: SecurityKind | 'code' | 'name', value: string, record: SecurityRecord | null): void {
    if (this.lookupsHeld >= LOOKUP_CACHE) {
      this.lookups.clear();
      this.lookupsHeld = 0;
    }
    let byValue = this.lookups.get(kind);
    if (byValue === undefined) this.lookups.set(kind, (byValue = new Map()));
    if (!byValue.has(value)) this.lookupsHeld++;
    byValue.set(ownCopy(value), record);
  }

  private identifiersOf(h: HoldingLine): Partial<Record<SecurityKind, string>> {
    const ids: Partial<Record<SecurityKind, string>> = {};
    const file: SecurityIdentifiersInFile = h.identifiers;
    for (const kind of SECURITY_KINDS) {
      const raw = file[kind];
      if (raw == null || raw === '') continue;
      const value = kind === 'ticker' ? tickerOf(raw) : raw;
      if (value !== null) ids[kind] = value;
    }
    return ids;
  }

  /** The custodian a code belongs to: the built-in layout's, else the profile's, else the file format's. */
  private get custodian(): string {
    return this.opts.custodian ?? this.opts.profile ?? this.opts.format;
  }

  /** Files the line's custodian code under the security it matched, so the next file matches it directly. */
  private fileCustodianCode(securityId: number, h: HoldingLine): void {
    const code = h.custodianCode?.code;
    if (!code || code.length > 64) return;
    const key = `${this.custodian}\u0000${code}`;
    if (this.filedCodes.has(key)) return;
    this.filedCodes.add(ownCopy(key));
    this.store.securities.addCustodianCode(securityId, this.custodian, code);
    this.remember('code', code, this.store.securities.get(securityId));
  }

  private readonly filedCodes = new Set<string>();

  private lookupCode(code: string): MatchedSecurity | null {
    const planned = this.planned.get('code', code);
    if (planned) return planned;
    let record = this.lookups.get('code')?.get(code);
    if (record === undefined) {
      record = this.store.securities.findByCustodianCode(this.custodian, code);
      this.remember('code', code, record);
    }
    return record;
  }

  private lookupName(name: string): MatchedSecurity | null {
    const key = name.toUpperCase();
    let record = this.lookups.get('name')?.get(key);
    if (record === undefined) {
      record = this.store.securities.findByUniqueName(name);
      this.remember('name', key, record);
    }
    return record;
  }

  private match(h: HoldingLine, fallbackCurrency: string, mayCreate: boolean): {
    security: MatchedSecurity | null;
    by: SecurityKind | 'custodian-code' | 'description' | null;
    willCreate: boolean;
    error: { field: string; reason: string; value?: string } | null;
  } {
    const ids = this.identifiersOf(h);
    for (const kind of SECURITY_KINDS) {
      const value = ids[kind];
      if (value === undefined) continue;
      const found = this.lookup(kind, value);
      if (!found) continue;
      // A weaker identifier matched while a stronger one the file gives points elsewhere: likely a
      // different instrument under a reused ticker, so refuse rather than book it to the wrong one.
      for (let k = 0; SECURITY_KINDS[k] !== kind; k++) {
        const other = SECURITY_KINDS[k]!;
        const fileValue = ids[other];
        const stored = found[other as keyof MatchedSecurity] as string | null;
        if (fileValue !== undefined && stored !== null && stored !== fileValue) {
          return {
            security: null,
            by: null,
            willCreate: false,
            error: {
              field: KIND_FIELD[other],
              reason: `${KIND_LABEL[kind]} ${value} is ${found.ticker} in the securities master, whose ${KIND_LABEL[other]} is ${stored}, but the file gives ${fileValue}`,
              value: fileValue,
            },
          };
        }
      }
      return { security: found, by: kind, willCreate: found.id === null, error: null };
    }
    // A custodian's own code (not a valid ISIN/CUSIP), then — for a line with no usable standard
    // identifier — the description, when exactly one security in the master has that name.
    const code = h.custodianCode?.code;
    if (code) {
      const found = this.lookupCode(code);
      if (found) return { security: found, by: 'custodian-code', willCreate: found.id === null, error: null };
    }
    if (SECURITY_KINDS.every((k) => ids[k] === undefined || k === 'ticker') && ids.ticker === undefined && h.description) {
      const found = this.lookupName(h.description);
      if (found) return { security: found, by: 'description', willCreate: false, error: null };
    }
    const describe = this.describe(h, ids);
    if (!this.opts.createSecurities) {
      const firstKind = SECURITY_KINDS.find((k) => ids[k] !== undefined);
      return {
        security: null,
        by: null,
        willCreate: false,
        error: {
          field: firstKind ? KIND_FIELD[firstKind] : 'description',
          reason: `unknown security ${describe}: not in the securities master — choose to create new securities from the file's descriptions to add it`,
          ...(firstKind ? { value: ids[firstKind]! } : {}),
        },
      };
    }
    if (!mayCreate) return { security: null, by: null, willCreate: true, error: null };
    return this.create(h, ids, describe, fallbackCurrency);
  }

  private describe(h: HoldingLine, ids: Partial<Record<SecurityKind, string>>): string {
    const parts = SECURITY_KINDS.filter((k) => ids[k] !== undefined).map((k) => `${KIND_LABEL[k]} ${ids[k]}`);
    if (h.custodianCode) parts.push(`custodian code ${h.custodianCode.code}`);
    if (h.description) parts.push(`"${h.description}"`);
    return parts.join(', ') || 'without identifiers';
  }

  private tickerTaken(ticker: string): boolean {
    // A planned security's ticker is planned under `ticker:` (create), which lookup reads first.
    return this.lookup('ticker', ticker) !== null;
  }

  private create(h: HoldingLine, ids: Partial<Record<SecurityKind, string>>, describe: string, fallbackCurrency: string) {
    const codeTicker = h.custodianCode ? tickerOf(h.custodianCode.code) : null;
    const candidates = [ids.ticker, ids.isin, ids.cusip, ids.sedol, ids.figi, codeTicker ?? undefined].filter((t): t is string => t !== undefined);
    const ticker = candidates.find((t) => !this.tickerTaken(t));
    if (ticker === undefined) {
      const reason =
        candidates.length === 0
          ? `cannot create a security from ${describe}: the file gives no ticker or identifier`
          : `cannot create a security from ${describe}: ticker ${candidates[0]} belongs to another security and the file gives no other identifier`;
      return { security: null, by: null, willCreate: false, error: { field: 'symbol', reason } };
    }
    const instrument = instrumentOf(h);
    const spec = {
      ticker,
      name: h.description ?? ticker,
      assetClass: assetClassOf(h),
      currency: h.currency ?? fallbackCurrency,
      isin: ids.isin ?? null,
      cusip: ids.cusip ?? null,
      sedol: ids.sedol ?? null,
      figi: ids.figi ?? null,
      instrumentType: instrument?.type ?? null,
      multiplier: instrument?.multiplier ?? null,
      underlying: instrument?.underlying ?? null,
      expiry: instrument?.expiry ?? null,
      strike: instrument?.strike ?? null,
      putCall: instrument?.putCall ?? null,
    };
    let security: MatchedSecurity;
    if (this.opts.write) {
      const record = this.store.securities.ensure(spec).security;
      this.store.audit.append({
        actor: this.opts.actor,
        action: 'security.create',
        entity: 'security',
        entityId: record.id,
        details: { ...spec, source: { importId: this.importId, fileName: this.opts.fileName, line: h.line, securityType: h.securityType } },
      });
      security = record;
      this.fileCustodianCode(record.id, h);
    } else {
      security = ownCopy({ id: null, ...spec });
    }
    this.securitiesCreated++;
    for (const kind of SECURITY_KINDS) {
      const value = kind === 'ticker' ? ticker : ids[kind];
      if (value === undefined) continue;
      // Written: the master has it now, so the cache may forget it; a preview must remember what it would create.
      if (this.opts.write) this.remember(kind, value, security as SecurityRecord);
      else this.planned.set(kind, value, security);
    }
    if (!this.opts.write && h.custodianCode) this.planned.set('code', h.custodianCode.code, security);
    return { security, by: null, willCreate: true, error: null };
  }

  // -------------------------------------------------------------------------------------------------
  // Writing

  private ensureSnapshot(statement: Statement): number {
    if (statement.snapshotId !== null) return statement.snapshotId;
    const accountId = statement.accountId!;
    if (!statement.accountExists) {
      // A file may name a new account on two dates: the first statement written creates (and audits) it.
      if (this.store.accounts.ensure({ id: accountId, name: accountId, baseCurrency: statement.baseCurrency }).created) {
        this.store.audit.append({
          actor: this.opts.actor,
          action: 'account.create',
          entity: 'account',
          entityId: accountId,
          details: { name: accountId, baseCurrency: statement.baseCurrency, source: { importId: this.importId, fileName: this.opts.fileName } },
        });
        statement.createdAccount = true;
      }
      statement.accountExists = true;
    }
    // Created on the first accepted line: a statement whose every line was excluded must not replace
    // the account's existing snapshot with an empty one.
    const { snapshot, superseded } = this.store.positions.createSnapshot({
      accountId,
      asOf: statement.asOf!,
      importId: this.importId,
      cash: '0',
      positions: [],
    });
    statement.snapshotId = snapshot.id;
    statement.supersedes = superseded.length === 0 ? NO_SNAPSHOTS : superseded;
    return snapshot.id;
  }

  private readonly staged: StagedPosition[] = [];
  /** With `stageless`: fingerprints of (statement, security) of the holdings not staged. */
  private readonly unstaged: KeyFingerprints | null;
  /** With `stageless`: the statement the last holding belonged to. */
  private listing: Statement | null = null;
  /** With `stageless`: every statement's lines came in one run so far (see switchListing). */
  private runs = true;
  private readonly listedToTheEnd: number;

  /**
   * A stageless preview moves on to `next`'s lines. Past the first `listedToTheEnd` statements, while statements
   * come in runs, as a file over many accounts lists them, the one left is compared with its earlier snapshot now
   * (the securities it does not list: usually none) and its listed ids are dropped, so a preview holds one
   * statement's ids at a time instead of every statement's to the end (issue 10: 100,000 accounts of 20 holdings
   * each, imported over their snapshots, kept ≈ 33 MB of ids). When a statement's lines come back after another's,
   * its ids are made again from what it did not list (all the comparison asks of them), and from then on every
   * statement keeps its ids to the end.
   */
  private switchListing(next: Statement): void {
    const left = this.listing;
    this.listing = next;
    if (next.missing !== null) {
      this.runs = false;
      const missing = new Set(next.missing);
      const listed = new SecurityIdSet();
      for (const id of this.store.positions.securityIdsOf(next.previousId!)) if (!missing.has(id)) listed.add(id);
      next.listed = listed;
      next.missing = null;
    }
    if (left === null || !this.runs || this.statements.length <= this.listedToTheEnd || left.previousId === null || left.listed === null) return;
    const listed = left.listed;
    const missing = this.store.positions.securityIdsOf(left.previousId).filter((id) => !listed.has(id));
    left.missing = missing.length === 0 ? NO_IDS_MISSING : missing;
    left.listed = null;
  }

  /** Releases what the import holds outside memory (a large preview's fingerprints' scratch file and planned securities). */
  dispose(): void {
    this.unstaged?.dispose();
    this.planned.dispose();
  }

  private stageBatch(): void {
    if (this.staged.length === 0) return;
    this.store.positions.stage(this.staged);
    this.staged.length = 0;
  }

  private duplicatesFound = false;

  /**
   * Once, after the last holding: lines repeating a security an earlier line of the same statement matched,
   * found by SQL over the staged lines — rejected (error at the line, naming the first), and not counted.
   */
  private duplicates(): void {
    if (this.duplicatesFound) return;
    this.duplicatesFound = true;
    if (this.unstaged !== null) {
      // A stageless preview staged nothing: the fingerprints are the whole check.
      if (this.unstaged.hasEqualPair()) throw new StagedPathNeeded('a security listed twice');
      return;
    }
    this.stageBatch();
    this.store.positions.indexStage();
    const counts = this.store.positions.stagedDuplicateCounts();
    if (counts.size === 0) return;
    let total = 0;
    for (const [index, repeats] of counts) {
      this.statements[index]!.positions -= repeats;
      total += repeats;
    }
    this.appRejected += total;
    const listed = this.store.positions.stagedDuplicates(MAX_LISTED_ISSUES);
    const tickers = new Map<number | string, string>();
    const tickerOfKey = (key: number | string): string => {
      let ticker = tickers.get(key);
      if (ticker === undefined) {
        ticker = typeof key === 'string' ? key.replace(/^new:/, '') : (this.store.securities.get(key)?.ticker ?? String(key));
        tickers.set(key, ticker);
      }
      return ticker;
    };
    const lines = new Set<number>();
    for (const d of listed) {
      this.issues.error(d.line, d.field, `${tickerOfKey(d.security)} already appears on line ${d.firstLine} of this statement; list each holding once`);
      lines.add(d.line);
      if (this.rejectedLines.length < MAX_LISTED_ISSUES) this.rejectedLines.push(d.line);
    }
    this.unlistedAppIssues += total - listed.length;
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      if (lines.has(row.line) && row.status !== 'rejected') this.rows[i] = { ...row, status: 'rejected' };
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Results

  /** Every issue, parser's and app's, in line order (stable), capped for display. */
  allIssues(): FileIssue[] {
    const merged = [...this.parserIssues, ...this.appIssues].map((issue, index) => ({ issue, index }));
    merged.sort((a, b) => a.issue.line - b.issue.line || a.index - b.index);
    const list = merged.map((m) => m.issue);
    const unlisted = this.unlistedAppIssues + Math.max(0, list.length - MAX_LISTED_ISSUES);
    const shown = list.slice(0, MAX_LISTED_ISSUES);
    if (unlisted > 0) shown.push({ line: 0, field: '', reason: `${unlisted} more problem${unlisted === 1 ? '' : 's'} not listed`, severity: 'error' });
    return shown;
  }

  /**
   * Data rows the parser refused. File-level problems (no header, no as-of date …) sit on or above the
   * header line: they reject the file, but they are not rows, so they don't inflate the counts.
   */
  private parserRejectedRows(): number {
    const lines = new Set<number>();
    let unlisted = 0;
    // A CSV whose header was not recognised still has it on line 1.
    const headerLine = Number(this.opts.detected['headerLine'] ?? (this.opts.format === 'csv' ? 1 : 0));
    for (const issue of this.parserIssues) {
      if (issue.severity !== 'error') continue;
      if (issue.line !== 0 && issue.line <= headerLine) continue;
      const more = issue.line === 0 ? /^(\d+) more problems? not listed$/.exec(issue.reason) : null;
      if (more) unlisted += Number(more[1]);
      else lines.add(issue.line);
    }
    return lines.size + unlisted;
  }

  private errorCount(): number {
    return this.parserIssues.filter((i) => i.severity === 'error').length + this.appIssues.filter((i) => i.severity === 'error').length + this.unlistedAppIssues;
  }

  private importedStatements(): Statement[] {
    return this.statements.filter((s) => s.problem === null && (s.positions > 0 || s.cashLines > 0));
  }

  /**
   * What the account's previous snapshot has that this statement does not: holdings whose security no
   * line of the file matched (rejected lines included — they will not be in the new snapshot either) and
   * non-zero cash in currencies the file gives no balance for.
   */
  private shrinkage(s: Statement): SnapshotShrinkage {
    if (s.shrinkage !== null) return s.shrinkage;
    const previousId = s.previousId;
    if (previousId === null) return NO_SHRINKAGE;
    const result: SnapshotShrinkage = { holdings: [], cash: [] };
    this.duplicates();
    // The ids first: usually the file lists them all, and the full rows (securities joined, sorted by ticker)
    // of a large snapshot cost ten times as much to read.
    const missing = new Set(
      this.unstaged !== null
        ? (s.missing ?? this.store.positions.securityIdsOf(previousId).filter((id) => !(s.listed?.has(id) ?? false)))
        : this.store.positions.unstagedSecuritiesOf(s.index, previousId),
    );
    if (missing.size > 0) {
      for (const row of this.store.positions.rows(previousId)) {
        if (!missing.has(row.securityId)) continue;
        result.holdings.push({ securityId: row.securityId, ticker: row.ticker, name: row.name, quantity: row.quantity, marketValue: row.marketValue });
      }
    }
    const balances = this.store.positions.cashBalances(previousId) ?? { [s.baseCurrency]: this.store.positions.getSnapshot(previousId)!.cash };
    for (const [currency, amount] of Object.entries(balances)) {
      if (!(s.cash?.has(currency) ?? false) && big(amount).abs().gt(0)) result.cash.push({ currency, amount });
    }
    s.shrinkage = result.holdings.length === 0 && result.cash.length === 0 ? NO_SHRINKAGE : result;
    return s.shrinkage;
  }

  private shrinks(s: Statement): boolean {
    const shrinkage = this.shrinkage(s);
    return shrinkage.holdings.length > 0 || shrinkage.cash.length > 0;
  }

  /** A statement as the preview, the result and the audit describe it. */
  private snapshotOut(s: Statement): ImportedSnapshot {
    const shrinks = this.shrinks(s);
    return {
      accountId: s.accountId!,
      asOf: s.asOf!,
      positions: positionsOf(s),
      cash: cashOut(s),
      snapshotId: s.snapshotId,
      supersedes: [...s.supersedes],
      newAccount: s.newAccount,
      previous: s.previousId === null ? null : { snapshotId: s.previousId, asOf: s.previousAsOf!, positions: this.store.positions.countRows(s.previousId) },
      ...(shrinks ? { disappearing: this.shrinkage(s), mode: this.opts.mode ?? null } : {}),
      ...(s.carriedOver > 0 ? { carriedOver: s.carriedOver } : {}),
    };
  }

  /** A written statement as the import's audit entries name it. */
  private auditedSnapshot(s: Statement) {
    const mode = this.opts.mode ?? null;
    return {
      accountId: s.accountId,
      asOf: s.asOf,
      snapshotId: s.snapshotId,
      positions: positionsOf(s),
      cash: cashOut(s),
      supersededSnapshots: s.supersedes,
      ...(this.shrinks(s) ? { mode, dropped: mode === 'replace' ? this.shrinkage(s) : null, carriedOver: s.carriedOver } : {}),
    };
  }

  /** True when some snapshot would drop what the account has now and the PM has not chosen what to do. */
  private choiceNeeded(): boolean {
    return this.opts.mode === undefined && this.importedStatements().some((s) => this.shrinks(s));
  }

  private shrinkageMessage(): string {
    const shrinking = this.importedStatements().filter((s) => this.shrinks(s));
    const parts = shrinking
      .slice(0, MESSAGE_ACCOUNTS)
      .map((s) => {
        const { holdings, cash } = this.shrinkage(s);
        const names = holdings.slice(0, 8).map((h) => h.ticker).join(', ') + (holdings.length > 8 ? `, and ${holdings.length - 8} more` : '');
        const what = [
          holdings.length > 0 ? `${holdings.length} holding${holdings.length === 1 ? '' : 's'} (${names})` : null,
          cash.length > 0 ? `cash in ${cash.map((c) => `${c.currency} (${c.amount})`).join(', ')}` : null,
        ]
          .filter((x) => x !== null)
          .join(' and ');
        return `account ${s.accountId} has ${what} as of ${s.previousAsOf!} that this file does not list`;
      });
    if (shrinking.length > MESSAGE_ACCOUNTS) parts.push(`and ${shrinking.length - MESSAGE_ACCOUNTS} more accounts`);
    return (
      `${this.opts.fileName}: ${parts.join('; ')}. Choose whether the file is the whole account (replace: what it does not list is gone) ` +
      `or updates only the lines it lists (update: everything else is kept). Nothing was imported.`
    );
  }

  /** Mode "update": the previous snapshot's holdings and cash the file does not mention, carried into the new one. */
  private carryOver(s: Statement): void {
    if (this.opts.mode !== 'update' || s.previousId === null) return;
    const { holdings, cash } = this.shrinkage(s);
    if (holdings.length === 0 && cash.length === 0) return;
    const rows = new Map(this.store.positions.rows(s.previousId).map((r) => [r.securityId, r]));
    const carried: PositionInput[] = [];
    for (const h of holdings) {
      const r = rows.get(h.securityId)!;
      carried.push({ securityId: r.securityId, quantity: r.quantity, price: r.price, marketValue: r.marketValue, costBasis: r.costBasis, quantityType: r.quantityType });
      s.carriedOver++;
    }
    for (const c of cash) (s.cash ??= new Map()).set(c.currency, big(c.amount));
    if (carried.length > 0) this.store.positions.addPositions(this.ensureSnapshot(s), carried);
  }

  private rejectionMessage(rejectedRows: number, issues: FileIssue[]): string {
    const errors = issues.filter((i) => i.severity === 'error' && !(i.line === 0 && /not listed$/.test(i.reason)));
    const shown = errors.slice(0, 3).map((i) => `${i.line > 0 ? `line ${i.line}, ` : ''}${i.field ? `field ${i.field}: ` : ''}${i.reason}`);
    const more = errors.length > 3 ? `; and ${errors.length - 3} more` : '';
    const what =
      this.holdingsSeen > 0 && rejectedRows > 0
        ? `${rejectedRows} row${rejectedRows === 1 ? '' : 's'} rejected`
        : `${errors.length} problem${errors.length === 1 ? '' : 's'}`;
    return `${this.opts.fileName}: ${what}, nothing imported — ${shown.join('; ')}${more}`;
  }

  /** What the PM reviews before confirming. Never throws for bad data. */
  preview(extra: Pick<ImportPreview, 'needsMapping' | 'headers'> & { alreadyImported: boolean }): ImportPreview {
    this.duplicates();
    const issues = this.allIssues();
    const severityByLine = new Map<number, 'error' | 'warning'>();
    for (const issue of issues) if (severityByLine.get(issue.line) !== 'error') severityByLine.set(issue.line, issue.severity);
    const rows = this.rows.map((r) => (r.status === 'ok' && severityByLine.get(r.line) === 'warning' ? { ...r, status: 'warning' as const } : r));
    const parserRejected = this.parserRejectedRows();
    const statements = listStatements(this.importedStatements(), (s) => this.snapshotOut(s));
    return {
      kind: 'positions',
      fileName: this.opts.fileName,
      sha256: this.opts.sha256,
      format: this.opts.format,
      detected: this.opts.detected,
      alreadyImported: extra.alreadyImported,
      statements: statements.listed,
      ...(statements.notListed !== null ? { statementsNotListed: statements.notListed } : {}),
      rows,
      totalRows: this.holdingsSeen + parserRejected,
      rejectedRows: this.appRejected + parserRejected,
      issues,
      prices: null,
      needsMapping: extra.needsMapping,
      headers: extra.headers,
      profile: this.opts.profile,
      choiceNeeded: this.choiceNeeded(),
    };
  }

  /**
   * Completes a write: throws IMPORT_REJECTED (the caller's transaction rolls everything back) when the
   * file has errors and the PM did not accept exclusions, or when nothing would be imported.
   * `progress` hears how many of the statements' writes are done (two per statement: its snapshot, then its cash)
   * every WRITE_PROGRESS_EVERY writes and at the end — a file over 100,000 accounts writes for seconds after its
   * last line is read. What it throws (a cancel) ends the import like any other error: the caller's transaction
   * rolls everything back.
   */
  finish(progress?: (done: number, total: number) => void): ImportResult {
    this.duplicates();
    const issues = this.allIssues();
    const rejectedRows = this.appRejected + this.parserRejectedRows();
    const errors = this.errorCount();
    const statements = this.importedStatements();
    const details = { fileName: this.opts.fileName, format: this.opts.format, rejectedRows, issues };
    if (errors > 0 && !this.opts.allowPartial) {
      const partialHint =
        statements.length > 0 ? ` Fix the file, or accept leaving out the rejected rows to import the others.` : '';
      throw new BallastError('IMPORT_REJECTED', `${this.rejectionMessage(rejectedRows, issues)}.${partialHint}`, details);
    }
    if (statements.length === 0) {
      throw new BallastError(
        'IMPORT_REJECTED',
        errors > 0 ? `${this.rejectionMessage(rejectedRows, issues)}; no holding or cash line is left to import.` : `${this.opts.fileName}: no holdings or cash balances found; nothing imported.`,
        details,
      );
    }
    if (this.choiceNeeded()) {
      throw new BallastError('CONFIRMATION_REQUIRED', this.shrinkageMessage(), {
        fileName: this.opts.fileName,
        choices: ['replace', 'update'],
        snapshots: statements
          .slice(0, MAX_LISTED_STATEMENTS)
          .map((s) => ({ accountId: s.accountId, asOf: s.asOf, previousAsOf: s.previousAsOf, disappearing: this.shrinkage(s) })),
        ...(statements.length > MAX_LISTED_STATEMENTS ? { moreNotListed: statements.length - MAX_LISTED_STATEMENTS } : {}),
      });
    }
    const partial = errors > 0;
    const total = 2 * statements.length;
    let done = 0;
    const step = () => {
      done++;
      if (progress !== undefined && (done % WRITE_PROGRESS_EVERY === 0 || done === total)) progress(done, total);
    };
    progress?.(0, total);
    for (const s of statements) {
      if (s.positions > 0) this.ensureSnapshot(s);
      step();
    }
    // Every statement's holdings at once, before carried-over ones: a carried-over security is one the file does not list.
    this.store.positions.insertStaged(statementSnapshots(statements));
    for (const s of statements) {
      this.carryOver(s);
      this.ensureSnapshot(s);
      // A statement without cash keeps the cash its snapshot was created with (0, no balances): no UPDATE per account.
      if (s.cash !== null) {
        const balances = Object.fromEntries(cashOut(s).map((c) => [c.currency, c.amount]));
        this.store.positions.setCash(s.snapshotId!, decimal(s.cash.get(s.baseCurrency) ?? big(0)), balances);
      }
      step();
    }
    // The first MAX_LISTED_STATEMENTS for the report and the result; all of them for the audit entry (it names every
    // snapshot written), each described as it is added to it rather than all described first.
    const { listed, notListed } = listStatements(statements, (s) => this.snapshotOut(s));
    const listing = { snapshots: listed, ...(notListed !== null ? { snapshotsNotListed: notListed } : {}) };
    const accounts = [...new Set(statements.map((s) => s.accountId!))];
    const dates = [...new Set(statements.map((s) => s.asOf!))];
    const rows = statements.reduce((n, s) => n + positionsOf(s), 0);
    const warnings = issues.filter((i) => i.severity === 'warning').map(({ line, field, reason }) => ({ line, field, reason }));
    const excluded = partial ? Math.max(rejectedRows, 1) : 0;
    const excludedIssues = issues.filter((i) => i.severity === 'error');
    const importId = this.importId!;
    this.store.imports.complete(importId, {
      rows,
      status: partial ? 'partial' : 'imported',
      excluded,
      accountId: accounts.length === 1 ? accounts[0]! : null,
      report: { detected: this.opts.detected, profile: this.opts.profile, ...listing, warnings, excluded: partial ? excludedIssues : [] },
    });
    // The audit names every snapshot written and every account created: the import's entry the first AUDIT_PART
    // statements, and entries of their own ('import.positions.snapshots') the next AUDIT_PART each, built and appended
    // one after the other. One entry naming 100,000 snapshots was 13 MB of text and took 80 MB to build (issue 10).
    const parts = Math.ceil(statements.length / AUDIT_PART);
    const part = (index: number) => {
      const some = statements.slice(index * AUDIT_PART, (index + 1) * AUDIT_PART);
      return { snapshots: some.map((s) => this.auditedSnapshot(s)), accountsCreated: some.filter((s) => s.createdAccount).map((s) => s.accountId!) };
    };
    const first = part(0);
    this.store.audit.append({
      actor: this.opts.actor,
      action: 'import.positions',
      entity: 'import',
      entityId: importId,
      details: {
        fileName: this.opts.fileName,
        sha256: this.opts.sha256,
        format: this.opts.format,
        profile: this.opts.profile,
        positions: rows,
        snapshots: first.snapshots,
        securitiesCreated: this.securitiesCreated,
        accountsCreated: first.accountsCreated,
        excluded,
        ...(parts > 1 ? { continued: { entries: parts - 1, snapshots: statements.length - AUDIT_PART } } : {}),
      },
    });
    for (let index = 1; index < parts; index++) {
      this.store.audit.append({
        actor: this.opts.actor,
        action: 'import.positions.snapshots',
        entity: 'import',
        entityId: importId,
        details: { fileName: this.opts.fileName, sha256: this.opts.sha256, part: index + 1, of: parts, ...part(index) },
      });
    }
    if (partial) {
      // The PM accepted leaving these out; the audit says exactly which, so the gap can be traced later.
      this.store.audit.append({
        actor: this.opts.actor,
        action: 'import.partial',
        entity: 'import',
        entityId: importId,
        details: {
          fileName: this.opts.fileName,
          sha256: this.opts.sha256,
          excludedRows: excluded,
          exclusions: excludedIssues.map(({ line, field, reason }) => ({ line, field, reason })),
        },
      });
    }
    return {
      importId,
      kind: 'positions',
      fileName: this.opts.fileName,
      sha256: this.opts.sha256,
      format: this.opts.format,
      status: 'imported',
      rows,
      securitiesCreated: this.securitiesCreated,
      warnings,
      accountId: accounts.length === 1 ? accounts[0]! : null,
      asOf: dates.length === 1 ? dates[0]! : null,
      excluded,
      ...listing,
    };
  }
}
