import type { MethodParsedInput } from '../../shared/api';
import { BallastError } from '../../shared/errors';
import type { IndicatorImportResult, IndicatorRole, IndicatorUnit } from '../../shared/indicators';
import { parseIndicatorsCsv, type IndicatorsCsv } from '../io/indicators-csv';
import { assertNoErrors, warningsIn } from '../io/report';
import type { JobContext } from '../jobs/protocol';
import type { Store } from '../store';
import type { AppContext } from './context';
import type { CallContext } from './dispatch';
import { sha256Hex } from './files';
import { MAX_LISTED_ISSUES } from './holdings-import';
import { openSource, type FileSource } from './sources';

/**
 * Indicator files are read whole: decades of daily observations of a few series are well under a MiB, and
 * the series must be complete (sorted, checked for duplicate dates) before anything is written.
 */
const INDICATOR_FILE_LIMIT = 32 * 1024 * 1024;

export interface IndicatorsJobInput {
  fileName: string;
  source: FileSource;
  name?: string;
  role?: IndicatorRole;
  unit?: IndicatorUnit;
  description?: string;
  actor: string;
}

export interface IndicatorWriteOptions {
  fileName: string;
  sha256: string;
  actor: string;
  role?: IndicatorRole | undefined;
  unit?: IndicatorUnit | undefined;
  description?: string | undefined;
}

/**
 * Writes the series of a parsed indicator file, with one `indicator.import` audit row, all or nothing. Must
 * run inside `store.transaction` (the caller decides what else belongs to the same unit, e.g. the demo load).
 *
 * Unit and role default to the stored series' own when it exists (re-importing a longer VIX file changes
 * nothing else); for a new series the role defaults to 'input' and the unit to percent for a cash rate or a
 * file written with % signs, else level. A cash rate is one series.
 */
export function writeIndicatorSeries(store: Store, parsed: IndicatorsCsv, options: IndicatorWriteOptions): IndicatorImportResult {
  assertNoErrors(options.fileName, parsed.issues);
  if (parsed.series.length === 0) {
    throw new BallastError('IMPORT_REJECTED', `${options.fileName}: no values found; nothing imported.`, { fileName: options.fileName, issues: parsed.issues });
  }
  if (options.role === 'cash-rate' && parsed.series.length > 1) {
    throw new BallastError(
      'BAD_INPUT',
      `${options.fileName} holds ${parsed.series.length} series (${parsed.series.map((s) => s.name).join(', ')}); a cash rate is one series. Import it from a file with one series.`,
    );
  }
  if (parsed.percentSigns && options.unit !== undefined && options.unit !== 'percent') {
    throw new BallastError('BAD_INPUT', `${options.fileName} writes its values with % signs, so they are in percent, not ${options.unit}.`);
  }
  const series = parsed.series.map((s) => {
    const stored = store.indicators.get(s.name);
    const role = options.role ?? stored?.role ?? 'input';
    const unit = options.unit ?? stored?.unit ?? (role === 'cash-rate' || parsed.percentSigns ? 'percent' : 'level');
    const description = options.description ?? (stored ? undefined : `Imported from ${options.fileName}`);
    const written = store.indicators.upsertSeries({ name: s.name, unit, role, ...(description !== undefined ? { description } : {}) }, s.points);
    const points = s.points;
    return {
      name: s.name,
      unit,
      role,
      created: written.created,
      rows: points.length,
      written: written.written,
      from: (points[0] as { date: string }).date,
      to: (points[points.length - 1] as { date: string }).date,
    };
  });
  const warnings = warningsIn(parsed.issues)
    .slice(0, MAX_LISTED_ISSUES)
    .map(({ line, field, reason }) => ({ line, field, reason }));
  store.audit.append({
    actor: options.actor,
    action: 'indicator.import',
    entity: 'indicator',
    entityId: series.map((s) => s.name).join(','),
    details: { fileName: options.fileName, sha256: options.sha256, format: parsed.format, series },
  });
  return { fileName: options.fileName, sha256: options.sha256, format: parsed.format, series, warnings, detected: parsed.detected };
}

/** Job: read, check and import an indicator file, all series and rows or nothing. */
export function importIndicatorsJob(store: Store, input: IndicatorsJobInput, job: JobContext): IndicatorImportResult {
  const opened = openSource(input.source);
  try {
    job.progress('Reading file', 0, opened.size);
    const bytes = opened.readAll(INDICATOR_FILE_LIMIT);
    job.progress('Reading file', opened.size, opened.size);
    if (job.signal.aborted) throw new BallastError('CANCELLED', 'Import cancelled; nothing was changed.');
    const parsed = parseIndicatorsCsv(bytes, input.fileName, { name: input.name ?? null });
    if (job.signal.aborted) throw new BallastError('CANCELLED', 'Import cancelled; nothing was changed.');
    return store.transaction(() =>
      writeIndicatorSeries(store, parsed, {
        fileName: input.fileName,
        sha256: sha256Hex(bytes),
        actor: input.actor,
        role: input.role,
        unit: input.unit,
        description: input.description,
      }),
    );
  } finally {
    opened.close();
  }
}

export function indicatorHandlers(ctx: AppContext) {
  return {
    'indicators.import': async (input: MethodParsedInput<'indicators.import'>, call: CallContext) => {
      const { contentBase64, path, ...rest } = input;
      const source: FileSource = path !== undefined ? { path } : { contentBase64: contentBase64 ?? '' };
      const payload: IndicatorsJobInput = { ...rest, source, actor: ctx.actor };
      const result = (await ctx.jobs.run('import.indicators', payload, ctx.dbPath, { signal: call.signal, onProgress: call.progress })) as IndicatorImportResult;
      ctx.emit({ type: 'state-changed', entity: 'imports' });
      return result;
    },
    'indicators.list': () => ctx.store.indicators.list(),
  };
}
