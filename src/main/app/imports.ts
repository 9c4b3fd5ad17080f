import { MAX_LISTED_STATEMENTS, type CustodianProfile, type ImportMode, type ImportPreview, type ImportResult, type PositionFormat } from '../../shared/domain';
import { BallastError, type FileIssue } from '../../shared/errors';
import { binaryFileKind, detectPositionFormat } from '../io/detect';
import { parseIbkrActivityCsv } from '../io/ibkr-csv';
import { ownCopy, type CashLine, type HoldingLine, type HoldingsFile, type PositionFileFormat } from '../io/holdings';
import type { HoldingsStreamOptions, HoldingsStreamReader } from '../io/holdings-stream';
import { createIbkrFlexReader, parseIbkrFlex } from '../io/ibkr-flex';
import { FirstLines, keyFingerprint } from '../io/key-fingerprints';
import { createMt535Reader, parseMt535 } from '../io/mt535';
import { createOfxReader, parseOfx } from '../io/ofx';
import { createCustodianCsvReader, parseCustodianCsv, type CustodianCsvResult, type IdentifierKey } from '../io/custodian-csv';
import { createPricesCsvReader, type PricesCsv } from '../io/prices-csv';
import { errorsIn, MAX_LISTED_ERRORS, warningsIn } from '../io/report';
import { createSemt002Reader, parseSemt002 } from '../io/semt002';
import type { JobContext } from '../jobs/protocol';
import type { PriceInput, Store } from '../store';
import { fileFingerprints } from './files';
import { HoldingsImport, MAX_LISTED_ISSUES, StagedPathNeeded, stringPool } from './holdings-import';
import { requireAsOfDate } from './portfolio';
import { openSource, sha256Of, type FileSource, type OpenedSource } from './sources';
import { WAITING_STEP } from './import-handlers';

const PROGRESS_EVERY = 5_000;

type Job = Pick<JobContext, 'progress' | 'signal'>;

function checkCancelled(signal: { readonly aborted: boolean }): void {
  if (signal.aborted) throw new BallastError('CANCELLED', 'Import cancelled; nothing was changed.');
}

/** HoldingsImport.finish's progress: reported as a step of the job, which may be cancelled there too (all is rolled back). */
function writingSnapshots(job: Job): (done: number, total: number) => void {
  return (done, total) => {
    job.progress('Writing snapshots', done, total);
    checkCancelled(job.signal);
  };
}

function alreadyImported(store: Store, sha256: string, fileName: string): ImportResult | null {
  const existing = store.imports.findBySha256(sha256);
  if (!existing || (existing.status !== 'imported' && existing.status !== 'partial')) return null;
  const written = existing.kind === 'positions' ? store.positions.snapshotsOfImport(existing.id) : [];
  // Listed like a new import's (the first MAX_LISTED_STATEMENTS), the rest summed: the import's rows are its positions.
  const snapshots = written.slice(0, MAX_LISTED_STATEMENTS).map((s) => ({
    accountId: s.accountId,
    asOf: s.asOf,
    positions: store.positions.countRows(s.id),
    cash: [],
    snapshotId: s.id,
    supersedes: [],
  }));
  const notListed =
    written.length > snapshots.length
      ? { statements: written.length - snapshots.length, positions: existing.rows - snapshots.reduce((n, s) => n + s.positions, 0), disappearing: 0, newAccounts: 0 }
      : null;
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
    asOf: written.length === 1 ? written[0]!.asOf : null,
    excluded: existing.excluded,
    snapshots,
    ...(notListed !== null ? { snapshotsNotListed: notListed } : {}),
  };
}

/** Reports, through the job's progress channel, how many seconds an import has waited for its turn to write. */
function waitingForWriter(job: Job): (waitedMs: number) => void {
  return (waitedMs) => {
    checkCancelled(job.signal);
    job.progress(WAITING_STEP, Math.round(waitedMs / 1000), 0);
  };
}

const warningRows = (issues: readonly FileIssue[]) =>
  warningsIn(issues)
    .slice(0, MAX_LISTED_ISSUES)
    .map(({ line, field, reason }) => ({ line, field, reason }));

// ---------------------------------------------------------------------------------------------------
// Prices

/**
 * Writes price observations with their import record and audit row. Must run inside `store.transaction`
 * (the caller decides how much else belongs to the same all-or-nothing unit, e.g. the demo load).
 * Tickers not yet known become securities named after the ticker; their details can be completed later.
 */
function writePriceObservations(
  store: Store,
  parsed: Pick<PricesCsv, 'format' | 'tickers' | 'dateRange' | 'issues'> & { detected?: unknown },
  meta: { fileName: string; sha256: string; actor: string },
  total: number,
  /** Writes the rows of import `importId` (tickers as securities by then): a loop over parsed rows, or the staged file at once. */
  writeRows: (importId: number, securityIds: ReadonlyMap<string, number>) => void,
): ImportResult {
  const warnings = warningRows(parsed.issues);
  const record = store.imports.insert({
    kind: 'prices',
    fileName: meta.fileName,
    sha256: meta.sha256,
    format: parsed.format,
    rows: total,
    report: { warnings, tickers: parsed.tickers, dateRange: parsed.dateRange, ...(parsed.detected ? { detected: parsed.detected } : {}) },
  });
  let created = 0;
  const ids = new Map<string, number>();
  for (const ticker of parsed.tickers) {
    const r = store.securities.ensure({ ticker, name: ticker, assetClass: 'other', currency: 'USD' });
    if (r.created) created++;
    ids.set(ticker, r.security.id);
  }
  writeRows(record.id, ids);
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
    excluded: 0,
    snapshots: [],
  };
}

/** A price file parsed in memory (the bundled demo); see writePriceObservations. */
export function writePrices(store: Store, parsed: PricesCsv, meta: { fileName: string; sha256: string; actor: string }, job?: Job): ImportResult {
  const total = parsed.rows.length;
  return writePriceObservations(store, parsed, meta, total, (importId, ids) => {
    let done = 0;
    let batch: PriceInput[] = [];
    const write = () => {
      store.prices.insertMany(batch);
      batch = [];
      if (job) checkCancelled(job.signal);
      job?.progress('Writing prices', done, total);
    };
    for (const o of parsed.rows) {
      batch.push({ securityId: ids.get(o.ticker)!, date: o.date, close: o.close, adjClose: o.adjClose, volume: o.volume, importId });
      if (++done % PROGRESS_EVERY === 0) write();
    }
    write();
  });
}

function rejectPrices(fileName: string, parsed: PricesCsv): void {
  const errors = parsed.issues.filter((i) => i.severity === 'error');
  if (errors.length === 0 && parsed.observations > 0) return;
  if (errors.length === 0) throw new BallastError('IMPORT_REJECTED', `${fileName}: no price rows found; nothing imported.`, { fileName, issues: parsed.issues });
  const shown = errors.slice(0, 3).map((i) => `${i.line > 0 ? `line ${i.line}, ` : ''}${i.field ? `field ${i.field}: ` : ''}${i.reason}`);
  throw new BallastError('IMPORT_REJECTED', `${fileName}: ${errors.length} problem${errors.length === 1 ? '' : 's'}, nothing imported — ${shown.join('; ')}${errors.length > 3 ? '; …' : ''}`, {
    fileName,
    issues: parsed.issues,
  });
}

export interface PricesJobInput {
  fileName: string;
  source: FileSource;
  actor: string;
}

/**
 * Streams a price file into the connection's temp table (no lock on the database while the file is
 * read), so problems are known before anything is written; returns the reader's summary.
 */
function stagePrices(store: Store, opened: OpenedSource, fileName: string, job: Job): PricesCsv {
  store.prices.clearStage();
  return store.staging.batch(() => {
    const reader = createPricesCsvReader({
      fileName,
      // Typed rows in the prices' own scratch table (no JSON per row); repeats are found there by SQL.
      onRows: (batch) => store.prices.stage(batch),
      findDuplicates: (limit) => {
        // One grouping pass answers the usual "none"; only a file with repeats pays for listing them.
        const count = store.prices.stagedDuplicateCount();
        return { rows: count > 0 ? store.prices.stagedDuplicates(limit) : [], count };
      },
    });
    opened.forEachChunk((chunk, bytes) => {
      checkCancelled(job.signal);
      reader.push(chunk);
      job.progress('Reading file', bytes, opened.size);
    });
    return reader.end();
  });
}

/** Job: parse and import a price file, all rows or nothing. */
export function importPricesJob(store: Store, input: PricesJobInput, job: JobContext): ImportResult {
  const opened = openSource(input.source);
  try {
    const sha256 = sha256Of(opened, (bytes) => job.progress('Checking file', bytes, opened.size));
    const again = alreadyImported(store, sha256, input.fileName);
    if (again) return again;
    checkCancelled(job.signal);
    const parsed = stagePrices(store, opened, input.fileName, job);
    rejectPrices(input.fileName, parsed);
    checkCancelled(job.signal);
    const total = parsed.observations;
    // The staged rows go in with one INSERT … SELECT: the commit runs at SQLite's speed, not row by row.
    const writeStaged = (importId: number) => {
      job.progress('Writing prices', 0, total);
      store.prices.insertStaged(importId);
      job.progress('Writing prices', total, total);
    };
    return store.transaction(
      // The same file imported at the same moment by another process: whoever writes second learns it here.
      () => alreadyImported(store, sha256, input.fileName) ?? writePriceObservations(store, parsed, { fileName: input.fileName, sha256, actor: input.actor }, total, writeStaged),
      { onWait: waitingForWriter(job) },
    );
  } finally {
    store.prices.clearStage();
    opened.close();
  }
}

/**
 * A price file read for its preview without parking its rows (issue 10): a preview writes nothing, and the
 * staging served only to find repeated ticker-and-date rows. Fingerprints rule repeats out; when one may
 * exist, null — the caller reads the file again the staged way, which names each repeat and its first line.
 */
function readPricesUnstaged(opened: OpenedSource, fileName: string, job: Job): PricesCsv | null {
  const fingerprints = fileFingerprints();
  let repeats = false;
  const reader = createPricesCsvReader({
    fileName,
    onRows: (batch) => {
      for (const row of batch) fingerprints.add(row.ticker, row.date, '');
    },
    findDuplicates: () => {
      repeats = fingerprints.hasEqualPair();
      return { rows: [], count: 0 };
    },
  });
  try {
    opened.forEachChunk((chunk, bytes) => {
      checkCancelled(job.signal);
      reader.push(chunk);
      job.progress('Reading file', bytes, opened.size);
    });
    const parsed = reader.end();
    return repeats ? null : parsed;
  } finally {
    fingerprints.dispose();
  }
}

function previewPrices(store: Store, input: { fileName: string; source: FileSource }, job: JobContext, paths: CsvPaths = {}): ImportPreview {
  const opened = openSource(input.source);
  try {
    const sha256 = sha256Of(opened, (bytes) => job.progress('Checking file', bytes, opened.size));
    const parsed = (paths.direct === false ? null : readPricesUnstaged(opened, input.fileName, job)) ?? stagePrices(store, opened, input.fileName, job);
    const errorLines = new Set(parsed.issues.filter((i) => i.severity === 'error').map((i) => i.line));
    return {
      kind: 'prices',
      fileName: input.fileName,
      sha256,
      format: parsed.format,
      detected: { layout: parsed.format === 'prices-wide' ? 'wide (date + one column per ticker)' : 'long (date, ticker, close …)', ...parsed.detected },
      alreadyImported: alreadyImported(store, sha256, input.fileName) !== null,
      statements: [],
      rows: [],
      totalRows: parsed.observations + errorLines.size,
      rejectedRows: errorLines.size,
      issues: parsed.issues.slice(0, MAX_LISTED_ISSUES),
      prices: parsed.dateRange ? { tickers: parsed.tickers, from: parsed.dateRange.from, to: parsed.dateRange.to, rows: parsed.observations } : null,
      needsMapping: false,
      headers: null,
      profile: null,
    };
  } finally {
    store.prices.clearStage();
    opened.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Positions

export interface PositionsJobInput {
  fileName: string;
  source: FileSource;
  accountId?: string;
  format?: PositionFormat;
  profile?: string;
  asOf?: string;
  allowPartial?: boolean;
  createSecurities?: boolean;
  /** See HoldingsImportOptions.mode / createAccount (issue 9). */
  mode?: ImportMode;
  createAccount?: boolean;
  actor: string;
}

const WHOLE_FILE_PARSERS: Record<Exclude<PositionFileFormat, 'csv'>, (bytes: Uint8Array, fileName: string) => HoldingsFile> = {
  ofx: parseOfx,
  'ibkr-flex': parseIbkrFlex,
  'ibkr-csv': parseIbkrActivityCsv,
  mt535: parseMt535,
  semt002: parseSemt002,
};

/** Bytes of a CSV's start read to find its header, and so the profile saved for that header. */
const HEADER_SNIFF_BYTES = 16 * 1024;

/** A parsed (or, for CSV, staged) holdings file, ready to be fed to a HoldingsImport. */
interface PreparedPositions {
  format: PositionFileFormat;
  detected: Record<string, string>;
  profile: CustodianProfile | null;
  needsMapping: boolean;
  headers: string[] | null;
  /** Feeds every statement, holding and cash line, and the parser's report, to the import. */
  feed(consumer: HoldingsImport, job: Job): void;
}

function chooseFormat(opened: OpenedSource, requested: PositionFormat | undefined): { format: PositionFileFormat; reason: string } {
  if (requested !== undefined && requested !== 'auto') return { format: requested, reason: 'chosen by the user' };
  return detectPositionFormat(opened.head(64 * 1024));
}

/** The profile named by the PM, else the one saved for this file's header (found on the file's first bytes). */
function profileFor(store: Store, opened: OpenedSource, input: PositionsJobInput): { profile: CustodianProfile | null; how: string | null } {
  if (input.profile !== undefined) {
    const named = store.custodianProfiles.get(input.profile);
    if (!named) {
      const known = store.custodianProfiles.list().map((p) => p.name);
      throw new BallastError('NOT_FOUND', `There is no custodian profile "${input.profile}".${known.length ? ` Profiles: ${known.join(', ')}.` : ''}`);
    }
    return { profile: named, how: 'chosen by the user' };
  }
  const head = parseCustodianCsv(opened.head(HEADER_SNIFF_BYTES), input.fileName);
  const saved = head.headerSignature ? store.custodianProfiles.findBySignature(head.headerSignature) : null;
  return saved ? { profile: saved, how: 'saved for this header' } : { profile: null, how: null };
}

type ProfileChoice = ReturnType<typeof profileFor>;

/** The custodian CSV reader's options both ways of reading a file share (its profile, date, base currency). */
function custodianReaderOptions(store: Store, input: PositionsJobInput, { profile }: ProfileChoice) {
  return {
    fileName: input.fileName,
    ...(profile ? { profile } : {}),
    ...(input.asOf !== undefined ? { asOf: input.asOf } : {}),
    baseCurrency: (input.accountId ? store.accounts.get(input.accountId)?.baseCurrency : undefined) ?? 'USD',
  };
}

/** What a read CSV says of itself, for the import and its report. */
function csvDescription(result: CustodianCsvResult, reason: string, { profile, how }: ProfileChoice): CsvDescription {
  return {
    format: 'csv',
    detected: { format: reason, ...result.detected, ...(profile ? { profile: `${profile.name} (${how})` } : {}) },
    profile,
    needsMapping: result.needsMapping,
    headers: result.headers,
  };
}

/**
 * How the import opens a statement: at its first holding or cash line (the header when it has neither), in the
 * first cash line's currency, else its first holding's.
 */
function statementOpening(firstCash: CashLine | null | undefined, first: { line: number; currency?: string | null } | undefined, headerLine: number) {
  const line = Math.min(first?.line ?? Number.MAX_SAFE_INTEGER, firstCash?.line ?? Number.MAX_SAFE_INTEGER);
  return { line: line === Number.MAX_SAFE_INTEGER ? headerLine : line, hint: firstCash?.currency ?? first?.currency ?? null };
}

/**
 * Streams a custodian CSV: the reader gets the file in chunks and hands on holdings in batches, which
 * are parked in the connection's temp table; statements (account, date, cash) and the report come at
 * the end, and then the parked lines are replayed in file order. Nothing holds every line in memory.
 */
function prepareCsv(store: Store, opened: OpenedSource, input: PositionsJobInput, reason: string, job: Job, chosen: ProfileChoice): PreparedPositions {
  store.staging.clear();
  // Each account's first holding, as much as its statement's opening needs (statementOpening): a file may name
  // 100,000 accounts, and the whole holding was ≈ 0.4 KB each (issue 10).
  const firsts = new Map<string, { line: number; currency: string | null }>();
  const currency = stringPool();
  const result = store.staging.batch(() => {
    const reader = createCustodianCsvReader({
      ...custodianReaderOptions(store, input, chosen),
      batchSize: 1000,
      onHoldings: (batch) => {
        for (const holding of batch) {
          const group = holding.accountId ?? '';
          if (!firsts.has(group)) firsts.set(group, { line: holding.line, currency: currency(holding.currency ?? null) });
          // Staged under its account, without the accountId key (no copy of each holding to drop it).
          store.staging.add(group, holding, 'accountId');
        }
      },
      // Repeated holdings are found by SQL over the staged keys, not a map per holding (issue 10).
      duplicates: {
        add: (keys) => store.staging.addKeys(keys),
        repeats: () => store.staging.repeatedKeys() as Iterable<IdentifierKey>,
      },
    });
    opened.forEachChunk((chunk, bytes) => {
      checkCancelled(job.signal);
      reader.push(chunk);
      job.progress('Reading file', bytes, opened.size);
    });
    return reader.end();
  });
  return {
    ...csvDescription(result, reason, chosen),
    feed(consumer, feedJob) {
      consumer.addParserIssues(result.issues);
      const headerLine = Number(result.detected.headerLine ?? 1);
      const statements = new Map<string, ReturnType<HoldingsImport['statementFor']>>();
      for (const s of result.statements) {
        const first = firsts.get(s.accountId ?? '');
        if (first === undefined && s.cash.length === 0) continue;
        const { line, hint } = statementOpening(s.cash[0], first, headerLine);
        statements.set(s.accountId ?? '', consumer.statementFor(s.accountId, s.asOf, line, hint));
      }
      const total = store.staging.count();
      let done = 0;
      for (const { group, payload } of store.staging.replay()) {
        const statement = statements.get(group ?? '');
        if (statement === undefined) throw new BallastError('INTERNAL', `${input.fileName}: a holding of account "${group}" has no statement.`);
        if (result.repeatedLines?.has((payload as HoldingLine).line) === true) continue;
        consumer.holding(statement, payload as HoldingLine);
        if (++done % PROGRESS_EVERY === 0) {
          checkCancelled(feedJob.signal);
          feedJob.progress('Importing holdings', done, total);
        }
      }
      for (const s of result.statements) for (const c of s.cash) consumer.cash(statements.get(s.accountId ?? '')!, c);
      feedJob.progress('Importing holdings', total, total);
    },
  };
}

/** The file's parts of a PreparedPositions, for a CSV read straight into the import. */
type CsvDescription = Omit<PreparedPositions, 'feed'>;

/** Bytes pushed to the reader between two progress reports and cancel checks of readCsvDirect. */
const DIRECT_SLICE = 64 * 1024;

/**
 * The fast path for a custodian CSV (issue 10): holdings go from the reader straight into the import as
 * they are read — no parking each line in the scratch table and reading it back (a fifth of an import's
 * time). It applies when every statement's facts are known when its first holding is read, which is what
 * real files do (the date and account on every line, or above the header). The import must then be the
 * one the staged path (prepareCsv) gives: so this path checks, at its first holding and at the end, each
 * fact the staged path would only learn later — the statement's date, line and currency, the order the
 * statements open in, repeated lines, a statement with a problem, more issues than are listed — and
 * throws StagedPathNeeded when one differs; the caller then discards everything (the write transaction
 * rolls back; a preview wrote nothing) and reads the file again the staged way.
 *
 * `consumer` makes the import from the file's description as far as it is known before the first holding
 * (the layout's custodian, needed to match custodian codes, is).
 */
function readCsvDirect(
  store: Store,
  opened: OpenedSource,
  input: PositionsJobInput,
  reason: string,
  chosen: ProfileChoice,
  consumer: (description: CsvDescription) => HoldingsImport,
  job: Job,
  paths: CsvPaths = {},
): { consumer: HoldingsImport; description: CsvDescription } {
  const fingerprints = fileFingerprints();
  // Repeats found as the lines are read (a repeated line is the commonest flaw of a file that is otherwise fine): each
  // key's first line, by fingerprint, up to FirstLines' limit; a line whose key is there is left out and reported at
  // once, and confirmed at the end by reading the file once more (confirmRepeats). While the table holds every key it
  // finds every repeat. Once it is full it is closed: its keys go to the fingerprints, and so does every later key —
  // except a line's only key that the table holds, which is a repeat of the line the table gives, as before it was
  // full (the line with a repeat a quarter of the way into a 2,000,000-row file; the table holds the first 262,144
  // keys). Once more repeats were found than are listed, it stops looking altogether. A repeat the fingerprints find
  // at the end sends the file the staged way.
  // Sized for the file at the start (about one key per 64 bytes: a line of 60–100 bytes names one or two identifiers).
  const firstLines = new FirstLines(paths.repeatKeys, opened.size / 64);
  const fingerprintOf = paths.repeatFingerprint ?? keyFingerprint;
  let looking = true;
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    firstLines.forEachFingerprint((fingerprint) => fingerprints.addFingerprint(fingerprint));
  };
  const stopLooking = () => {
    looking = false;
    close();
  };
  const hits: Repeat[] = [];
  const repeatOf = (key: IdentifierKey, earlier: number) => {
    hits.push({ group: key.group, kind: key.kind, value: ownCopy(key.value), line: key.line, earlier });
    return { key, earlier };
  };
  // The importer made here (a stageless preview's holds fingerprints of its own) is released if this throws.
  const made: HoldingsImport[] = [];
  const make = (description: CsvDescription): HoldingsImport => {
    const c = consumer(description);
    made.push(c);
    return c;
  };
  let importer: HoldingsImport | null = null;
  let custodian: string | null = null;
  let needed: string | null = null;
  // One per account until the file's end, flat: a file may name 100,000 accounts.
  type Opened = { statement: ReturnType<HoldingsImport['statementFor']>; asOf: string; line: number; hint: string | null; firstLine: number; firstCurrency: string | null };
  const opens = new Map<string, Opened>();
  const currency = stringPool();
  const reader = createCustodianCsvReader({
    ...custodianReaderOptions(store, input, chosen),
    batchSize: paths.batchSize ?? 1000,
    onHoldings: (batch) => {
      // A file this path cannot take is noted and thrown between chunks (StagedPathNeeded), with the reader between
      // lines; what the import throws here (a store that cannot write) reaches push()'s caller as it is (CallerFailure).
      if (needed !== null) return;
      if (importer === null) {
        // The rest of the description is known at the end (describeFile); the custodian, at the header.
        custodian = reader.custodian;
        const detected = { format: reason, ...(custodian !== null ? { custodian } : {}) };
        importer = make({ format: 'csv', detected, profile: chosen.profile, needsMapping: false, headers: null });
      }
      for (const holding of batch) {
        const group = holding.accountId ?? '';
        let open = opens.get(group);
        if (open === undefined) {
          const facts = reader.statementSoFar(holding.accountId);
          if (facts === null || facts.asOf === null) {
            needed = 'a statement whose date is not known at its first holding';
            return;
          }
          // As prepareCsv opens it, from what the reader has seen so far (checked against the whole file at the end).
          const { line, hint } = statementOpening(facts.firstCash, holding, 0);
          const statement = importer.statementFor(holding.accountId, facts.asOf, line, hint);
          if (statement.problem !== null) {
            needed = 'a statement with a problem';
            return;
          }
          open = { statement, asOf: facts.asOf, line, hint: currency(hint), firstLine: holding.line, firstCurrency: currency(holding.currency ?? null) };
          opens.set(group, open);
        }
        importer.holding(open.statement, holding);
      }
    },
    // Repeats not found as the lines are read are ruled out by fingerprints of the identifiers (the table's, and every
    // key's once it stopped looking); a possible one sends the file the staged way, which names them exactly.
    duplicates: {
      check: (keys) => {
        if (looking && hits.length >= MAX_LISTED_ERRORS) stopLooking();
        if (!looking) {
          for (const key of keys) fingerprints.addFingerprint(fingerprintOf(key.group, key.kind, key.value));
          return null;
        }
        if (keys.length === 1) {
          // The usual line: one identifier, looked up and kept in one walk of the table. Once it is closed, looked up
          // only: the table holds the key's first line (nothing is kept from a repeat), so what it finds is exactly
          // what the staged path would.
          const key = keys[0]!;
          const fingerprint = fingerprintOf(key.group, key.kind, key.value);
          const earlier = open ? firstLines.lineOrAdd(fingerprint, key.line) : firstLines.lineOf(fingerprint);
          if (earlier >= 0) return repeatOf(key, earlier);
          if (!open || firstLines.full) {
            // Not kept: the table is full.
            fingerprints.addFingerprint(fingerprint);
            close();
          }
          return null;
        }
        if (!open) {
          // A line of several keys, once the table is closed: the staged path's rule takes them in order (ISIN before
          // the symbol), and an earlier one may be past what the table holds, so they all go to the fingerprints.
          for (const key of keys) fingerprints.addFingerprint(fingerprintOf(key.group, key.kind, key.value));
          return null;
        }
        // A line is a repeat when any of its keys was on an earlier line; only then are they kept.
        const table = keys.map((key) => fingerprintOf(key.group, key.kind, key.value));
        for (let i = 0; i < keys.length; i++) {
          const earlier = firstLines.lineOf(table[i]!);
          if (earlier >= 0) return repeatOf(keys[i]!, earlier);
        }
        let kept = 0;
        while (kept < keys.length && firstLines.add(table[kept]!, keys[kept]!.line)) kept++;
        for (let i = kept; i < keys.length; i++) fingerprints.addFingerprint(table[i]!);
        if (firstLines.full) close();
        return null;
      },
      repeats: () => {
        if (fingerprints.hasEqualPair()) needed = 'a repeated identifier';
        return [];
      },
    },
  });
  try {
    // Reading is importing here: progress and cancelling every DIRECT_SLICE bytes, not every chunk of the file.
    opened.forEachChunk((chunk, bytes) => {
      const start = bytes - chunk.length;
      for (let at = 0; at < chunk.length; at += DIRECT_SLICE) {
        checkCancelled(job.signal);
        const slice = chunk.subarray(at, Math.min(chunk.length, at + DIRECT_SLICE));
        reader.push(slice);
        if (needed !== null) throw new StagedPathNeeded(needed);
        job.progress('Importing holdings', start + at + slice.length, opened.size);
      }
    });
    const result = reader.end();
    checkCancelled(job.signal);
    const fail = (why: string): never => {
      throw new StagedPathNeeded(why);
    };
    if (needed !== null) fail(needed);
    if (result.repeatedLines !== undefined && result.repeatedLines.size > 0) fail('repeated holdings');
    if (hits.length > 0) {
      // The staged path reports repeats after every other problem of the file: with more problems than are listed, the
      // ones listed would differ.
      if (errorsIn(result.issues).length >= MAX_LISTED_ERRORS) fail('repeated identifiers among more problems than are listed');
      if (!confirmRepeats(store, opened, input, chosen, hits, job)) fail('a repeated identifier the fingerprints could not confirm');
    }
    if (importer !== null && (result.detected.custodian ?? null) !== custodian) fail('the layout changed after the first holding');
    const description = csvDescription(result, reason, chosen);
    const target: HoldingsImport = importer ?? make(description);
    target.describeFile(description.detected);
    target.addParserIssues(result.issues);
    // The statements prepareCsv would open, in its order, with its line and currency: the ones opened here must be them.
    const order = [...opens.keys()];
    let next = 0;
    // By account, the statements that have cash lines: their cash is fed to them below.
    const withCash = new Map<string, ReturnType<HoldingsImport['statementFor']>>();
    const headerLine = Number(result.detected.headerLine ?? 1);
    for (const s of result.statements) {
      const group = s.accountId ?? '';
      const open = opens.get(group);
      if (open === undefined && s.cash.length === 0) continue;
      const { line, hint } = statementOpening(s.cash[0], open === undefined ? undefined : { line: open.firstLine, currency: open.firstCurrency }, headerLine);
      if (open !== undefined) {
        if (order[next] !== group) fail('statements open in another order');
        if (open.asOf !== s.asOf || open.line !== line) fail('a statement\'s date or first line changed');
        // The currency only names a new account's; an existing account has its own.
        if (open.hint !== hint && open.statement.newAccount) fail('a new account\'s currency changed');
        next++;
        if (s.cash.length > 0) withCash.set(group, open.statement);
      } else {
        if (next < order.length) fail('a cash-only statement before a statement with holdings');
        const statement = target.statementFor(s.accountId, s.asOf, line, hint);
        if (statement.problem !== null) fail('a statement with a problem');
        withCash.set(group, statement);
      }
    }
    if (next !== order.length) fail('holdings outside the statements the file has');
    for (const s of result.statements) for (const c of s.cash) target.cash(withCash.get(s.accountId ?? '')!, c);
    if (target.issuesOverflowed) fail('more problems than are listed');
    return { consumer: target, description };
  } catch (error) {
    for (const c of made) c.dispose();
    throw error;
  } finally {
    fingerprints.dispose();
  }
}

/** A line the direct path left out as a repeat: its key (`value` of `kind` in statement `group`) and the line it was first on. */
interface Repeat {
  group: string;
  kind: IdentifierKey['kind'];
  value: string;
  line: number;
  earlier: number;
}

/**
 * Whether each repeat the direct path found by fingerprint is one: reads the file again as far as the last line the
 * repeats name as their first, keeping those lines' keys, and compares. Fingerprints of different keys collide about
 * once in 2⁵³ pairs; a collision, or anything else that differs, makes this false.
 */
function confirmRepeats(store: Store, opened: OpenedSource, input: PositionsJobInput, chosen: ProfileChoice, repeats: readonly Repeat[], job: Job): boolean {
  const firsts = new Map<number, IdentifierKey[]>(repeats.map((r) => [r.earlier, []]));
  // Lines whose keys are still to come: the reading stops when there are none.
  let waiting = firsts.size;
  const reader = createCustodianCsvReader({
    ...custodianReaderOptions(store, input, chosen),
    onHoldings: () => undefined,
    duplicates: {
      add: (keys) => {
        for (const key of keys) {
          const kept = firsts.get(key.line);
          if (kept === undefined) continue;
          if (kept.length === 0) waiting--;
          kept.push({ ...key, value: ownCopy(key.value) });
        }
      },
      repeats: () => [],
    },
  });
  opened.forEachChunk((chunk, bytes) => {
    checkCancelled(job.signal);
    reader.push(chunk);
    job.progress('Checking repeated lines', bytes, opened.size);
    return waiting > 0;
  });
  if (waiting > 0) reader.end();
  return repeats.every((r) => firsts.get(r.earlier)!.some((k) => k.group === r.group && k.kind === r.kind && k.value === r.value));
}

/** The file's format (chosen or detected), after refusing what is not text at all. */
function positionFileFormat(opened: OpenedSource, input: PositionsJobInput): { format: PositionFileFormat; reason: string } {
  // A workbook, PDF or other binary file stops here, in words — never in the column-mapping editor.
  const binary = binaryFileKind(opened.head(4096));
  if (binary !== null) {
    throw new BallastError('IMPORT_REJECTED', `${input.fileName} is ${binary}, not a text file Ballast can read. Export the positions from the custodian as CSV (or OFX, MT535, semt.002) and import that file.`, {
      fileName: input.fileName,
      issues: [{ line: 1, field: '', reason: `the file is ${binary}, not text`, severity: 'error' }],
    });
  }
  return chooseFormat(opened, input.format);
}

function preparePositions(
  store: Store,
  opened: OpenedSource,
  input: PositionsJobInput,
  job: Job,
  chosen: { format: PositionFileFormat; reason: string },
  profile: ProfileChoice | null = null,
): PreparedPositions {
  if (chosen.format === 'csv') return prepareCsv(store, opened, input, chosen.reason, job, profile ?? profileFor(store, opened, input));
  if (input.profile !== undefined) throw new BallastError('BAD_INPUT', `Custodian profiles map CSV columns; ${input.fileName} is ${chosen.format}, which names its own fields.`);
  const streamed = STREAMED_READERS[chosen.format];
  if (streamed !== undefined) return prepareStreamed(store, opened, input, chosen, streamed, job);
  job.progress('Reading file', 0, opened.size);
  const file = WHOLE_FILE_PARSERS[chosen.format](opened.readAll(), input.fileName);
  job.progress('Reading file', opened.size, opened.size);
  return {
    format: chosen.format,
    detected: { format: chosen.reason, ...file.detected },
    profile: null,
    needsMapping: false,
    headers: null,
    feed: (consumer, feedJob) => feedHoldings(consumer, file, feedJob),
  };
}

/**
 * Structured formats read as a stream (issue 10): no size cap, the file never whole in memory. Each
 * holding is parked in the connection's temp table as its element (MT535: its message) completes;
 * statements (account, date, cash, notes) and the report come at the end; then the holdings are replayed
 * in file order. A file the reader refuses as a whole (malformed or cut short XML, an MT535 cut inside a
 * message …) replays nothing: the report has its error.
 */
const STREAMED_READERS: Partial<Record<PositionFileFormat, (fileName: string, options: HoldingsStreamOptions) => HoldingsStreamReader>> = {
  'ibkr-flex': createIbkrFlexReader,
  semt002: createSemt002Reader,
  mt535: createMt535Reader,
  ofx: createOfxReader,
};

function prepareStreamed(
  store: Store,
  opened: OpenedSource,
  input: PositionsJobInput,
  chosen: { format: PositionFileFormat; reason: string },
  createReader: (fileName: string, options: HoldingsStreamOptions) => HoldingsStreamReader,
  job: Job,
): PreparedPositions {
  store.staging.clear();
  const firsts = new Map<number, { line: number; currency: string | null }>();
  const file = store.staging.batch(() => {
    const reader = createReader(input.fileName, {
      onHolding: (statement, holding) => {
        const first = firsts.get(statement);
        if (first === undefined) firsts.set(statement, { line: holding.line, currency: holding.currency });
        else if (first.currency === null) first.currency = holding.currency;
        store.staging.add(String(statement), holding);
      },
    });
    const readAll = (step: string) =>
      opened.forEachChunk((chunk, bytes) => {
        checkCancelled(job.signal);
        reader.push(chunk);
        job.progress(step, bytes, opened.size);
      });
    readAll('Reading file');
    // OFX reads the file twice: its security list, which names the positions, comes after them.
    if (reader.rewind?.() === true) readAll('Reading positions');
    return reader.end();
  });
  if (file.fatal) store.staging.clear();
  return {
    format: chosen.format,
    detected: { format: chosen.reason, ...file.detected },
    profile: null,
    needsMapping: false,
    headers: null,
    feed(consumer, feedJob) {
      consumer.addParserIssues(file.issues);
      // As feedHoldings: a statement opens at its first holding or cash line, then its holdings, then its cash.
      const openStatements = new Map<number, ReturnType<HoldingsImport['statementFor']>>();
      let at = -1;
      const advanceTo = (index: number) => {
        for (; at < index; ) {
          const previous = openStatements.get(at);
          if (previous !== undefined) for (const c of file.statements[at]!.cash) consumer.cash(previous, c);
          at++;
          const s = file.statements[at];
          const first = firsts.get(at);
          if (s === undefined || (first === undefined && s.cash.length === 0)) continue;
          const line = Math.min(first?.line ?? Number.MAX_SAFE_INTEGER, s.cash[0]?.line ?? Number.MAX_SAFE_INTEGER);
          openStatements.set(at, consumer.statementFor(s.accountId, s.asOf, line, s.cash[0]?.currency ?? first?.currency ?? null));
        }
      };
      const total = file.fatal ? 0 : store.staging.count();
      let done = 0;
      if (!file.fatal) {
        for (const { group, payload } of store.staging.replay()) {
          // Pages of one semt.002 statement may come after another statement's: an earlier index is already open.
          const index = Number(group);
          advanceTo(index);
          consumer.holding(openStatements.get(index)!, payload as HoldingLine);
          if (++done % PROGRESS_EVERY === 0) {
            checkCancelled(feedJob.signal);
            feedJob.progress('Importing holdings', done, total);
          }
        }
      }
      advanceTo(file.statements.length);
      checkCancelled(feedJob.signal);
      feedJob.progress('Importing holdings', total, total);
    },
  };
}

/** Feeds a parsed holdings file to the import, checking for cancellation as it goes. */
export function feedHoldings(consumer: HoldingsImport, file: HoldingsFile, job?: Job): void {
  consumer.addParserIssues(file.issues);
  const total = file.statements.reduce((n, s) => n + s.holdings.length, 0);
  let done = 0;
  for (const s of file.statements) {
    if (s.holdings.length === 0 && s.cash.length === 0) continue;
    const line = Math.min(s.holdings[0]?.line ?? Number.MAX_SAFE_INTEGER, s.cash[0]?.line ?? Number.MAX_SAFE_INTEGER);
    const hint = s.cash[0]?.currency ?? s.holdings.find((h) => h.currency !== null)?.currency ?? null;
    const statement = consumer.statementFor(s.accountId, s.asOf, line, hint);
    for (const h of s.holdings) {
      consumer.holding(statement, h);
      if (++done % PROGRESS_EVERY === 0 && job) {
        checkCancelled(job.signal);
        job.progress('Importing holdings', done, total);
      }
    }
    for (const c of s.cash) consumer.cash(statement, c);
  }
  if (job) {
    checkCancelled(job.signal);
    job.progress('Importing holdings', total, total);
  }
}

function consumerOptions(input: PositionsJobInput, parsed: CsvDescription, sha256: string, write: boolean) {
  return {
    fileName: input.fileName,
    sha256,
    actor: input.actor,
    format: parsed.format,
    detected: parsed.detected,
    accountId: input.accountId,
    asOf: input.asOf,
    allowPartial: input.allowPartial === true,
    createSecurities: input.createSecurities === true,
    profile: parsed.profile?.name ?? null,
    write,
    mode: input.mode,
    createAccount: input.createAccount === true,
    custodian: parsed.detected.custodian ?? parsed.profile?.name ?? null,
  };
}

/**
 * Which way a CSV goes (tests compare the two): `direct: false` keeps a positions file, and a price file's
 * preview, on the staged path; `onStaged` hears why a positions file the direct path began went the staged way.
 */
export interface CsvPaths {
  direct?: boolean;
  /** Holdings the reader hands on at a time (1000): 1 makes every fact the direct path checks arrive late. */
  batchSize?: number;
  /** Keys the direct path keeps to find repeats as it reads (FirstLines' limit); 0: none, a repeat goes the staged way. */
  repeatKeys?: number;
  /** The fingerprint the direct path finds repeats by, as it reads and at the end (a test makes keys collide). */
  repeatFingerprint?: (group: string, kind: string, value: string) => number;
  /** Statements of a direct preview that keep the ids they list to the end (see HoldingsImport.switchListing). */
  listedToTheEnd?: number;
  onStaged?: (why: string) => void;
}

/** Job: import a holdings file (any format), all rows or nothing — or minus the exclusions the PM accepted. */
export function importPositionsJob(store: Store, input: PositionsJobInput, job: JobContext, paths: CsvPaths = {}): ImportResult {
  requireAsOfDate(input.asOf);
  const opened = openSource(input.source);
  try {
    const sha256 = sha256Of(opened, (bytes) => job.progress('Reading file', bytes, opened.size));
    const again = alreadyImported(store, sha256, input.fileName);
    if (again) return again;
    checkCancelled(job.signal);
    const chosen = positionFileFormat(opened, input);
    const profile = chosen.format === 'csv' ? profileFor(store, opened, input) : null;
    if (profile !== null && paths.direct !== false) {
      // Read straight into the import inside the write transaction (other writers wait their turn, saying so);
      // a file the fast path cannot take rolls back and goes the staged way below.
      try {
        return store.transaction(
          () => {
            // The same file imported at the same moment by another process: whoever writes second learns it here.
            const raced = alreadyImported(store, sha256, input.fileName);
            if (raced) return raced;
            const make = (description: CsvDescription) => new HoldingsImport(store, consumerOptions(input, description, sha256, true));
            return readCsvDirect(store, opened, input, chosen.reason, profile, make, job, paths).consumer.finish(writingSnapshots(job));
          },
          { onWait: waitingForWriter(job) },
        );
      } catch (error) {
        if (!(error instanceof StagedPathNeeded)) throw error;
        paths.onStaged?.(error.why);
      }
    }
    const prepared = preparePositions(store, opened, input, job, chosen, profile);
    checkCancelled(job.signal);
    return store.transaction(
      () => {
        // As above: a twin import that wrote first is answered "already imported".
        const raced = alreadyImported(store, sha256, input.fileName);
        if (raced) return raced;
        const consumer = new HoldingsImport(store, consumerOptions(input, prepared, sha256, true));
        prepared.feed(consumer, job);
        return consumer.finish(writingSnapshots(job));
      },
      { onWait: waitingForWriter(job) },
    );
  } finally {
    store.staging.clear();
    store.positions.clearStage();
    opened.close();
  }
}

export type PreviewJobInput = Omit<PositionsJobInput, 'allowPartial' | 'createSecurities'> & { kind: 'positions' | 'prices'; createSecurities?: boolean };

/** Job: what a file would do — parse, validate, match — with nothing written. */
export function previewImportJob(store: Store, input: PreviewJobInput, job: JobContext, paths: CsvPaths = {}): ImportPreview {
  if (input.kind === 'prices') return previewPrices(store, input, job, paths);
  requireAsOfDate(input.asOf);
  const opened = openSource(input.source);
  try {
    const sha256 = sha256Of(opened, (bytes) => job.progress('Reading file', bytes, opened.size));
    const chosen = positionFileFormat(opened, input);
    const profile = chosen.format === 'csv' ? profileFor(store, opened, input) : null;
    const options = { ...input, allowPartial: true };
    const done = (consumer: HoldingsImport, prepared: CsvDescription) =>
      consumer.preview({ alreadyImported: alreadyImported(store, sha256, input.fileName) !== null, needsMapping: prepared.needsMapping, headers: prepared.headers });
    if (profile !== null && paths.direct !== false) {
      const make = (description: CsvDescription) =>
        new HoldingsImport(store, {
          ...consumerOptions(options, description, sha256, false),
          stageless: true,
          ...(paths.listedToTheEnd !== undefined ? { listedToTheEnd: paths.listedToTheEnd } : {}),
        });
      try {
        const direct = readCsvDirect(store, opened, input, chosen.reason, profile, make, job, paths);
        try {
          return done(direct.consumer, direct.description);
        } finally {
          direct.consumer.dispose();
        }
      } catch (error) {
        if (!(error instanceof StagedPathNeeded)) throw error;
        paths.onStaged?.(error.why);
      }
    }
    const prepared = preparePositions(store, opened, input, job, chosen, profile);
    const consumer = new HoldingsImport(store, consumerOptions(options, prepared, sha256, false));
    try {
      prepared.feed(consumer, job);
      return done(consumer, prepared);
    } finally {
      consumer.dispose();
    }
  } finally {
    store.staging.clear();
    store.positions.clearStage();
    opened.close();
  }
}
