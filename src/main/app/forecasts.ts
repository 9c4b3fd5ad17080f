import { createHash } from 'node:crypto';
import { ForecastConfig, type ForecastConfigInput } from '../../shared/strategy';
import { BallastError } from '../../shared/errors';
import { walkForwardConfigKey, walkForwardForecasts, type WalkForwardCheckpoint } from '../engine/forecast/walkForward';
import type { ForecastSet } from '../engine/forecast/types';
import type { JobContext } from '../jobs/protocol';
import type { SecurityRecord, Store } from '../store';
import type { MarketPanel } from './market-panel';
import { CODE_VERSION, computeBackendLabel } from './version';

export interface EnsuredForecasts {
  runId: number;
  forecasts: ForecastSet;
  /**
   * The model's state after the panel's last date, for today's predictive draws. Null only when the caller said it
   * needs none and the stored run has seen prices after this panel's end: its forecasts up to the end are exact
   * (each was made from data up to its own date), its state is not this panel's.
   */
  checkpoint: WalkForwardCheckpoint | null;
  /** 'reused' (nothing to do), 'extended' (new prices, incremental update), 'resumed' (an interrupted run finished) or 'trained' (a new run). */
  mode: 'reused' | 'extended' | 'resumed' | 'trained';
}

/** A checkpoint as one BLOB: 4-byte length of a JSON header, the header, then the serialised network. */
export function encodeCheckpoint(checkpoint: WalkForwardCheckpoint): Buffer {
  const { modelBytes, ...rest } = checkpoint;
  const head = Buffer.from(JSON.stringify(rest), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  return Buffer.concat([length, head, Buffer.from(modelBytes.buffer, modelBytes.byteOffset, modelBytes.byteLength)]);
}

export function decodeCheckpoint(blob: Uint8Array): WalkForwardCheckpoint {
  const buffer = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const length = buffer.readUInt32BE(0);
  const head = JSON.parse(buffer.subarray(4, 4 + length).toString('utf8')) as Omit<WalkForwardCheckpoint, 'modelBytes'>;
  return { ...head, modelBytes: new Uint8Array(buffer.subarray(4 + length)) } as WalkForwardCheckpoint;
}

/** What identifies a stored run for a universe: its securities in panel order and the last date of its prices. */
export interface ForecastUniverse {
  securities: readonly SecurityRecord[];
  /** The newest date of the universe's prices the forecasts must reach (a panel's last date). */
  newest: string;
}

/**
 * The stored run that `ensureForecasts` would reuse as it is — same key, same history, complete through `newest` —
 * with its forecasts and model state; null when there is none (a run must be trained, extended or resumed, which
 * needs the whole panel). Reads no prices beyond the fingerprint, so a caller with a current run can read only the
 * recent window it computes on (issue 10).
 */
export function storedForecasts(store: Store, universe: ForecastUniverse, configInput: ForecastConfigInput): EnsuredForecasts | null {
  const config = ForecastConfig.parse(configInput);
  const ids = universe.securities.map((s) => s.id);
  const configKey = createHash('sha256')
    .update(walkForwardConfigKey(config, universe.securities.map((s) => s.ticker)))
    .digest('hex');
  const latest = store.modelRuns.findLatest(configKey);
  if (!latest || latest.status !== 'complete' || !latest.checkpoint || latest.dataTo !== universe.newest) return null;
  if (store.prices.fingerprint(ids, universe.newest) !== latest.dataFingerprint) return null;
  return { runId: latest.id, forecasts: store.forecasts.read(latest.id, ids), checkpoint: decodeCheckpoint(latest.checkpoint), mode: 'reused' };
}

/**
 * Forecasts are an artifact keyed by (universe, model config, seed, price data): computed once on the worker pool,
 * stored block by block (each retrain's forecasts and the model checkpoint in one transaction, so a cancelled or
 * killed run resumes where it stopped), and reused by every backtest, tuning run and proposal.
 *
 * - Same key, same history, nothing new: the stored forecasts are read back ('reused').
 * - Same key, same history up to the last date the run saw, new prices after it: the run continues from its
 *   checkpoint — the stored posterior is the prior for the new data — and forecasts only the new dates ('extended').
 * - No run, or the history the run trained on was restated (its fingerprint changed): a new run ('trained').
 */
export async function ensureForecasts(
  store: Store,
  market: MarketPanel,
  configInput: ForecastConfigInput,
  job: JobContext,
  options: { needsModelState?: boolean } = {},
): Promise<EnsuredForecasts> {
  const config = ForecastConfig.parse(configInput);
  const { panel, securities } = market;
  const ids = securities.map((s) => s.id);
  const newest = panel.dates[panel.dates.length - 1];
  if (!newest) throw new BallastError('INSUFFICIENT_DATA', 'There is no price history to forecast from.');
  // The key covers the walk-forward protocol, the feature settings, the config (seed included) and the universe.
  const stored = storedForecasts(store, { securities, newest }, config);
  if (stored) return stored;
  const configKey = createHash('sha256').update(walkForwardConfigKey(config, panel.tickers)).digest('hex');
  const latest = store.modelRuns.findLatest(configKey);

  // Each block moves the run's data range forward with it (a continued run reaches past its old data_to).
  const fingerprint = store.prices.fingerprint(ids, newest);
  let runId: number;
  let checkpoint: WalkForwardCheckpoint | undefined;
  let mode: EnsuredForecasts['mode'];
  const usable =
    latest && latest.checkpoint && latest.dataTo && (latest.dataTo === newest ? fingerprint : store.prices.fingerprint(ids, latest.dataTo)) === latest.dataFingerprint;
  // A history cut before the run's end (a backtest to an earlier date): the run's forecasts up to the cut are what a
  // run on the cut history would have made, provided the cut history is the run's own (its prefix fingerprint).
  if (
    !options.needsModelState &&
    latest?.status === 'complete' &&
    latest.dataTo !== null &&
    latest.dataTo > newest &&
    store.prices.fingerprint(ids, latest.dataTo) === latest.dataFingerprint
  ) {
    return { runId: latest.id, forecasts: store.forecasts.read(latest.id, ids, { to: newest }), checkpoint: null, mode: 'reused' };
  }
  if (usable) {
    runId = latest.id;
    checkpoint = decodeCheckpoint(latest.checkpoint!);
    mode = latest.status === 'complete' ? 'extended' : 'resumed';
    store.modelRuns.setStatus(runId, 'running');
  } else {
    runId = store.modelRuns.create({
      kind: 'bnn-walk-forward',
      config,
      configKey,
      tickers: [...panel.tickers],
      seed: config.seed,
      dataFrom: panel.dates[0]!,
      // Set now, so a run cancelled or killed half-way is recognised and resumed on the same history.
      dataTo: newest,
      dataFingerprint: fingerprint,
      backend: await computeBackendLabel(),
      codeVersion: CODE_VERSION,
    });
    mode = 'trained';
  }

  const securityOf = (ticker: string) => securities[panel.tickers.indexOf(ticker)]!.id;
  try {
    const result = await walkForwardForecasts(panel, config, {
      onProgress: (step, current, total) => job.progress(`Forecast model: ${step}`, current, total),
      signal: job.signal,
      ...(checkpoint ? { checkpoint } : {}),
      onBlock: (block, blockCheckpoint) => {
        const rows = [];
        const n = block.tickers.length;
        for (let d = 0; d < block.dates.length; d++) {
          for (let i = 0; i < n; i++) {
            const k = d * n + i;
            if (!Number.isFinite(block.mean[k]!)) continue;
            rows.push({
              date: block.dates[d]!,
              securityId: securityOf(block.tickers[i]!),
              horizon: block.horizon,
              mean: block.mean[k]!,
              epistemicVar: block.epistemicVariance[k]!,
              aleatoricVar: block.aleatoricVariance[k]!,
              lower50: block.lower50[k]!,
              upper50: block.upper50[k]!,
              lower90: block.lower90[k]!,
              upper90: block.upper90[k]!,
            });
          }
        }
        store.modelRuns.saveBlock(runId, rows, encodeCheckpoint(blockCheckpoint), {
          trainedThrough: blockCheckpoint.trainedThroughDate,
          lastForecastDate: blockCheckpoint.lastForecastDate,
          dataTo: newest,
          dataFingerprint: fingerprint,
        });
      },
    });
    store.modelRuns.complete(runId, {
      dataTo: newest,
      dataFingerprint: fingerprint,
      checkpoint: encodeCheckpoint(result.checkpoint),
      metrics: result.summary,
    });
    return { runId, forecasts: store.forecasts.read(runId, ids), checkpoint: result.checkpoint, mode };
  } catch (err) {
    store.modelRuns.setStatus(runId, err instanceof BallastError && err.code === 'CANCELLED' ? 'cancelled' : 'failed');
    throw err;
  }
}
