import { AccountId, type AssetClass, type ImportedSnapshot, type ImportPreview, type ImportResult, type PreviewRow } from '../../shared/domain';
import { BallastError, type FileIssue } from '../../shared/errors';
import type { CashLine, HoldingLine, SecurityIdentifiersInFile } from '../io/holdings';
import type { PositionInput, SecurityRecord, Store } from '../store';
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
}

/** Listed issues beyond this are summarised: a report of 200 000 lines helps nobody. */
export const MAX_LISTED_ISSUES = 1000;
export const MAX_PREVIEW_ROWS = 500;
/** Rows written per INSERT batch. */
const BATCH = 2000;
const SECURITY_KINDS = ['isin', 'cusip', 'sedol', 'figi', 'ticker'] as const;
type SecurityKind = (typeof SECURITY_KINDS)[number];
const KIND_LABEL: Record<SecurityKind, string> = { isin: 'ISIN', cusip: 'CUSIP', sedol: 'SEDOL', figi: 'FIGI', ticker: 'ticker' };
/** The field name a PM finds in the report for each identifier. */
const KIND_FIELD: Record<SecurityKind, string> = { isin: 'isin', cusip: 'cusip', sedol: 'sedol', figi: 'figi', ticker: 'symbol' };

interface MatchedSecurity {
  /** null only in a preview, for a security the import would create. */
  id: number | null;
  ticker: string;
  currency: string;
  isin: string | null;
  cusip: string | null;
  sedol: string | null;
  figi: string | null;
}

interface Statement {
  key: string;
  /** null when the statement cannot be imported (its problem is reported once, at `line`). */
  accountId: string | null;
  asOf: string | null;
  line: number;
  problem: string | null;
  baseCurrency: string;
  accountExists: boolean;
  snapshotId: number | null;
  supersedes: number[];
  positions: number;
  cash: Map<string, Big>;
  cashLines: number;
  bySecurity: Map<number | string, number>;
  pending: PositionInput[];
}

export interface IssueSink {
  error(line: number, field: string, reason: string, value?: string): void;
  warning(line: number, field: string, reason: string, value?: string): void;
}

/** Tickers in the master are printable ASCII without spaces (see 0001-init.sql). */
function tickerOf(raw: string): string | null {
  const t = raw.trim().toUpperCase().replace(/\s+/g, '.');
  return t.length >= 1 && t.length <= 32 && /^[!-~]+$/.test(t) ? t : null;
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

export class HoldingsImport {
  private readonly store: Store;
  private readonly opts: HoldingsImportOptions;
  private readonly statements = new Map<string, Statement>();
  private readonly byFileKey = new Map<string, Statement>();
  private readonly lookups = new Map<string, SecurityRecord | null>();
  /** Securities created (write) or to be created (preview), by `kind:value`. */
  private readonly planned = new Map<string, MatchedSecurity>();
  private readonly plannedTickers = new Set<string>();
  private readonly appIssues: FileIssue[] = [];
  private parserIssues: FileIssue[] = [];
  private unlistedAppIssues = 0;
  private readonly rows: PreviewRow[] = [];
  private holdingsSeen = 0;
  private appRejected = 0;
  private readonly rejectedLines: number[] = [];
  private securitiesCreated = 0;
  private readonly accountsCreated: string[] = [];
  private importId: number | null = null;

  constructor(store: Store, opts: HoldingsImportOptions) {
    this.store = store;
    this.opts = opts;
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
    this.appIssues.push(issue);
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
    const fileKey = `${fileAccount ?? ''}\u0000${fileAsOf ?? ''}`;
    const known = this.byFileKey.get(fileKey);
    if (known) return known;
    let problem: string | null = null;
    let field = 'account';
    const given = this.opts.accountId;
    let accountId: string | null = null;
    if (fileAccount !== null && given !== undefined && fileAccount !== given) {
      problem = `the file is for account ${fileAccount}, not ${given}; leave the account out to import it as ${fileAccount}`;
    } else if (fileAccount === null && given === undefined) {
      problem = 'the file names no account; choose the account to import it into (--account <id>)';
    } else {
      accountId = given ?? fileAccount;
      if (accountId !== null && !AccountId.safeParse(accountId).success) {
        problem = `account "${accountId}" cannot be used as a Ballast account id (letters, digits, dot, dash or underscore, up to 64)`;
      }
    }
    let asOf = fileAsOf;
    if (problem === null) {
      field = 'asOf';
      if (asOf !== null && this.opts.asOf !== undefined && asOf !== this.opts.asOf) {
        problem = `the file says its holdings are as of ${asOf}, but ${this.opts.asOf} was given`;
      } else if (asOf === null) {
        asOf = this.opts.asOf ?? null;
        if (asOf === null) problem = 'the file gives no as-of date for these holdings; give the date they are as of (--as-of YYYY-MM-DD)';
      }
    }
    // The parsers report a statement without a date themselves; say it once.
    const reported = field === 'asOf' && this.parserIssues.some((i) => i.severity === 'error' && i.field === 'asOf' && /no (as-of )?date|has no date/.test(i.reason));
    if (problem !== null && !reported) this.issues.error(line, field, problem);
    // Keyed by what the holdings will be recorded under, so two parts of a file that land on the same
    // account and date become one snapshot instead of the second silently superseding the first.
    const key = problem === null ? `${accountId}\u0000${asOf}` : `problem\u0000${fileKey}`;
    let statement = this.statements.get(key);
    if (!statement) {
      const account = problem === null ? this.store.accounts.get(accountId!) : null;
      statement = {
        key,
        accountId: problem === null ? accountId : null,
        asOf: problem === null ? asOf : null,
        line,
        problem,
        baseCurrency: account?.baseCurrency ?? currencyHint ?? 'USD',
        accountExists: account !== null,
        snapshotId: null,
        supersedes: [],
        positions: 0,
        cash: new Map(),
        cashLines: 0,
        bySecurity: new Map(),
        pending: [],
      };
      if (statement.accountId !== null && statement.asOf !== null) {
        const live = this.store.positions.liveSnapshot(statement.accountId, statement.asOf);
        if (live) statement.supersedes = [live.id];
      }
      this.statements.set(key, statement);
    }
    this.byFileKey.set(fileKey, statement);
    return statement;
  }

  holding(statement: Statement, h: HoldingLine): void {
    this.holdingsSeen++;
    // Matched even when the statement cannot be imported, so the report names every unknown security at
    // once; nothing is created for a statement that will not be written.
    const match = this.match(h, statement.baseCurrency, statement.problem === null);
    let rejected = statement.problem !== null || match.security === null;
    if (match.error) this.issues.error(h.line, match.error.field, match.error.reason, match.error.value);
    const security = match.security;
    if (security && !rejected) {
      const key = security.id ?? `new:${security.ticker}`;
      const earlier = statement.bySecurity.get(key);
      if (earlier !== undefined) {
        this.issues.error(h.line, KIND_FIELD[match.by ?? 'ticker'], `${security.ticker} already appears on line ${earlier} of this statement; list each holding once`);
        rejected = true;
      } else {
        statement.bySecurity.set(key, h.line);
      }
      if (!rejected && h.currency !== null && h.currency !== security.currency) {
        this.issues.warning(h.line, 'currency', `the file gives ${h.currency} but ${security.ticker} is a ${security.currency} security in the master`, h.currency);
      }
    }
    if (rejected) {
      this.appRejected++;
      if (this.rejectedLines.length < MAX_LISTED_ISSUES) this.rejectedLines.push(h.line);
    } else {
      statement.positions++;
      if (this.opts.write) {
        // Percent-of-face prices are stored per unit of face, so quantity × price is the value for every row.
        const price = h.price === null ? null : h.priceType === 'percent' ? decimal(big(h.price).div(100)) : h.price;
        statement.pending.push({
          securityId: security!.id!,
          quantity: h.quantity,
          price,
          marketValue: h.marketValue ?? (price !== null ? money(big(h.quantity).times(big(price))) : null),
          costBasis: h.costBasis,
          quantityType: h.quantityType,
        });
        if (statement.pending.length >= BATCH) this.flush(statement);
      }
    }
    if (this.rows.length < MAX_PREVIEW_ROWS) {
      this.rows.push({
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
        match: { securityId: security?.id ?? null, ticker: security?.ticker ?? null, by: match.by, willCreate: match.willCreate },
        status: rejected ? 'rejected' : 'ok',
      });
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
        `${c.amount} ${c.currency} cash is recorded but not counted in account ${statement.accountId}'s ${statement.baseCurrency} value (Ballast does not convert currencies yet)`,
        c.amount,
      );
    }
    statement.cash.set(c.currency, (statement.cash.get(c.currency) ?? big(0)).plus(big(c.amount)));
    statement.cashLines++;
  }

  // -------------------------------------------------------------------------------------------------
  // Security matching

  private lookup(kind: SecurityKind, value: string): MatchedSecurity | null {
    const plannedHit = this.planned.get(`${kind}:${value}`);
    if (plannedHit) return plannedHit;
    const key = `${kind}:${value}`;
    let record = this.lookups.get(key);
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
      this.lookups.set(key, record);
    }
    return record;
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

  private match(h: HoldingLine, fallbackCurrency: string, mayCreate: boolean): {
    security: MatchedSecurity | null;
    by: SecurityKind | null;
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
      const strongerThan = SECURITY_KINDS.slice(0, SECURITY_KINDS.indexOf(kind));
      for (const other of strongerThan) {
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
    const describe = this.describe(h, ids);
    if (!this.opts.createSecurities) {
      const firstKind = SECURITY_KINDS.find((k) => ids[k] !== undefined);
      return {
        security: null,
        by: null,
        willCreate: false,
        error: {
          field: firstKind ? KIND_FIELD[firstKind] : 'description',
          reason: `unknown security ${describe} — pass createSecurities (--create-securities) or tick "create" to add it from the file`,
          ...(firstKind ? { value: ids[firstKind]! } : {}),
        },
      };
    }
    if (!mayCreate) return { security: null, by: null, willCreate: true, error: null };
    return this.create(h, ids, describe, fallbackCurrency);
  }

  private describe(h: HoldingLine, ids: Partial<Record<SecurityKind, string>>): string {
    const parts = SECURITY_KINDS.filter((k) => ids[k] !== undefined).map((k) => `${KIND_LABEL[k]} ${ids[k]}`);
    if (h.description) parts.push(`"${h.description}"`);
    return parts.join(', ') || 'without identifiers';
  }

  private tickerTaken(ticker: string): boolean {
    return this.plannedTickers.has(ticker) || this.lookup('ticker', ticker) !== null;
  }

  private create(h: HoldingLine, ids: Partial<Record<SecurityKind, string>>, describe: string, fallbackCurrency: string) {
    const candidates = [ids.ticker, ids.isin, ids.cusip, ids.sedol, ids.figi].filter((t): t is string => t !== undefined);
    const ticker = candidates.find((t) => !this.tickerTaken(t));
    if (ticker === undefined) {
      const reason =
        candidates.length === 0
          ? `cannot create a security from ${describe}: the file gives no ticker or identifier`
          : `cannot create a security from ${describe}: ticker ${candidates[0]} belongs to another security and the file gives no other identifier`;
      return { security: null, by: null, willCreate: false, error: { field: 'symbol', reason } };
    }
    const spec = {
      ticker,
      name: h.description ?? ticker,
      assetClass: assetClassFromType(h.securityType, h.quantityType),
      currency: h.currency ?? fallbackCurrency,
      isin: ids.isin ?? null,
      cusip: ids.cusip ?? null,
      sedol: ids.sedol ?? null,
      figi: ids.figi ?? null,
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
      this.lookups.set(`ticker:${ticker}`, record);
    } else {
      security = { id: null, ...spec };
    }
    this.securitiesCreated++;
    this.plannedTickers.add(ticker);
    for (const kind of SECURITY_KINDS) {
      const value = kind === 'ticker' ? ticker : ids[kind];
      if (value !== undefined) this.planned.set(`${kind}:${value}`, security);
    }
    return { security, by: null, willCreate: true, error: null };
  }

  // -------------------------------------------------------------------------------------------------
  // Writing

  private ensureSnapshot(statement: Statement): number {
    if (statement.snapshotId !== null) return statement.snapshotId;
    const accountId = statement.accountId!;
    if (!statement.accountExists) {
      this.store.accounts.ensure({ id: accountId, name: accountId, baseCurrency: statement.baseCurrency });
      this.store.audit.append({
        actor: this.opts.actor,
        action: 'account.create',
        entity: 'account',
        entityId: accountId,
        details: { name: accountId, baseCurrency: statement.baseCurrency, source: { importId: this.importId, fileName: this.opts.fileName } },
      });
      statement.accountExists = true;
      this.accountsCreated.push(accountId);
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
    statement.supersedes = superseded;
    return snapshot.id;
  }

  private flush(statement: Statement): void {
    if (statement.pending.length === 0) return;
    const id = this.ensureSnapshot(statement);
    this.store.positions.addPositions(id, statement.pending);
    statement.pending = [];
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
    return [...this.statements.values()].filter((s) => s.problem === null && (s.positions > 0 || s.cashLines > 0));
  }

  private snapshotsOut(): ImportedSnapshot[] {
    return this.importedStatements().map((s) => ({
      accountId: s.accountId!,
      asOf: s.asOf!,
      positions: s.positions,
      cash: [...s.cash.entries()].map(([currency, amount]) => ({ currency, amount: decimal(amount) })),
      snapshotId: s.snapshotId,
      supersedes: s.supersedes,
    }));
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
    const issues = this.allIssues();
    const severityByLine = new Map<number, 'error' | 'warning'>();
    for (const issue of issues) if (severityByLine.get(issue.line) !== 'error') severityByLine.set(issue.line, issue.severity);
    const rows = this.rows.map((r) => (r.status === 'ok' && severityByLine.get(r.line) === 'warning' ? { ...r, status: 'warning' as const } : r));
    const parserRejected = this.parserRejectedRows();
    return {
      kind: 'positions',
      fileName: this.opts.fileName,
      sha256: this.opts.sha256,
      format: this.opts.format,
      detected: this.opts.detected,
      alreadyImported: extra.alreadyImported,
      statements: this.snapshotsOut(),
      rows,
      totalRows: this.holdingsSeen + parserRejected,
      rejectedRows: this.appRejected + parserRejected,
      issues,
      prices: null,
      needsMapping: extra.needsMapping,
      headers: extra.headers,
      profile: this.opts.profile,
    };
  }

  /**
   * Completes a write: throws IMPORT_REJECTED (the caller's transaction rolls everything back) when the
   * file has errors and the PM did not accept exclusions, or when nothing would be imported.
   */
  finish(): ImportResult {
    const issues = this.allIssues();
    const rejectedRows = this.appRejected + this.parserRejectedRows();
    const errors = this.errorCount();
    const statements = this.importedStatements();
    const details = { fileName: this.opts.fileName, format: this.opts.format, rejectedRows, issues };
    if (errors > 0 && !this.opts.allowPartial) {
      const partialHint =
        statements.length > 0 ? ` Fix the file, or accept leaving out the rejected rows (allowPartial, --allow-partial) to import the others.` : '';
      throw new BallastError('IMPORT_REJECTED', `${this.rejectionMessage(rejectedRows, issues)}.${partialHint}`, details);
    }
    if (statements.length === 0) {
      throw new BallastError(
        'IMPORT_REJECTED',
        errors > 0 ? `${this.rejectionMessage(rejectedRows, issues)}; no holding or cash line is left to import.` : `${this.opts.fileName}: no holdings or cash balances found; nothing imported.`,
        details,
      );
    }
    const partial = errors > 0;
    for (const s of statements) {
      this.flush(s);
      this.ensureSnapshot(s);
      const balances = Object.fromEntries([...s.cash.entries()].map(([currency, amount]) => [currency, decimal(amount)]));
      this.store.positions.setCash(s.snapshotId!, decimal(s.cash.get(s.baseCurrency) ?? big(0)), s.cash.size > 0 ? balances : null);
    }
    const snapshots = this.snapshotsOut();
    const accounts = [...new Set(snapshots.map((s) => s.accountId))];
    const dates = [...new Set(snapshots.map((s) => s.asOf))];
    const rows = snapshots.reduce((n, s) => n + s.positions, 0);
    const warnings = issues.filter((i) => i.severity === 'warning').map(({ line, field, reason }) => ({ line, field, reason }));
    const excluded = partial ? Math.max(rejectedRows, 1) : 0;
    const excludedIssues = issues.filter((i) => i.severity === 'error');
    const importId = this.importId!;
    this.store.imports.complete(importId, {
      rows,
      status: partial ? 'partial' : 'imported',
      excluded,
      accountId: accounts.length === 1 ? accounts[0]! : null,
      report: { detected: this.opts.detected, profile: this.opts.profile, snapshots, warnings, excluded: partial ? excludedIssues : [] },
    });
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
        snapshots: snapshots.map((s) => ({ accountId: s.accountId, asOf: s.asOf, snapshotId: s.snapshotId, positions: s.positions, cash: s.cash, supersededSnapshots: s.supersedes })),
        securitiesCreated: this.securitiesCreated,
        accountsCreated: this.accountsCreated,
        excluded,
      },
    });
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
      snapshots,
    };
  }
}
