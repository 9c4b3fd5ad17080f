import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assertNoErrors, parseDemoSecurities, parseIndicatorsCsv, parsePricesCsv } from '../io';
import { readDemoManifest } from './demo-manifest';
import type { JobContext } from '../jobs/protocol';
import type { Store } from '../store';
import type { AppContext } from './context';
import { sha256Hex } from './files';
import { HoldingsImport } from './holdings-import';
import { feedHoldings, writePrices } from './imports';
import { writeIndicatorSeries } from './indicators';
import { parseCustodianCsv } from '../io/custodian-csv';

export interface DemoLoadResult {
  accountId: string;
  securities: number;
  prices: number;
  positions: number;
  /** Indicator series in the store (the demo brings the T-bill yield as its cash rate). */
  indicators: number;
  alreadyLoaded: boolean;
}

/**
 * Job: seeds the store with the bundled demo — real market history and a synthetic account — by
 * importing the shipped files through the same parsers and writers as any user file, in one
 * transaction. Loading twice changes nothing.
 */
export function loadDemoJob(store: Store, input: { resourcesDir: string; actor: string }, job: JobContext): DemoLoadResult {
  const dir = path.join(input.resourcesDir, 'demo');
  const manifest = readDemoManifest(input.resourcesDir);
  const counts = () => ({
    securities: store.securities.count(),
    prices: store.prices.count(),
    positions: store.positions.count(),
    indicators: store.indicators.list().length,
  });
  const read = (name: string) => readFileSync(path.join(dir, name));

  // Parsed before anything is written, like the other files. A series is added only when no series of that
  // name exists, and a cash rate only when the user has not chosen another one (there is one cash rate).
  const indicators = manifest.indicators.map((spec) => {
    const bytes = read(spec.file);
    const parsed = parseIndicatorsCsv(bytes, spec.file, { name: spec.name });
    assertNoErrors(spec.file, parsed.issues);
    return { spec, bytes, parsed };
  });
  const writeMissingIndicators = (): number => {
    let written = 0;
    for (const { spec, bytes, parsed } of indicators) {
      if (store.indicators.get(spec.name)) continue;
      const cashRate = store.indicators.cashRateIndicator();
      if (spec.role === 'cash-rate' && cashRate !== null) continue;
      writeIndicatorSeries(store, parsed, { fileName: spec.file, sha256: sha256Hex(bytes), actor: input.actor, role: spec.role, unit: spec.unit, description: spec.description });
      written++;
    }
    return written;
  };

  if (store.accounts.get(manifest.accountId)) {
    // A demo loaded by an earlier version lacks the series bundled since; those are added, nothing else.
    const added = store.transaction(writeMissingIndicators);
    return { accountId: manifest.accountId, ...counts(), alreadyLoaded: added === 0 };
  }

  const securities = parseDemoSecurities(read(manifest.securitiesFile).toString('utf8'), manifest.securitiesFile);
  const priceBytes = read(manifest.pricesFile);
  const prices = parsePricesCsv(priceBytes, manifest.pricesFile);
  assertNoErrors(manifest.pricesFile, prices.issues);
  const positionBytes = read(manifest.positionsFile);
  const positions = parseCustodianCsv(positionBytes, manifest.positionsFile, { baseCurrency: manifest.baseCurrency });
  assertNoErrors(manifest.positionsFile, positions.issues);
  job.progress('Loading demo data', 0, 3);

  store.transaction(() => {
    for (const s of securities) store.securities.upsert(s);
    const pricesSha = sha256Hex(priceBytes);
    if (!store.imports.findBySha256(pricesSha)) {
      writePrices(store, prices, { fileName: manifest.pricesFile, sha256: pricesSha, actor: input.actor }, job);
    }
    writeMissingIndicators();
    job.progress('Loading demo data', 2, 3);
    store.accounts.create({ id: manifest.accountId, name: manifest.accountName, baseCurrency: manifest.baseCurrency });
    store.audit.append({ actor: input.actor, action: 'account.create', entity: 'account', entityId: manifest.accountId, details: { name: manifest.accountName, source: 'demo' } });
    const positionsSha = sha256Hex(positionBytes);
    if (!store.imports.findBySha256(positionsSha)) {
      const consumer = new HoldingsImport(store, {
        fileName: manifest.positionsFile,
        sha256: positionsSha,
        actor: input.actor,
        format: 'csv',
        detected: {},
        accountId: manifest.accountId,
        asOf: positions.statements[0]?.asOf ?? prices.dateRange!.to,
        allowPartial: false,
        createSecurities: false,
        profile: null,
        write: true,
      });
      feedHoldings(consumer, positions, job);
      consumer.finish();
    }
  });
  job.progress('Loading demo data', 3, 3);
  return { accountId: manifest.accountId, ...counts(), alreadyLoaded: false };
}

export function demoHandlers(ctx: AppContext) {
  return {
    'demo.load': async (_input: object, call: { signal: AbortSignal; progress(p: { step: string; current: number; total: number }): void }) => {
      const result = (await ctx.jobs.run('demo.load', { resourcesDir: ctx.resourcesDir, actor: ctx.actor }, ctx.dbPath, {
        signal: call.signal,
        onProgress: call.progress,
      })) as DemoLoadResult;
      ctx.emit({ type: 'state-changed', entity: 'portfolio' });
      return result;
    },
  };
}
