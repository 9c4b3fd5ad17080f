import type { ImportResult } from '../../shared/domain';
import { BallastError, type FileIssue } from '../../shared/errors';
import { assertNoErrors, parsePositionsCsv, parsePricesCsv, warningsIn, type PositionsCsv, type PricesCsv } from '../io';
import type { JobContext } from '../jobs/protocol';
import type { Store } from '../store';
import type { AppContext } from './context';
import type { CallContext } from './dispatch';
import { sha256Hex } from './files';
import { big, money } from './money';
import { requireAsOfDate } from './portfolio';

const PROGRESS_EVERY = 5_000;

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

function checkCancelled(signal: { readonly aborted: boolean }): void {
  if (signal.aborted) throw new BallastError('CANCELLED', 'Import cancelled; nothing was changed.');
}

function alreadyImported(store: Store, sha256: string, fileName: string): ImportResult | null {
  const existing = store.imports.findBySha256(sha256);
  if (!existing || existing.status !== 'imported') return null;
  return {
    importId: existing.id,
    kind: existing.kind,
    fileName,
    sha256,
    format: existing.format,
    status: 'already_imported',
    rows: existing.rows,
    securitiesCreated: 0,
    warnings: [],
    accountId: existing.accountId,
    asOf: null,
  };
}

const warningRows = (issues: readonly FileIssue[]) => warningsIn(issues).map(({ line, field, reason }) => ({ line, field, reason }));

/**
 * Writes a parsed price file. Must run inside `store.transaction` (the caller decides how much else
 * belongs to the same all-or-nothing unit, e.g. the demo load). Tickers not yet known become
 * securities named after the ticker; their details can be completed later.
 */
export function writePrices(store: Store, parsed: PricesCsv, meta: { fileName: string; sha256: string; actor: string }, job?: Pick<JobContext, 'progress' | 'signal'>): ImportResult {
  const warnings = warningRows(parsed.issues);
  const record = store.imports.insert({
    kind: 'prices',
    fileName: meta.fileName,
    sha256: meta.sha256,
    format: parsed.format,
    rows: parsed.rows.length,
    report: { warnings, tickers: parsed.tickers, dateRange: parsed.dateRange },
  });
  let created = 0;
  const ids = new Map<string, number>();
  for (const ticker of parsed.tickers) {
    const r = store.securities.ensure({ ticker, name: ticker, assetClass: 'other', currency: 'USD' });
    if (r.created) created++;
    ids.set(ticker, r.security.id);
  }
  const total = parsed.rows.length;
  let done = 0;
  for (let start = 0; start < total; start += PROGRESS_EVERY) {
    if (job) checkCancelled(job.signal);
    const chunk = parsed.rows.slice(start, start + PROGRESS_EVERY);
    store.prices.insertMany(
      chunk.map((r) => ({ securityId: ids.get(r.ticker)!, date: r.date, close: r.close, adjClose: r.adjClose, volume: r.volume, importId: record.id })),
    );
    done += chunk.length;
    job?.progress('Writing prices', done, total);
  }
  store.audit.append({
    actor: meta.actor,
    action: 'import.prices',
    entity: 'import',
    entityId: record.id,
    details: { fileName: meta.fileName, sha256: meta.sha256, format: parsed.format, rows: total, tickers: parsed.tickers.length, securitiesCreated: created, dateRange: parsed.dateRange },
  });
  return {
    importId: record.id,
    kind: 'prices',
    fileName: meta.fileName,
    sha256: meta.sha256,
    format: parsed.format,
    status: 'imported',
    rows: total,
    securitiesCreated: created,
    warnings,
    accountId: null,
    asOf: parsed.dateRange?.to ?? null,
  };
}

/** Resolves every line's symbol to a known security or rejects the file naming each unknown one. */
function resolveSecurities(store: Store, parsed: PositionsCsv, fileName: string): Map<number, number> {
  const issues: FileIssue[] = [];
  const byLine = new Map<number, number>();
  for (const row of parsed.rows) {
    const security = store.securities.find({ ticker: row.symbol });
    if (security) byLine.set(row.line, security.id);
    else issues.push({ line: row.line, field: 'symbol', reason: `unknown security "${row.symbol}": import its price history first`, severity: 'error', value: row.symbol });
  }
  assertNoErrors(fileName, issues);
  return byLine;
}

export function writePositions(
  store: Store,
  parsed: PositionsCsv,
  meta: { fileName: string; sha256: string; actor: string; accountId: string; asOf: string },
): ImportResult {
  const securityByLine = resolveSecurities(store, parsed, meta.fileName);
  const warnings = warningRows(parsed.issues);
  const accountCreated = store.accounts.ensure({ id: meta.accountId, name: meta.accountId, baseCurrency: 'USD' }).created;
  const record = store.imports.insert({
    kind: 'positions',
    fileName: meta.fileName,
    sha256: meta.sha256,
    format: parsed.format,
    rows: parsed.rows.length,
    accountId: meta.accountId,
    report: { warnings, asOf: meta.asOf, cash: parsed.cash },
  });
  const { snapshot, superseded } = store.positions.createSnapshot({
    accountId: meta.accountId,
    asOf: meta.asOf,
    importId: record.id,
    cash: parsed.cash,
    positions: parsed.rows.map((r) => ({
      securityId: securityByLine.get(r.line)!,
      quantity: r.quantity,
      price: r.price,
      marketValue: r.price !== null ? money(big(r.quantity).times(big(r.price))) : null,
    })),
  });
  store.audit.append({
    actor: meta.actor,
    action: 'import.positions',
    entity: 'import',
    entityId: record.id,
    details: {
      fileName: meta.fileName,
      sha256: meta.sha256,
      accountId: meta.accountId,
      asOf: meta.asOf,
      positions: parsed.rows.length,
      cash: parsed.cash,
      snapshotId: snapshot.id,
      supersededSnapshots: superseded,
      accountCreated,
    },
  });
  return {
    importId: record.id,
    kind: 'positions',
    fileName: meta.fileName,
    sha256: meta.sha256,
    format: parsed.format,
    status: 'imported',
    rows: parsed.rows.length,
    securitiesCreated: 0,
    warnings,
    accountId: meta.accountId,
    asOf: meta.asOf,
  };
}

export interface ImportFileInput {
  fileName: string;
  contentBase64: string;
  actor: string;
}

/** Decodes an upload; a file already imported (same SHA-256) is answered from its record and changes nothing. */
function receive(store: Store, input: ImportFileInput, job: JobContext): { bytes: Buffer; sha256: string; again: ImportResult | null } {
  const bytes = Buffer.from(input.contentBase64, 'base64');
  const sha256 = sha256Hex(bytes);
  const again = alreadyImported(store, sha256, input.fileName);
  if (!again) job.progress('Reading file', 0, 1);
  return { bytes, sha256, again };
}

/** Job: parse and import a price file, all rows or nothing. */
export function importPricesJob(store: Store, input: ImportFileInput, job: JobContext): ImportResult {
  const { bytes, sha256, again } = receive(store, input, job);
  if (again) return again;
  const parsed = parsePricesCsv(bytes, input.fileName);
  assertNoErrors(input.fileName, parsed.issues);
  if (parsed.rows.length === 0) throw new BallastError('IMPORT_REJECTED', `${input.fileName}: no price rows found.`, { fileName: input.fileName, issues: [] });
  return store.transaction(() => writePrices(store, parsed, { fileName: input.fileName, sha256, actor: input.actor }, job));
}

/** Job: parse and import a positions file for one account, all rows or nothing. */
export function importPositionsJob(store: Store, input: ImportFileInput & { accountId: string; asOf?: string }, job: JobContext): ImportResult {
  requireAsOfDate(input.asOf);
  const { bytes, sha256, again } = receive(store, input, job);
  if (again) return again;
  const parsed = parsePositionsCsv(bytes, input.fileName);
  assertNoErrors(input.fileName, parsed.issues);
  if (parsed.asOf && input.asOf && parsed.asOf !== input.asOf) {
    throw new BallastError('BAD_INPUT', `${input.fileName} says its positions are as of ${parsed.asOf}, but ${input.asOf} was given.`);
  }
  const asOf = parsed.asOf ?? input.asOf ?? todayUtc();
  checkCancelled(job.signal);
  return store.transaction(() => writePositions(store, parsed, { fileName: input.fileName, sha256, actor: input.actor, accountId: input.accountId, asOf }));
}

export function importHandlers(ctx: AppContext) {
  /** Runs an import job on the pool for the calling transport, then tells subscribers what changed. */
  const viaJob =
    <I extends object>(kind: 'import.prices' | 'import.positions', changed: 'imports' | 'portfolio') =>
    async (input: I, call: CallContext): Promise<ImportResult> => {
      const result = (await ctx.jobs.run(kind, { ...input, actor: ctx.actor }, ctx.dbPath, { signal: call.signal, onProgress: call.progress })) as ImportResult;
      ctx.emit({ type: 'state-changed', entity: changed });
      return result;
    };
  return {
    'imports.prices': viaJob<{ fileName: string; contentBase64: string }>('import.prices', 'imports'),
    'imports.positions': viaJob<{ accountId: string; fileName: string; contentBase64: string; asOf?: string }>('import.positions', 'portfolio'),
    'imports.list': () =>
      ctx.store.imports.list().map(({ id, kind, fileName, sha256, format, status, rows, accountId, createdAt }) => ({ id, kind, fileName, sha256, format, status, rows, accountId, createdAt })),
  };
}
